"""What the stop criteria need to know about a run's search space, asked of the space modules.

`SpaceInfo` wraps `darts_core.spaces.nb201` or `darts_core.spaces.darts` behind one interface:
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
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201

# Ops with parameters (DARTS+ "learnable operations").
LEARNABLE: dict[str, tuple[str, ...]] = {
    "nb201": ("nor_conv_1x1", "nor_conv_3x3"),
    "darts": ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"),
}
KNOWN_OPS: dict[str, tuple[str, ...]] = {"nb201": nb201.OPS, "darts": darts_space.GENOTYPE_OPS}
DARTS_FAMILY = ("darts", "s1", "s2", "s3", "s4", "s5")


def family(name: str) -> str:
    """`nb201` or `darts` (RobustDARTS S1-S5 and DARTS-PT's s5 are DARTS-space variants)."""
    name = str(name).lower()
    if name == "nb201":
        return "nb201"
    if name in DARTS_FAMILY:
        return "darts"
    raise DartsCoreError(f"unknown search space {name!r}; the stop criteria know nb201 and darts ({', '.join(DARTS_FAMILY)})")


def _ordered(ops, family_name: str) -> tuple[str, ...]:
    order = {op: k for k, op in enumerate(KNOWN_OPS[family_name])}
    return tuple(sorted(set(ops), key=lambda op: order.get(op, len(order))))


@dataclass(frozen=True)
class SpaceInfo:
    family: str  # nb201 | darts
    cells: tuple[str, ...]
    edges: tuple[str, ...]
    ops_per_edge: dict  # cell -> tuple of op tuples (edges order)

    @property
    def ops(self) -> tuple[str, ...]:
        return _ordered({op for c in self.cells for e in self.ops_per_edge[c] for op in e}, self.family)

    @property
    def learnable_ops(self) -> tuple[str, ...]:
        return tuple(op for op in self.ops if op in LEARNABLE[self.family])

    def cell_ops(self, cell: str) -> tuple[str, ...]:
        if cell not in self.cells:
            raise DartsCoreError(f"this run has no {cell!r} cell (cells: {', '.join(self.cells)})")
        return _ordered({op for e in self.ops_per_edge[cell] for op in e}, self.family)

    # --- architectures ---------------------------------------------------------------------
    def arch(self, df: pd.DataFrame, epoch: int, column: str = "weight") -> str:
        """Architecture string derived from the weights of `epoch` (rows of other epochs are ignored)."""
        sub = df[df["epoch"] == epoch]
        if sub.empty:
            raise DartsCoreError(f"alpha log has no rows for epoch {epoch}")
        if self.family == "nb201":
            ops = self.cell_ops("normal")
            w = sub[sub["cell"] == "normal"].pivot(index="edge", columns="op", values=column)
            return nb201.derive_arch(w.loc[list(nb201.EDGES), list(ops)].to_numpy(dtype=np.float64), ops)
        space = darts_space.DartsSpace("run", self.ops_per_edge["normal"], self.ops_per_edge["reduce"])
        w = {c: darts_space.weights_from_log(sub, epoch, c, space, column) for c in ("normal", "reduce")}
        return darts_space.genotype_string(darts_space.derive_genotype(w["normal"], w["reduce"], space))

    def skip_connects(self, arch: str) -> int:
        """DARTS+ sc: skip-connects of the derived (normal) cell."""
        if self.family == "nb201":
            return sum(op == "skip_connect" for op in nb201.parse_arch(arch))
        return sum(op == "skip_connect" for op, _ in darts_space.parse_genotype(arch).normal)

    def rankings(self, df: pd.DataFrame, column: str = "alpha") -> pd.Series:
        """epoch -> ranking key: per (cell, edge), the learnable ops of that edge ordered by decreasing
        `column` (ties: official op order). Edges with fewer than 2 learnable ops have no ranking."""
        learn = set(self.learnable_ops)
        sub = df[df["op"].isin(learn)]
        order = {op: k for k, op in enumerate(KNOWN_OPS[self.family])}
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
    cells = tuple(c for c in ("normal", "reduce") if c in set(df["cell"]))
    extra = set(df["cell"]) - set(cells)
    if extra or not cells:
        raise DartsCoreError(f"alpha log has unknown cell type(s) {sorted(map(str, extra))}; expected normal[, reduce]")
    edges_seen = set(df["edge"])
    if declared is not None:
        fam = family(declared)
    elif cells == ("normal",) and edges_seen <= set(nb201.EDGES):
        fam = "nb201"
    elif edges_seen <= set(darts_space.EDGES):
        fam = "darts"
    else:
        raise DartsCoreError(f"cannot tell the search space of an alpha log with cells {cells} and edges {sorted(edges_seen)}")
    edges = nb201.EDGES if fam == "nb201" else darts_space.EDGES
    want_cells = ("normal",) if fam == "nb201" else ("normal", "reduce")
    if cells != want_cells:
        raise DartsCoreError(f"a {fam} alpha log needs cell(s) {', '.join(want_cells)}, found {', '.join(cells)}")
    first = df[df["epoch"] == df["epoch"].min()]
    ops_per_edge = {}
    for cell in cells:
        rows = first[first["cell"] == cell]
        per_edge = []
        for edge in edges:
            ops = rows.loc[rows["edge"] == edge, "op"].tolist()
            if not ops:
                raise DartsCoreError(f"alpha log: cell {cell} has no rows for edge {edge} (epoch {int(first['epoch'].iloc[0])})")
            per_edge.append(_ordered(ops, fam))
        # an op missing on one edge in every epoch passes the per-epoch row counts, but its pivot holds a
        # NaN that argmax would pick: every edge of a cell has as many ops (NB201: the same ones)
        usual = max(per_edge, key=per_edge.count)
        for edge, ops in zip(edges, per_edge):
            if len(ops) != len(usual) or (fam == "nb201" and ops != usual):
                raise DartsCoreError(f"alpha log: cell {cell} edge {edge} has ops {', '.join(ops)}, most edges have "
                                     f"{', '.join(usual)} (epoch {int(first['epoch'].iloc[0])})")
        ops_per_edge[cell] = tuple(per_edge)
    return SpaceInfo(fam, cells, tuple(edges), ops_per_edge)


def family_of_arch(arch: str) -> str:
    return "darts" if str(arch).lstrip().startswith("Genotype(") else "nb201"


def genotype_only(fam: str) -> SpaceInfo:
    """A SpaceInfo for runs that have genotypes but no alphas (RobustDARTS imports): arch strings only."""
    return SpaceInfo(fam, ("normal",) if fam == "nb201" else ("normal", "reduce"),
                     nb201.EDGES if fam == "nb201" else darts_space.EDGES, {})
