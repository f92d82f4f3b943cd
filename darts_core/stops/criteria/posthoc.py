"""Algorithm 2 (multiple-point selective stop): evaluate many stop criteria on one finished run.

`evaluate(run, criteria=None, *, genotypes=None, hessian=None, space=None, total_epochs=None) -> DataFrame`
with columns STOP_COLUMNS = `criterion, epoch, arch, met, note` (the stops table, `stops.csv`); the
benchmark lookup (darts_core.benchmark.lookup.lookup_stops, see `add_lookups`) appends accuracy columns.
`run` is a run directory (see run_data.load_run) or a tidy alpha DataFrame. Criteria: registry.CRITERIA.
Rows: `epoch` is where the criterion stops; never met -> the run's final epoch with `met` False; a
criterion the run lacks the data for (its `needs`: no alphas, no hessian.csv; or op not in the space) ->
`epoch` empty, `arch` empty, `met` False and a note starting "not computable" (so are SS and DARTS+ rt on
runs of methods without architecture parameters, RSPS: "not computable: not applicable to rsps ...").
`arch` is the architecture at `epoch` (RunData.arch_at).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.layout import STOPS  # noqa: F401  (re-exported)
from darts_core.spaces import get_family
from darts_core.stops import Stop
from darts_core.stops.criteria.base import Criterion
from darts_core.stops.criteria.registry import parse_criterion
from darts_core.stops.criteria.run_data import RunData, as_run, known_ops

STOP_COLUMNS = ("criterion", "epoch", "arch", "met", "note")
def default_criteria(space) -> tuple[str, ...]:
    """The criteria a space's runs get when none are named (darts_core.spaces: `default_criteria`)."""
    return get_family(space).default_criteria if isinstance(space, str) else space.default_criteria


def has_arch_parameters(method) -> bool:
    """Whether the run's method learns architecture parameters (RSPS does not: its alpha log records the
    architecture it selects). Unknown or unnamed methods (imported logs: "darts", none) are taken to."""
    from darts_core.methods import get_method

    if method is None:
        return True
    try:
        return bool(get_method(method).arch_parameters)
    except (DartsCoreError, KeyError):
        return True


def _missing(c: Criterion, run: RunData) -> str | None:
    """Why the run lacks what the criterion `needs` (None: it has everything)."""
    if "arch_parameters" in c.needs and not has_arch_parameters(run.method):
        return (f"not applicable to {run.method}, which has no architecture parameters (what its alpha log records: "
                f"darts_core/methods/{run.method}.py)")
    if "alphas" in c.needs and run.alphas is None:
        return "the run has no alphas (genotypes only)"
    if "hessian" in c.needs and (run.hessian is None or run.hessian.empty):
        return "the run has no dominant eigenvalues (hessian.csv)"
    return None


def _row(c: Criterion, run: RunData) -> dict:
    final = run.final_epoch
    why = _missing(c, run)
    stop = Stop(None, False, why) if why else c.posthoc(run)
    if stop.epoch is None:
        return {"criterion": c.text, "epoch": pd.NA, "arch": "", "met": False, "note": f"not computable: {stop.note}"}
    epoch = stop.epoch if stop.met else final
    note = stop.note if stop.met else f"never met, final epoch used: {stop.note}"
    arch = run.arch_at(epoch)
    if arch is None:
        return {"criterion": c.text, "epoch": epoch, "arch": "", "met": bool(stop.met),
                "note": f"{note}; no architecture recorded for epoch {epoch}"}
    return {"criterion": c.text, "epoch": epoch, "arch": arch, "met": bool(stop.met), "note": note}


def evaluate(run, criteria=None, *, genotypes=None, hessian=None, space: str | None = None,
             total_epochs: int | None = None) -> pd.DataFrame:
    """The stops table of one run (see module doc). `criteria` None -> the space's defaults."""
    data = as_run(run, genotypes, hessian, space, total_epochs)
    if criteria is None:
        criteria = default_criteria(data.info.space)
    if isinstance(criteria, str):
        criteria = [criteria]
    parsed = [parse_criterion(c) for c in criteria]
    known = known_ops(data.info.space)
    for c in parsed:  # a typo, not an op this run happens not to search (that one is "not computable")
        if c.op is not None and c.op not in known:
            raise DartsCoreError(f"criterion {c.text!r}: no {data.info.family} space has op {c.op!r} "
                                 f"(ops: {', '.join(known)})")
    rows = [_row(c, data) for c in parsed]
    out = pd.DataFrame(rows, columns=list(STOP_COLUMNS))
    out["epoch"] = out["epoch"].astype("Int64")
    out["met"] = out["met"].astype(bool)
    return out


def write_stops(stops: pd.DataFrame, path: str | os.PathLike) -> Path:
    return runlog.write_table(stops, path)


def add_lookups(stops: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Append the NB201 benchmark columns (darts_core.benchmark.lookup.lookup_stops) to the rows that have
    an NB201 arch; other rows (not computable, DARTS-space genotypes) get empty values."""
    from darts_core.benchmark.lookup import lookup_stops

    has = stops["arch"].astype(str).str.startswith("|").to_numpy()
    if not has.any():
        raise DartsCoreError("no NAS-Bench-201 architecture in the stops table: nothing to look up")
    out = stops.copy().reset_index(drop=True)
    found = lookup_stops(out[has].reset_index(drop=True), table)
    for col in [c for c in found.columns if c not in out.columns]:
        out[col] = np.nan
        out.loc[has, col] = found[col].to_numpy(dtype=np.float64)
    if "index" in out.columns:
        out["index"] = out["index"].astype("Int64")
    return out
