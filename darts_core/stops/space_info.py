"""What the stop criteria need to know about a run's search space, asked of its `Space` (darts_core.spaces).

`SpaceInfo` holds the family's base space (`space`) and the op lists the run's alpha log shows, and asks
the space for everything family-specific:
- `arch(df, epoch)`: the architecture string derived from one epoch of a tidy alpha log (NB201: argmax over
  all ops incl. `none`, `nb201.derive_arch`; DARTS space: quark0 genotype from the softmax weights,
  `darts.derive_genotype`, top-2 edges per node, `none` excluded);
- `skip_connects(arch)`: skip-connects in the derived cell (NB201: edges whose argmax is skip_connect;
  DARTS space: skip_connect entries of the NORMAL cell's genotype), for DARTS+ sc_k;
- `learnable_ops`: ops with parameters (NB201 nor_conv_1x1/3x3; DARTS sep/dil convs), for DARTS+ rt_k.

The op lists per edge are read from the alpha log itself, so op subsets (Exp.6), RobustDARTS S1-S4 and
DARTS-PT's DARTS space without `none` all work without a registry entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces import Space, families, get_family

@dataclass(frozen=True)
class SpaceInfo:
    space: Space  # the family's base space
    cells: tuple[str, ...]
    edges: tuple[str, ...]
    ops_per_edge: dict  # cell -> tuple of op tuples (edges order)

    @property
    def family(self) -> str:
        return self.space.family

    @property
    def ops(self) -> tuple[str, ...]:
        return self.space.order({op for c in self.cells for e in self.ops_per_edge[c] for op in e})

    @property
    def learnable_ops(self) -> tuple[str, ...]:
        return tuple(op for op in self.ops if op in self.space.learnable_ops)

    def cell_ops(self, cell: str) -> tuple[str, ...]:
        if cell not in self.cells:
            raise DartsCoreError(f"this run has no {cell!r} cell (cells: {', '.join(self.cells)})")
        return self.space.order({op for e in self.ops_per_edge[cell] for op in e})

    # --- architectures ---------------------------------------------------------------------
    def arch(self, df: pd.DataFrame, epoch: int, column: str = "weight") -> str:
        """Architecture string derived from the weights of `epoch` (rows of other epochs are ignored)."""
        sub = df[df["epoch"] == epoch]
        if sub.empty:
            raise DartsCoreError(f"alpha log has no rows for epoch {epoch}")
        return self.space.derive_arch(sub, self.ops_per_edge, column)

    def skip_connects(self, arch: str) -> int:
        """DARTS+ sc: skip-connects of the derived (normal) cell."""
        return self.space.skip_connects(arch)

    def rankings(self, df: pd.DataFrame, column: str = "alpha") -> pd.Series:
        """epoch -> ranking key: per (cell, edge), the learnable ops of that edge ordered by decreasing
        `column` (ties: official op order). Edges with fewer than 2 learnable ops have no ranking."""
        learn = set(self.learnable_ops)
        sub = df[df["op"].isin(learn)]
        order = {op: k for k, op in enumerate(self.space.known_ops)}
        sub = sub.assign(_o=sub["op"].map(order), _v=-sub[column].to_numpy(dtype=np.float64))
        sub = sub.sort_values(["epoch", "cell", "edge", "_v", "_o"], kind="mergesort")
        keys = {}
        for epoch, part in sub.groupby("epoch", sort=True):
            key = []
            for (cell, edge), g in part.groupby(["cell", "edge"], sort=True):
                if len(g) >= 2:
                    key.append((cell, edge, tuple(g["op"])))
            keys[int(epoch)] = tuple(key)
        all_epochs = sorted(int(e) for e in df["epoch"].unique())
        return pd.Series([keys.get(e, ()) for e in all_epochs], index=all_epochs, dtype=object)


def from_alphas(df: pd.DataFrame, declared: str | None = None) -> SpaceInfo:
    """SpaceInfo from the rows of a tidy alpha log (the first epoch's rows define the op lists)."""
    known = tuple(dict.fromkeys(c for s in families() for c in s.cells))  # normal, reduce, inputs, output
    cells = tuple(c for c in known if c in set(df["cell"]))
    extra = set(df["cell"]) - set(cells)
    if extra or not cells:
        raise DartsCoreError(f"alpha log has unknown cell type(s) {sorted(map(str, extra))}; expected one of "
                             f"{', '.join(known)}")
    edges_seen = set(df["edge"])
    if declared is not None:
        space = get_family(declared)
    else:
        fits = [s for s in families() if s.matches_log(cells, edges_seen)]
        if not fits:
            raise DartsCoreError(f"cannot tell the search space of an alpha log with cells {cells} and edges {sorted(edges_seen)}")
        space = fits[0]  # registry order: NB201 (one cell) is tried before the DARTS cells
    edges, want_cells = space.edges, space.cells
    if set(cells) != set(want_cells):
        raise DartsCoreError(f"a {space.family} alpha log needs cell(s) {', '.join(want_cells)}, found {', '.join(cells)}")
    cells = want_cells
    first = df[df["epoch"] == df["epoch"].min()]
    ops_per_edge = {}
    for cell in cells:
        rows = first[first["cell"] == cell]
        stray = sorted(set(df.loc[df["cell"] == cell, "edge"]) - set(space.cell_edges(cell)))
        if stray:
            raise DartsCoreError(f"alpha log: cell {cell} has edge {stray[0]}, which the {space.name} space does "
                                 f"not have (edges: {', '.join(space.cell_edges(cell))})")
        per_edge = []
        for edge in space.cell_edges(cell):
            ops = rows.loc[rows["edge"] == edge, "op"].tolist()
            if not ops:
                raise DartsCoreError(f"alpha log: cell {cell} has no rows for edge {edge} (epoch {int(first['epoch'].iloc[0])})")
            per_edge.append(space.order(ops))
        fixed = space.fixed_ops(cell)  # NAS-Bench-1Shot1: each edge's list is known (input edges differ)
        if fixed is not None:
            for edge, ops, want in zip(space.cell_edges(cell), per_edge, fixed):
                if set(ops) != set(want):
                    raise DartsCoreError(f"alpha log: cell {cell} edge {edge} has ops {', '.join(ops)}, the "
                                         f"{space.name} space has {', '.join(want)} (epoch {int(first['epoch'].iloc[0])})")
            ops_per_edge[cell] = tuple(fixed)
            continue
        # an op missing on one edge in every epoch passes the per-epoch row counts, but its pivot holds a
        # NaN that argmax would pick: every edge of a cell has as many ops (NB201: the same ones)
        usual = max(per_edge, key=per_edge.count)
        for edge, ops in zip(space.cell_edges(cell), per_edge):
            if len(ops) != len(usual) or (space.edges_share_ops and ops != usual):
                raise DartsCoreError(f"alpha log: cell {cell} edge {edge} has ops {', '.join(ops)}, most edges have "
                                     f"{', '.join(usual)} (epoch {int(first['epoch'].iloc[0])})")
        ops_per_edge[cell] = tuple(per_edge)
    return SpaceInfo(space, cells, tuple(edges), ops_per_edge)


def genotype_only(space: str | Space) -> SpaceInfo:
    """A SpaceInfo for runs that have genotypes but no alphas (RobustDARTS imports): arch strings only.
    `space`: a Space or a name `get_family` knows."""
    space = space if isinstance(space, Space) else get_family(space)
    return SpaceInfo(space, space.cells, space.edges, {})
