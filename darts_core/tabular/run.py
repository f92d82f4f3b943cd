"""One tabular baseline run: search on the proxy, look the answer up in the benchmark table, write the products.

`run_tabular(method, table_path_or_csv_dir, seed, out_dir, proxy=None, budget_seconds=12000, **overrides)`
writes atomically
- `out_dir/trajectory.csv`: `step, arch, index, proxy_valid, elapsed_seconds` (simulated seconds), one row per
  counted query;
- `out_dir/result.json`: method, seed, arch, index, budget_seconds, settings (official defaults + overrides),
  evaluations, simulated_seconds, proxy (source, dataset, note: the deviation when the CSV is the source),
  accuracy (the answer's 200-epoch accuracies from the table, paper convention, null where the table lacks a
  metric), table (its source and missing metrics), versions, wall_seconds.
Methods (a config value each): METHODS = rea, rs, reinforce, bohb.
"""

from __future__ import annotations

import math
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import pandas as pd

from darts_core import __version__
from darts_core.benchmark.lookup import lookup_archs
from darts_core.benchmark.table import METRIC_COLUMNS, build_from_csv, load_table
from darts_core.errors import DartsCoreError
from darts_core.runlog import write_json, write_table
from darts_core.tabular import bohb, random_search, rea, reinforce
from darts_core.tabular.common import METHOD_NAMES, PAPER_ROWS, TIME_BUDGET, check_settings
from darts_core.tabular.proxy import Proxy, load_proxy

# name -> (search function, official defaults); the names are the paper's Table 1 rows REA, RS, REINFORCE, BOHB
METHODS = {
    "rea": (rea.search, rea.DEFAULTS),
    "rs": (random_search.search, random_search.DEFAULTS),
    "reinforce": (reinforce.search, reinforce.DEFAULTS),
    "bohb": (bohb.search, bohb.DEFAULTS),
}
assert tuple(METHODS) == METHOD_NAMES
TRAJECTORY, RESULT = "trajectory.csv", "result.json"
EXTRA = ("timeout_seconds",)  # run controls that are not algorithm settings (bohb wall-clock limit)
PACKAGES = ("numpy", "pandas", "torch", "nas-bench-201", "hpbandster", "ConfigSpace", "Pyro4", "serpent", "statsmodels")


def method_entry(method: str):
    if method not in METHODS:
        raise DartsCoreError(f"unknown tabular method {method!r}; choose from {', '.join(METHODS)}")
    return METHODS[method]


def load_benchmark(table_path_or_csv_dir: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """The benchmark table: a DataFrame as is, a directory of CSV extracts, or a compact .parquet."""
    if isinstance(table_path_or_csv_dir, pd.DataFrame):
        return table_path_or_csv_dir
    path = Path(table_path_or_csv_dir)
    return build_from_csv(path) if path.is_dir() else load_table(path)


def versions() -> dict:
    out = {"python": platform.python_version(), "darts_core": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def run_search(method: str, proxy: Proxy, seed: int, budget_seconds: float = TIME_BUDGET, **overrides):
    """(trajectory, arch, settings) of one search, without files."""
    search, defaults = method_entry(method)
    settings = check_settings({k: v for k, v in overrides.items() if k not in EXTRA}, defaults, method)
    trajectory, arch = search(proxy, budget_seconds, int(seed), **overrides)
    return trajectory, arch, settings


def run_tabular(method: str, table_path_or_csv_dir, seed: int, out_dir: str | os.PathLike, *,
                proxy: str | os.PathLike | Proxy | None = None, budget_seconds: float = TIME_BUDGET,
                **overrides) -> dict:
    """Run one baseline and write out_dir/{trajectory.csv, result.json}; returns the result dict.

    `proxy`: a Proxy, a proxy .parquet (faithful, from the official .pth), the official .pth, or a CSV
    directory (the approximation). Default: the CSV directory given as `table_path_or_csv_dir`; a .parquet
    table alone names no proxy, so then `proxy` is required.
    """
    method_entry(method)
    start = time.perf_counter()
    if proxy is None:
        if isinstance(table_path_or_csv_dir, pd.DataFrame) or not Path(table_path_or_csv_dir).is_dir():
            raise DartsCoreError("no proxy source: give proxy= (a proxy .parquet from the official .pth, or the CSV "
                                 "directory) when the benchmark is a .parquet table")
        proxy = table_path_or_csv_dir
    proxy = load_proxy(proxy)
    table = load_benchmark(table_path_or_csv_dir)
    trajectory, arch, settings = run_search(method, proxy, seed, budget_seconds, **overrides)
    found = lookup_archs([arch], table).iloc[0]
    result = {
        "method": method, "paper_row": PAPER_ROWS[method], "seed": int(seed), "arch": arch, "index": int(found["index"]),
        "budget_seconds": float(budget_seconds), "settings": settings, "evaluations": int(len(trajectory)),
        "simulated_seconds": float(trajectory["elapsed_seconds"].iloc[-1]) if len(trajectory) else 0.0,
        "proxy": {k: _clean(v) for k, v in proxy.info().items()},
        "accuracy": {c: _clean(found[c]) for c in METRIC_COLUMNS},
        "table": {"source": table.attrs.get("source", ""), "missing": table.attrs.get("missing", "")},
        "versions": versions(), "wall_seconds": round(time.perf_counter() - start, 3),
    }
    out = Path(out_dir)
    write_table(trajectory, out / TRAJECTORY)
    write_json(result, out / RESULT)
    return result


RUNS_COLUMNS = ("method", "seed", "arch", "index", "evaluations", "simulated_seconds", *METRIC_COLUMNS,
                "proxy_source", "proxy_note")


def run_tabular_seeds(method: str, table_path_or_csv_dir, seeds, out_csv: str | os.PathLike, *,
                      proxy: str | os.PathLike | Proxy | None = None, budget_seconds: float = TIME_BUDGET,
                      **overrides) -> pd.DataFrame:
    """Many runs of one baseline (NAS-Bench-201 reports the mean and std of 500, `main` of R_EA.py etc.
    looping over seeds): one row per seed, RUNS_COLUMNS, written to `out_csv`; the proxy and the benchmark
    table are read once. `proxy` as run_tabular's."""
    method_entry(method)
    if proxy is None:
        proxy = table_path_or_csv_dir
    proxy = load_proxy(proxy)
    table = load_benchmark(table_path_or_csv_dir)
    info = {k: _clean(v) for k, v in proxy.info().items()}
    rows = []
    for seed in seeds:
        trajectory, arch, _ = run_search(method, proxy, int(seed), budget_seconds, **overrides)
        found = lookup_archs([arch], table).iloc[0]
        rows.append({"method": method, "seed": int(seed), "arch": arch, "index": int(found["index"]),
                     "evaluations": int(len(trajectory)),
                     "simulated_seconds": float(trajectory["elapsed_seconds"].iloc[-1]) if len(trajectory) else 0.0,
                     **{c: _clean(found[c]) for c in METRIC_COLUMNS},
                     "proxy_source": str(info.get("source", "")), "proxy_note": str(info.get("note", ""))})
    out = pd.DataFrame(rows, columns=list(RUNS_COLUMNS))
    write_table(out, out_csv)
    return out
