"""`final`: the last epoch of the run (the baseline every other criterion is compared with)."""

from __future__ import annotations

from darts_core.stops import Stop
from darts_core.stops.criteria.base import Criterion


class Final(Criterion):
    def posthoc(self, run) -> Stop:
        return Stop(run.final_epoch, True, "last epoch of the run")

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        return None  # never stops early
