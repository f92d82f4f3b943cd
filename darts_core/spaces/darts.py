"""The DARTS cell space (Liu et al. 2019) and the RobustDARTS variants S1-S4 (Zela et al. 2020).

Two cell types (normal, reduce), each with 2 inputs (node ids 0 = c_{k-2}, 1 = c_{k-1}) and 4 intermediate
nodes 2..5; node i takes a mixed edge from every earlier node, so 14 edges named `i<-j`, in the order of
quark0 cnn/model_search.py `Cell` (2<-0, 2<-1, 3<-0, 3<-1, 3<-2, 4<-0, ...). A space gives the op list of
every edge of each cell type; the genotype is derived as quark0 `Network.genotype()` does.
Genotypes and their strings live in `darts_genotype` and are re-exported here. `DartsFamilySpace` is the
family's `Space` (darts_core.spaces.base); a space of the family is one line in darts_core.spaces.SPACES.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces.base import Space
from darts_core.spaces.darts_genotype import (  # noqa: F401  (re-exported)
    GENOTYPE_OPS, PUBLISHED_TEXT, Genotype, genotype_string, make_genotype, parse_genotype, published)

NAME = "darts"
# quark0 cnn/genotypes.py PRIMITIVES, official order (the alpha columns follow it).
OPS: tuple[str, ...] = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                        "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
STEPS = 4
CELLS: tuple[str, ...] = ("normal", "reduce")
EDGES: tuple[str, ...] = tuple(f"{i}<-{j}" for i in range(2, 2 + STEPS) for j in range(i))
CONCAT: tuple[int, ...] = tuple(range(2, 2 + STEPS))

# RobustDARTS @ 3dec3fe src/spaces.py `primitives_1` (S1): per-edge op pairs, different for the two cell
# types. Per the RobustDARTS paper (Sec. 3 / App.) S1 is a pre-optimised space: the two ops per edge kept
# by iteratively pruning the least important op of a DARTS search in the full space. Order kept as in the file.
_S1_NORMAL = (("skip_connect", "dil_conv_3x3"), ("skip_connect", "dil_conv_5x5"), ("skip_connect", "dil_conv_5x5"),
              ("skip_connect", "sep_conv_3x3"), ("skip_connect", "dil_conv_3x3"), ("max_pool_3x3", "skip_connect"),
              ("skip_connect", "sep_conv_3x3"), ("skip_connect", "sep_conv_3x3"), ("skip_connect", "dil_conv_3x3"),
              ("skip_connect", "sep_conv_3x3"), ("max_pool_3x3", "skip_connect"), ("skip_connect", "dil_conv_3x3"),
              ("dil_conv_3x3", "dil_conv_5x5"), ("dil_conv_3x3", "dil_conv_5x5"))
_S1_REDUCE = (("max_pool_3x3", "avg_pool_3x3"), ("max_pool_3x3", "dil_conv_3x3"), ("max_pool_3x3", "avg_pool_3x3"),
              ("max_pool_3x3", "avg_pool_3x3"), ("skip_connect", "dil_conv_5x5"), ("max_pool_3x3", "avg_pool_3x3"),
              ("max_pool_3x3", "sep_conv_3x3"), ("skip_connect", "dil_conv_3x3"), ("skip_connect", "dil_conv_5x5"),
              ("max_pool_3x3", "avg_pool_3x3"), ("max_pool_3x3", "avg_pool_3x3"), ("skip_connect", "dil_conv_5x5"),
              ("skip_connect", "dil_conv_5x5"), ("skip_connect", "dil_conv_5x5"))


@dataclass(frozen=True)
class DartsSpace:
    """Op names per edge (EDGES order) of each cell type."""

    name: str
    normal: tuple[tuple[str, ...], ...]
    reduce: tuple[tuple[str, ...], ...]

    def ops(self, cell: str) -> tuple[tuple[str, ...], ...]:
        if cell not in CELLS:
            raise DartsCoreError(f"unknown cell type {cell!r}; choose from {', '.join(CELLS)}")
        return self.normal if cell == "normal" else self.reduce

    def n_ops(self, cell: str) -> int:
        """Ops per edge (uniform within a cell in every space here; the alphas are (14, n_ops))."""
        return len(self.ops(cell)[0])

    @property
    def is_full(self) -> bool:
        """Every DARTS op on every edge of both cells: the plain space, the only one a config's `ops` may cut."""
        return self.normal == self.reduce == _uniform(OPS)

    @property
    def all_ops(self) -> tuple[str, ...]:
        seen = {op for cell in CELLS for edge in self.ops(cell) for op in edge}
        return tuple(op for op in GENOTYPE_OPS if op in seen)


def _uniform(ops: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    return (tuple(ops),) * len(EDGES)


SPACES: dict[str, DartsSpace] = {
    "darts": DartsSpace("darts", _uniform(OPS), _uniform(OPS)),  # = RobustDARTS s5
    "s1": DartsSpace("s1", _S1_NORMAL, _S1_REDUCE),
    "s2": DartsSpace("s2", _uniform(("skip_connect", "sep_conv_3x3")), _uniform(("skip_connect", "sep_conv_3x3"))),
    "s3": DartsSpace("s3", _uniform(("none", "skip_connect", "sep_conv_3x3")),
                     _uniform(("none", "skip_connect", "sep_conv_3x3"))),
    "s4": DartsSpace("s4", _uniform(("noise", "sep_conv_3x3")), _uniform(("noise", "sep_conv_3x3"))),
}


def get_space(space: str | DartsSpace) -> DartsSpace:
    """Op lists of a variant: one of SPACES, or a DARTS-family space registered in darts_core.spaces."""
    if isinstance(space, DartsSpace):
        return space
    if space in SPACES:
        return SPACES[space]
    from darts_core.spaces import SPACES as REGISTERED

    if isinstance(REGISTERED.get(space), DartsFamilySpace):
        return REGISTERED[space].lists
    raise DartsCoreError(f"unknown DARTS-space variant {space!r}; choose from {', '.join(SPACES)}")


def check_ops(ops: Sequence[str]) -> tuple[str, ...]:
    """Validate a configured uniform op list (search config `ops`); keeps the official order, `noise` last."""
    unknown = [op for op in ops if op not in GENOTYPE_OPS]
    if unknown:
        raise DartsCoreError(f"unknown DARTS-space op {unknown[0]!r}; choose from {', '.join(GENOTYPE_OPS)}")
    if len(set(ops)) != len(ops) or not ops or set(ops) == {"none"}:
        raise DartsCoreError(f"op list {list(ops)} must be non-empty, without repeats, and not only `none`")
    return tuple(op for op in GENOTYPE_OPS if op in ops)


def uniform_space(ops: Sequence[str], name: str = "custom") -> DartsSpace:
    """The same op list on every edge of both cells."""
    ops = check_ops(ops)
    return DartsSpace(name, _uniform(ops), _uniform(ops))


def derive_cell(weights, ops_per_edge: Sequence[Sequence[str]], steps: int = STEPS) -> list[tuple[str, int]]:
    """quark0 cnn/model_search.py `genotype()._parse`: for each node keep the 2 incoming edges whose
    strongest non-`none` weight is largest (stable sort: ties keep the lower input), and on each the
    argmax op excluding `none` (first op on ties). `none` is excluded per edge by name, which is what
    the official code means for any op list. (RobustDARTS's copy looks `none` up in the op list of the
    local input index j instead of edge start+j; harmless for S1-S4, whose lists are uniform or lack
    `none`, wrong for per-edge lists that place `none` differently - not mirrored.)"""
    w = [np.asarray(row, dtype=np.float64) for row in weights]
    n_edges = sum(2 + i for i in range(steps))
    if len(w) != n_edges or len(ops_per_edge) != n_edges:
        raise DartsCoreError(f"a cell with {steps} nodes has {n_edges} edges; got {len(w)} weight rows, "
                             f"{len(ops_per_edge)} op lists")
    for e, (row, ops) in enumerate(zip(w, ops_per_edge)):
        if row.shape != (len(ops),):
            raise DartsCoreError(f"edge {EDGES[e] if n_edges == len(EDGES) else e}: {row.shape[0] if row.ndim else 0} "
                                 f"weights for {len(ops)} ops")
        if all(op == "none" for op in ops):
            raise DartsCoreError(f"edge {e} has only `none`; nothing to derive")
    gene, start = [], 0
    for i in range(steps):
        end = start + 2 + i
        best = []  # (op index, weight) of the strongest non-none op of each incoming edge
        for e in range(start, end):
            keep = [k for k, op in enumerate(ops_per_edge[e]) if op != "none"]
            k_best = max(keep, key=lambda k: (w[e][k], -k))
            best.append((k_best, w[e][k_best]))
        chosen = sorted(range(2 + i), key=lambda j: -best[j][1])[:2]
        gene += [(ops_per_edge[start + j][best[j][0]], j) for j in chosen]
        start = end
    return gene


def derive_genotype(weights_normal, weights_reduce, ops_per_edge: str | DartsSpace | Sequence[Sequence[str]] = "darts") -> Genotype:
    """Genotype from per-edge mixing weights of both cells (rows EDGES; softmax(alpha) for DARTS, as the
    official code ranks edges by softmax values, not raw alphas). `ops_per_edge`: a space (name or
    DartsSpace, whose op lists may differ between cells as in S1) or 14 op lists shared by both cells."""
    if isinstance(ops_per_edge, (str, DartsSpace)):
        space = get_space(ops_per_edge)
        ops_n, ops_r = space.normal, space.reduce
    else:
        ops_n = ops_r = tuple(tuple(ops) for ops in ops_per_edge)
    return make_genotype(derive_cell(weights_normal, ops_n), CONCAT, derive_cell(weights_reduce, ops_r), CONCAT)


def weights_from_log(df, epoch: int, cell: str, space: str | DartsSpace, column: str = "weight") -> list[np.ndarray]:
    """Per-edge weight vectors of one epoch and cell from a tidy alpha log (works for S1's per-edge ops)."""
    ops = get_space(space).ops(cell)
    sub = df[(df["epoch"] == epoch) & (df["cell"] == cell)].set_index(["edge", "op"])[column]
    try:
        return [np.array([sub.loc[(edge, op)] for op in edge_ops], dtype=np.float64) for edge, edge_ops in zip(EDGES, ops)]
    except KeyError as err:
        raise DartsCoreError(f"alpha log has no row for epoch {epoch}, cell {cell}, (edge, op) {err.args[0]}") from None


@dataclass(frozen=True)
class DartsFamilySpace(Space):
    """The DARTS cell family: normal and reduce cells, quark0's genotype derivation, evaluated by retraining.
    A space of the family differs only in its op lists per edge (`normal`, `reduce`) and its supernet."""

    name: str = NAME
    family: str = NAME
    ops: tuple[str, ...] = OPS  # the full list also for S1-S4, whose supernets fix their own per-edge lists
    known_ops: tuple[str, ...] = GENOTYPE_OPS
    cells: tuple[str, ...] = CELLS
    edges: tuple[str, ...] = EDGES
    learnable_ops: tuple[str, ...] = ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
    default_criteria: tuple[str, ...] = ("final", "ss_peak:sep_conv_3x3", "ss_residual:sep_conv_3x3", "darts+_sc:2",
                                         "darts+_rt:10", "darts_es")
    # builds the variant named by cfg.space (see get_space)
    supernet: str = "darts_core.nn.darts_supernet:build_supernet"
    evaluation: str = "retrain"
    normal: tuple[tuple[str, ...], ...] = _uniform(OPS)
    reduce: tuple[tuple[str, ...], ...] = _uniform(OPS)

    @property
    def lists(self) -> DartsSpace:
        return DartsSpace(self.name, self.normal, self.reduce)

    def check_ops(self, ops: Sequence[str]) -> tuple[str, ...]:
        return check_ops(ops)

    def parse_arch(self, text: str) -> Genotype:
        return parse_genotype(text)

    def claims_arch(self, text: str) -> bool:
        return str(text).lstrip().startswith("Genotype(")

    @property
    def searched_ops(self) -> tuple[str, ...]:
        return self.lists.all_ops

    def arch_count(self) -> tuple[int, str]:
        """Genotypes: per cell and node, 2 of its input edges, each with one non-`none` op of its list."""
        total = 1
        for lists in (self.normal, self.reduce):
            usable = [sum(op != "none" for op in ops) for ops in lists]
            start = 0
            for i in range(STEPS):
                n = usable[start:start + 2 + i]
                total *= sum(n[a] * n[b] for a in range(len(n)) for b in range(a + 1, len(n)))
                start += 2 + i
        return total, "genotypes: 2 inputs per node with a non-none op each, normal x reduce cell"

    def skip_connects(self, arch: str) -> int:
        """skip_connect entries of the NORMAL cell's genotype."""
        return sum(op == "skip_connect" for op, _ in parse_genotype(arch).normal)

    def derive_arch(self, rows: pd.DataFrame, ops_per_edge: dict, column: str = "weight") -> str:
        """quark0 genotype from the softmax weights (top-2 edges per node, `none` excluded)."""
        lists = DartsSpace("run", ops_per_edge["normal"], ops_per_edge["reduce"])
        epoch = rows["epoch"].iloc[0]
        w = {c: weights_from_log(rows, epoch, c, lists, column) for c in CELLS}
        return genotype_string(derive_genotype(w["normal"], w["reduce"], lists))
