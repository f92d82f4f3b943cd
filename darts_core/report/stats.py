"""Mean ± std over search seeds, with missing seeds counted and named (never silently dropped).

Convention: the population standard deviation (numpy's default, ``ddof=0``), as NAS-Bench-201 and the
papers that copy its tables report (AutoDL-Projects computes ``np.std``); the paper's own "± 0.00" rows
(DARTS-V1: every seed collapses to the same cell) are 0 under either convention. ``DDOF`` is the one place
to change it; the value used is written into every aggregated table (column ``ddof``).

`aggregate(per_seed, expected_seeds, value_columns)` -> one row per value column:
``metric, mean, std, n, expected, missing`` where ``n`` counts the seeds with a finite value and
``missing`` lists the expected seeds without one (absent row or NaN), comma-separated ("" when complete).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

DDOF = 0


def mean_std(values: Iterable[float], ddof: int = DDOF) -> tuple[float, float, int]:
    """(mean, std, n) of the finite values; NaN mean/std when there are none, std 0 for a single value."""
    arr = np.asarray([float(v) for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    n = int(arr.size)
    if n == 0:
        return float("nan"), float("nan"), 0
    std = float(np.std(arr, ddof=ddof)) if n > ddof else 0.0
    return float(np.mean(arr)), std, n


def aggregate(per_seed: pd.DataFrame, expected_seeds: Sequence[int] | None, value_columns: Sequence[str],
              ddof: int = DDOF) -> pd.DataFrame:
    """Aggregate a `seed, <value columns>` table over seeds (see the module docstring)."""
    expected = sorted({int(s) for s in (expected_seeds if expected_seeds is not None else per_seed["seed"])})
    rows = []
    for col in value_columns:
        have = {}
        if col in per_seed.columns:
            for seed, value in zip(per_seed["seed"], per_seed[col]):
                if value is not None and pd.notna(value) and np.isfinite(float(value)):
                    have[int(seed)] = float(value)
        mean, std, n = mean_std(have.values(), ddof)
        missing = [s for s in expected if s not in have]
        rows.append({"metric": col, "mean": mean, "std": std, "n": n, "expected": len(expected),
                     "missing": ",".join(str(s) for s in missing), "ddof": ddof})
    return pd.DataFrame(rows, columns=["metric", "mean", "std", "n", "expected", "missing", "ddof"])


def format_mean_std(mean: float, std: float, digits: int = 2) -> str:
    """`93.76 ± 0.00`; `93.76` without a std; `-` for NaN."""
    if mean is None or pd.isna(mean):
        return "-"
    if std is None or pd.isna(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
