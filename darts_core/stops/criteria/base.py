"""The stop criterion interface: one subclass per criterion, registered by name in registry.py.

A criterion is parsed from its text (`name[:arg]`, the registry key before the colon) and answers two
questions:
- `posthoc(run) -> Stop` (Algorithm 2): where it stops a finished run (a criteria.run_data.RunData).
  `Stop(None, False, why)`: not computable for this run; posthoc.evaluate writes "not computable: why".
- `online(epoch, alphas_so_far, hessian=None, *, total_epochs=None) -> OnlineStop | None` (Algorithm 1):
  the stop it declares after `epoch` finished epochs, from the data logged so far (None: go on). A
  criterion with `patient = True` proposes a stop every epoch (a running peak) and is declared through
  patient.Patient (make_online_stop wraps it); the others ignore the search's patience.
`needs` names the run data it reads; evaluate reports the run as not computable, before calling
`posthoc`, when one is missing: "arch_parameters" (the method learns alphas: not RSPS), "alphas"
(alphas.parquet), "hessian" (hessian.csv).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.stops import OnlineStop, Stop


class Criterion:
    form: ClassVar[str] = "{name}"  # the text's form in error messages (registry.forms)
    example: ClassVar[str] = "{name}"  # a valid text (tests round-trip it)
    needs: ClassVar[frozenset[str]] = frozenset()
    patient: ClassVar[bool] = False
    op: str | None = None  # the op a criterion reads, checked against the space's ops

    def __init__(self, text: str, name: str):
        self.text, self.name = text, name

    @classmethod
    def parse(cls, text: str, name: str, arg: str) -> Criterion | None:
        """The criterion of `text` (= name[:arg], stripped); None when `arg` is not of this form."""
        return None if arg else cls(text, name)

    def posthoc(self, run) -> Stop:
        raise NotImplementedError

    def online(self, epoch: int, alphas_so_far: pd.DataFrame | None, hessian: pd.DataFrame | None = None, *,
               total_epochs: int | None = None) -> OnlineStop | None:
        raise NotImplementedError

    def check_online(self, spec: str, patience: int, ops: tuple[str, ...]) -> None:
        """Refuse a setting the search could only fail on once started (`spec`: the text as configured)."""
        if patience < 0:
            raise DartsCoreError(f"online stop {spec!r}: patience must be >= 0, got {patience}")

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.text))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


def upto(df: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """The rows logged by the end of `epoch` (an online criterion never looks ahead)."""
    return df[df["epoch"] <= epoch]
