"""`ss_peak:<op>[@cell]`, `ss_residual:<op>[@cell]`: selective stop, Eq. 12 / Eq. 13 (selective_stop.py).

Post hoc: the curve's maximum over epochs 0 < t <= T. Online: the running maximum over epochs 1..epoch
(ties: earliest) is the proposed peak; patient.Patient declares it once `patience` (>= 1) further
epochs have not exceeded it (a later, higher peak cannot be seen any more).
"""

from __future__ import annotations

import re

from darts_core.errors import DartsCoreError
from darts_core.stops import OnlineStop, Stop, selective_stop
from darts_core.stops.criteria.base import Criterion, upto
from darts_core.stops.magnitudes import magnitudes


class SelectiveStop(Criterion):
    form = "{name}:<op>[@cell]"
    example = "{name}:nor_conv_3x3@normal"
    needs = frozenset({"arch_parameters", "alphas"})
    patient = True

    def __init__(self, text: str, name: str, op: str, cell: str = "normal"):
        super().__init__(text, name)
        self.op, self.cell = op, cell
        self.kind = name.removeprefix("ss_")  # peak | residual (selective_stop.KINDS)

    @classmethod
    def parse(cls, text, name, arg):
        op, _, cell = arg.partition("@")
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", op or ""):  # NB101 ops have hyphens
            raise DartsCoreError(f"criterion {text!r}: give the op, e.g. {name}:nor_conv_3x3")
        cell = cell or "normal"
        if cell not in ("normal", "reduce"):
            raise DartsCoreError(f"criterion {text!r}: cell must be normal or reduce")
        return cls(text, name, op, cell)

    def posthoc(self, run) -> Stop:
        if self.cell not in run.info.cells:
            return Stop(None, False, f"the run has no {self.cell} cell")
        ops = run.info.cell_ops(self.cell)
        if self.op not in ops:
            return Stop(None, False, f"op {self.op} is not in this run's {self.cell} cell ({', '.join(ops)})")
        fn = selective_stop.ss_peak if self.kind == "peak" else selective_stop.ss_residual
        return fn(run.mags, self.op, self.cell)

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        curve = selective_stop.ss_curve(magnitudes(upto(alphas_so_far, epoch)), self.op, self.cell, self.kind)
        peak, _ = selective_stop.first_max(curve, 1)
        return OnlineStop(f"{self.text} peaked at epoch {peak}", self.text, peak, epoch)

    def check_online(self, spec, patience, ops):
        if self.op not in ops:
            raise DartsCoreError(f"online stop {spec!r}: op {self.op!r} is not searched (ops: {', '.join(ops)})")
        if patience < 1:
            raise DartsCoreError(f"online stop {spec!r} needs patience >= 1 to declare a peak, got {patience}")
