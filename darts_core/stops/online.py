"""Algorithm 1 (single-point early stop): a stop criterion evaluated during the search.

`make_online_stop(spec, patience, ops) -> fn`; the search loop calls
`fn(epoch, alphas_so_far, hessian=None)` after each finished epoch (alphas_so_far: the tidy alpha log of
epochs 0..epoch; hessian: the measurements so far as a DataFrame `epoch, eigenvalue`, for darts_es) and
stops when it returns a reason. The reason is an `OnlineStop`, a str (e.g.
"ss_residual:nor_conv_3x3 peaked at epoch 12 (patience 5)") that also carries `criterion`, `stop_epoch`
(the epoch whose alphas give the architecture: the peak, the roll-back epoch of DARTS-ES, or the current
epoch) and `at_epoch` (when the stop was declared).

Same criteria as the post-hoc table (criteria.py), read online:
- ss_peak / ss_residual: the running maximum over epochs 1..epoch (ties: earliest) is declared a peak once
  `patience` (>= 1) further epochs have not exceeded it; a later, higher peak cannot be seen any more.
- darts+_sc:k: met at the current epoch (no patience). darts+_rt:k: met when the ranking has been unchanged
  for k epochs (no patience).
- darts_es: the EVLocalAvg rule on the eigenvalues so far (its own delay: the roll-back epoch).
- final: never stops early.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from darts_core.stops import darts_es, darts_plus, selective_stop, space_info
from darts_core.stops.criteria import check_online_stop
from darts_core.stops.magnitudes import magnitudes


class OnlineStop(str):
    """The reason string, with `criterion`, `stop_epoch` and `at_epoch` attached."""

    criterion: str
    stop_epoch: int
    at_epoch: int

    def __new__(cls, text: str, criterion: str, stop_epoch: int, at_epoch: int):
        obj = super().__new__(cls, text)
        obj.criterion, obj.stop_epoch, obj.at_epoch = criterion, int(stop_epoch), int(at_epoch)
        return obj


def make_online_stop(spec: str, patience: int, ops: Sequence[str], *,
                     total_epochs: int | None = None) -> Callable[..., OnlineStop | None]:
    """A per-epoch stop test for one criterion (see module doc). `ops`: the run's op list (validated
    against the spec's op so a bad config fails before the search starts). `total_epochs` (optional):
    lets darts_es skip the decision at the last epoch, as RobustDARTS does."""
    c = check_online_stop(spec, patience, ops)
    patience = int(patience)
    state = {"done": None}

    def check(epoch: int, alphas_so_far: pd.DataFrame | None, hessian: pd.DataFrame | None = None) -> OnlineStop | None:
        if state["done"] is not None:
            return state["done"]
        epoch = int(epoch)
        reason = None
        if c.kind == "final" or epoch < 1:
            return None
        if c.kind in ("ss_peak", "ss_residual"):
            df = alphas_so_far[alphas_so_far["epoch"] <= epoch]
            curve = selective_stop.ss_curve(magnitudes(df), c.op, c.cell, c.kind[3:])
            peak, _ = selective_stop.first_max(curve, 1)
            if epoch - peak >= patience:
                reason = OnlineStop(f"{c.text} peaked at epoch {peak} (patience {patience})", c.text, peak, epoch)
        elif c.kind == "darts+_sc":
            df = alphas_so_far[alphas_so_far["epoch"] <= epoch]
            info = space_info.from_alphas(df)
            arch = info.arch(df, epoch)
            n = info.skip_connects(arch)
            if n >= c.k:
                reason = OnlineStop(f"{c.text}: {n} skip-connect(s) in the derived cell at epoch {epoch}", c.text, epoch, epoch)
        elif c.kind == "darts+_rt":
            df = alphas_so_far[alphas_so_far["epoch"] <= epoch]
            stop = darts_plus.rt_stop(space_info.from_alphas(df).rankings(df), c.k)
            if stop.met:
                reason = OnlineStop(f"{c.text}: {stop.note}", c.text, stop.epoch, epoch)
        elif c.kind == "darts_es":
            if hessian is None or len(hessian) == 0:
                return None
            h = hessian[hessian["epoch"] <= epoch]
            if h.empty:
                return None
            stop = darts_es.darts_es_stop(h, total_epochs, **c.options)
            if stop.met:
                reason = OnlineStop(f"{c.text}: {stop.note}", c.text, stop.epoch, epoch)
        state["done"] = reason
        return reason

    check.spec = c.text  # type: ignore[attr-defined]
    return check
