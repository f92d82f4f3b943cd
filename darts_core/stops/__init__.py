"""Stop criteria from a search's run products (Zhang & Ding, CIKM 2021, Sec. 2.3-2.4; DARTS+; DARTS-ES).

- `magnitudes`: operation magnitudes m(t, o) (Eq. 11).
- `selective_stop`: SS-peak (Eq. 12) and SS-residual (Eq. 13).
- `darts_plus`: DARTS+ sc_k and rt_k.
- `darts_es`: RobustDARTS's EVLocalAvg early stop on dominant Hessian eigenvalues (measured by the search,
  darts_core.search.hessian, or imported, darts_core.importers).
- `criteria`: Algorithm 2 (post-hoc, many criteria) -> the stops table; `online`: Algorithm 1.
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
