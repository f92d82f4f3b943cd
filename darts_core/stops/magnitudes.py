"""Operation magnitudes, Eq. 11 of Zhang & Ding (CIKM 2021):

    m(t, o) = (1/N) * sum_{n=1..N} [a_o^n]^t

the mean over the N mixed edges of a cell of the mixing weight (softmax output) of op o at epoch t, one
curve per cell type (NB201: `normal` only; DARTS space: `normal` and `reduce`). An op absent from some
edges (RobustDARTS S1) counts as weight 0 there: N is always the number of edges of the cell.
Epoch 0 (the initial alphas) is kept in the output; the selective-stop criteria look at 0 < t <= T only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.runlog import ALPHA_COLUMNS
from darts_core.stops import space_info

MAGNITUDE_COLUMNS = ("epoch", "cell", "op", "magnitude")


def magnitudes(alphas_df: pd.DataFrame, column: str = "weight") -> pd.DataFrame:
    """Tidy `epoch, cell, op, magnitude` (Eq. 11) from a tidy alpha log; rows ordered by epoch, cell
    (normal, reduce) and the space's official op order."""
    missing = [c for c in ALPHA_COLUMNS if c not in alphas_df.columns]
    if missing:
        raise DartsCoreError(f"alpha log: missing column(s) {', '.join(missing)}")
    if alphas_df.empty:
        raise DartsCoreError("alpha log: no rows")
    values = alphas_df[column].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DartsCoreError(f"alpha log: row {row} has a non-finite {column} ({values[row]})")
    info = space_info.from_alphas(alphas_df)
    n_edges = alphas_df.groupby("cell")["edge"].nunique()
    sums = alphas_df.groupby(["epoch", "cell", "op"], sort=False)[column].sum()
    out = sums.reset_index().rename(columns={column: "magnitude"})
    out["magnitude"] = out["magnitude"] / out["cell"].map(n_edges).to_numpy(dtype=np.float64)
    # complete the grid (an op missing on every edge of one epoch cannot happen after read_alphas, but an op
    # present in only one cell type must not appear in the other)
    cell_rank = {c: k for k, c in enumerate(info.cells)}
    op_rank = {op: k for k, op in enumerate(info.ops)}
    out = out.assign(_c=out["cell"].map(cell_rank), _o=out["op"].map(op_rank))
    out = out.sort_values(["epoch", "_c", "_o"], kind="mergesort").drop(columns=["_c", "_o"]).reset_index(drop=True)
    out["epoch"] = out["epoch"].astype(np.int64)
    return out[list(MAGNITUDE_COLUMNS)]


def magnitude_table(mags: pd.DataFrame, cell: str = "normal") -> pd.DataFrame:
    """Wide view of one cell: index epoch, one column per op (official order)."""
    sub = mags[mags["cell"] == cell]
    if sub.empty:
        raise DartsCoreError(f"no magnitudes for cell {cell!r} (cells: {', '.join(map(str, mags['cell'].unique()))})")
    order = list(dict.fromkeys(sub["op"]))
    wide = sub.pivot(index="epoch", columns="op", values="magnitude")[order]
    wide.columns.name = None
    return wide
