"""`darts+_rt:<k>`: DARTS+ stops when the ranking of the learnable ops' alphas has been unchanged for k
epochs (darts_plus.rt_stop). Reads alpha dynamics: not applicable to methods without architecture
parameters. Online: the same rule on the epochs so far (no patience)."""

from __future__ import annotations

from darts_core.stops import OnlineStop, Stop, darts_plus, space_info
from darts_core.stops.criteria.base import upto
from darts_core.stops.criteria.darts_plus_sc import SkipConnects


class RankingStable(SkipConnects):  # same text form, k >= 1
    needs = frozenset({"arch_parameters", "alphas"})

    def posthoc(self, run) -> Stop:
        return darts_plus.rt_stop(run.info.rankings(run.alphas), self.k)

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        df = upto(alphas_so_far, epoch)
        stop = darts_plus.rt_stop(space_info.from_alphas(df).rankings(df), self.k)
        return OnlineStop(f"{self.text}: {stop.note}", self.text, stop.epoch, epoch) if stop.met else None
