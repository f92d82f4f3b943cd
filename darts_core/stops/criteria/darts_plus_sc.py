"""`darts+_sc:<k>`: DARTS+ stops at the first epoch >= 1 whose derived cell holds >= k skip-connects
(darts_plus.sc_stop). Reads architectures only (genotypes.csv or derived alphas), so it applies to every
run and method. Online: met at the current epoch (no patience)."""

from __future__ import annotations

import re

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.stops import OnlineStop, Stop, darts_plus, space_info
from darts_core.stops.criteria.base import Criterion, upto


class SkipConnects(Criterion):
    form = "{name}:<k>"
    example = "{name}:2"

    def __init__(self, text: str, name: str, k: int):
        super().__init__(text, name)
        self.k = k

    @classmethod
    def parse(cls, text, name, arg):
        if not re.fullmatch(r"[1-9][0-9]*", arg):
            raise DartsCoreError(f"criterion {text!r}: k must be a positive integer, e.g. {name}:2")
        return cls(text, name, int(arg))

    def posthoc(self, run) -> Stop:
        epochs = [e for e in run.epochs_with_arch() if e >= 1]
        if not epochs:
            return Stop(None, False, "no architecture after epoch 0")
        return darts_plus.sc_stop(_archs_until(run, epochs, self.k), self.k, run.info.skip_connects)

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        df = upto(alphas_so_far, epoch)
        info = space_info.from_alphas(df)
        n = info.skip_connects(info.arch(df, epoch))
        if n < self.k:
            return None
        return OnlineStop(f"{self.text}: {n} skip-connect(s) in the derived cell at epoch {epoch}", self.text, epoch, epoch)


def _archs_until(run, epochs: list[int], k: int) -> pd.Series:
    """epoch -> arch, derived only up to the first epoch with >= k skip-connects (where sc stops)."""
    values, index = [], []
    for e in epochs:
        arch = run.arch_at(e)
        if arch is None:
            continue
        index.append(e)
        values.append(arch)
        if run.info.skip_connects(arch) >= k:
            break
    return pd.Series(values, index=index, dtype=object)
