"""Algorithm 1 (single-point early stop): a stop criterion evaluated during the search.

`make_online_stop(spec, patience, ops) -> fn`; the search loop calls
`fn(epoch, alphas_so_far, hessian=None)` after each finished epoch (alphas_so_far: the tidy alpha log of
epochs 0..epoch; hessian: the measurements so far as a DataFrame `epoch, eigenvalue`, for darts_es) and
stops when it returns a reason. The reason is an `OnlineStop`, a str (e.g.
"ss_residual:nor_conv_3x3 peaked at epoch 12 (patience 5)") that also carries `criterion`, `stop_epoch`
(the epoch whose alphas give the architecture: the peak, the roll-back epoch of DARTS-ES, or the current
epoch) and `at_epoch` (when the stop was declared).

Same criteria as the post-hoc table, read online by each criterion's `online` (criteria/*.py); those that
propose a running peak (ss_peak, ss_residual) are declared through criteria.Patient with the search's
patience (>= 1), the others ignore it. Epoch 0 (the initialisation) never stops; once declared, the same
reason is returned for every later epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from darts_core.stops import OnlineStop
from darts_core.stops.criteria import Patient, check_online_stop

__all__ = ["OnlineStop", "check_online_stop", "make_online_stop"]


def make_online_stop(spec: str, patience: int, ops: Sequence[str], *,
                     total_epochs: int | None = None) -> Callable[..., OnlineStop | None]:
    """A per-epoch stop test for one criterion (see module doc). `ops`: the run's op list (validated
    against the spec's op so a bad config fails before the search starts). `total_epochs` (optional):
    lets darts_es skip the decision at the last epoch, as RobustDARTS does."""
    c = check_online_stop(spec, patience, ops)
    test = Patient(c, int(patience)) if c.patient else c
    state = {"done": None}

    def check(epoch: int, alphas_so_far: pd.DataFrame | None, hessian: pd.DataFrame | None = None) -> OnlineStop | None:
        if state["done"] is not None:
            return state["done"]
        epoch = int(epoch)
        if epoch < 1:
            return None
        state["done"] = test.online(epoch, alphas_so_far, hessian, total_epochs=total_epochs)
        return state["done"]

    check.spec = c.text  # type: ignore[attr-defined]
    return check
