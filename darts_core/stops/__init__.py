"""Stop criteria from a search's run products (Zhang & Ding, CIKM 2021, Sec. 2.3-2.4; DARTS+; DARTS-ES).

The rules, on plain tables (torch-free; nothing here imports darts_core.search):
- `magnitudes`: operation magnitudes m(t, o) (Eq. 11).
- `selective_stop`: SS-peak (Eq. 12) and SS-residual (Eq. 13).
- `darts_plus`: DARTS+ sc_k and rt_k.
- `darts_es`: RobustDARTS's EVLocalAvg early stop on dominant Hessian eigenvalues (measured by the search,
  darts_core.search.hessian, or imported, darts_core.importers).
- `space_info`: what the rules need to know about a run's search space.
The criteria built on them, and the two ways to apply them:
- `criteria`: one class per criterion (criteria/base.py: parse, `posthoc`, `online`, `needs`), a registry
  name -> class, patience as a wrapper (criteria.Patient); Algorithm 2 (post hoc, many criteria) -> the
  stops table (criteria.evaluate).
- `online`: Algorithm 1, one criterion during the search (make_online_stop).
- `cli`: subcommands `magnitudes`, `stops`, `import-log`.

Epoch convention (darts_core.runlog): epoch 0 = initial alphas, epoch e = after e finished epochs. A stop
"at epoch t" means the architecture derived from the alphas after t epochs.
"""

from __future__ import annotations

from typing import NamedTuple


class Stop(NamedTuple):
    """Where one criterion stops a run: `epoch` (None if the criterion cannot be computed for the run),
    `met` (False: never met, the final epoch is used), `note` (why, in words)."""

    epoch: int | None
    met: bool
    note: str = ""


class OnlineStop(str):
    """Why an online stop fired (the reason string), with `criterion`, `stop_epoch` (the epoch whose alphas
    give the architecture) and `at_epoch` (when the stop was declared) attached."""

    criterion: str
    stop_epoch: int
    at_epoch: int

    def __new__(cls, text: str, criterion: str, stop_epoch: int, at_epoch: int):
        obj = super().__new__(cls, text)
        obj.criterion, obj.stop_epoch, obj.at_epoch = criterion, int(stop_epoch), int(at_epoch)
        return obj
