"""Benchmark accuracies of derived architectures: single archs, a search run's genotypes, stop points.

Wide output columns: `arch, index` then METRIC_COLUMNS = `cifar10_valid, cifar10_test, cifar100_valid,
cifar100_test, ImageNet16-120_valid, ImageNet16-120_test` (percent; NaN where the table lacks the
metric or the architecture).
- `lookup_archs(archs, table)`: one row per given arch, in the given order.
- `lookup_run(run_dir, table)`: one row per row of the run's `genotypes.csv`: `epoch, arch, index, <metrics>`
  (the accuracy curve of the derived architecture, epoch 0 = initial alphas).
- `load_benchmark(path)`: either table, told apart by its file (a NAS-Bench-101 table carries its own
  metadata); every function here takes either. On a NAS-Bench-101 table (the NAS-Bench-1Shot1 spaces)
  `index` is the module hash and only the CIFAR-10 columns are filled (darts_core.benchmark.nb101_lookup).
- `lookup_stops(stops, table)`: the stops table (`criterion, epoch, arch, ...`, CSV path or DataFrame) with
  `index` and the metric columns appended (existing columns of those names are replaced).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from darts_core.benchmark.nb201_index import arch_index
from darts_core.benchmark.table import COLUMNS, METRIC_COLUMNS, load_table
from darts_core.errors import DartsCoreError
from darts_core.runlog import GENOTYPES

_WIDE_CACHE: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}


def wide_table(table: pd.DataFrame) -> pd.DataFrame:
    """index -> METRIC_COLUMNS (one row per architecture in the table); cached per table object."""
    cached = _WIDE_CACHE.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DartsCoreError(f"benchmark table: missing column(s) {', '.join(missing)}")
    key = table["dataset"].astype(str) + "_" + table["metric"].astype(str)
    wide = pd.DataFrame({"index": table["index"].to_numpy(), "key": key.to_numpy(), "accuracy": table["accuracy"].to_numpy()})
    wide = wide.pivot_table(index="index", columns="key", values="accuracy", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=list(METRIC_COLUMNS))
    wide.columns.name = None
    _WIDE_CACHE.clear()  # keep one table alive at most
    _WIDE_CACHE[id(table)] = (table, wide)
    return wide


def load_benchmark(path: str | os.PathLike) -> pd.DataFrame:
    """The NAS-Bench-201 or the NAS-Bench-101 table at `path` (DartsCoreError names a bad file)."""
    from darts_core.benchmark.nb101 import table as nb101_table

    try:
        nb101_table.read_summary(path)
    except Exception:  # not a NAS-Bench-101 table (or no file): the NB201 reader says what is wrong
        return load_table(path)
    return nb101_table.load_table(path)


def is_nb101(table: pd.DataFrame) -> bool:
    return "module_hash" in table.columns


def lookup_archs(archs: Sequence[str], table: pd.DataFrame) -> pd.DataFrame:
    """Wide rows `arch, index, <metrics>` for the given arch strings (DartsCoreError on a malformed one)."""
    if isinstance(archs, str):
        archs = [archs]
    archs = [str(a).strip() for a in archs]
    if is_nb101(table):
        from darts_core.benchmark import nb101_lookup

        found = nb101_lookup.lookup_archs(archs, table)
        out = pd.DataFrame({"arch": archs, "index": found["module_hash"].to_numpy()})
        for col in METRIC_COLUMNS:
            out[col] = found[col].to_numpy() if col in found else float("nan")
        return out
    indexes = [arch_index(a) for a in archs]
    metrics = wide_table(table).reindex(indexes)
    out = pd.DataFrame({"arch": archs, "index": indexes})
    for col in METRIC_COLUMNS:
        out[col] = metrics[col].to_numpy()
    return out


def lookup_run(run_dir: str | os.PathLike, table: pd.DataFrame) -> pd.DataFrame:
    """Accuracy curve of a search run: `epoch, arch, index, <metrics>` from `<run_dir>/genotypes.csv`."""
    path = Path(run_dir) / GENOTYPES
    if not path.is_file():
        raise DartsCoreError(f"run {run_dir}: {GENOTYPES} does not exist")
    genotypes = pd.read_csv(path)
    if not {"epoch", "arch"} <= set(genotypes.columns):
        raise DartsCoreError(f"{path}: needs columns epoch, arch")
    found = lookup_archs(genotypes["arch"].tolist(), table)
    return pd.concat([genotypes[["epoch"]].reset_index(drop=True), found], axis=1)


def lookup_stops(stops: str | os.PathLike | pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The stops table with `index` and the metric columns filled in for each row's `arch`."""
    if isinstance(stops, pd.DataFrame):
        df = stops.copy()
    else:
        if not Path(stops).is_file():
            raise DartsCoreError(f"stops table {stops} does not exist")
        df = pd.read_csv(stops)
    if "arch" not in df.columns:
        raise DartsCoreError(f"stops table {stops if not isinstance(stops, pd.DataFrame) else ''}: needs an arch column")
    df = df.drop(columns=[c for c in ("index", *METRIC_COLUMNS) if c in df.columns]).reset_index(drop=True)
    found = lookup_archs(df["arch"].tolist(), table)
    return pd.concat([df, found.drop(columns=["arch"])], axis=1)
