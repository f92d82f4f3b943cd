"""The NAS-Bench-201 cell space: 4 nodes, 6 edges, ops in the official order, arch strings.

Mirrors xautodl `models/cell_operations.py` (NAS_BENCH_201 op list) and `models/cell_searchs/genotypes.py`
(`Structure.tostr`: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`). `Nb201Space` is the family's `Space`
(darts_core.spaces.base).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces.base import Space

NAME = "nb201"
# Official order (cell_operations.py NAS_BENCH_201); the benchmark's index order depends on it.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
MAX_NODES = 4
CELLS: tuple[str, ...] = ("normal",)  # one cell type, shared by all searching cells


def edges(max_nodes: int = MAX_NODES) -> list[str]:
    """Edge names `i<-j` in the order of `NAS201SearchCell` (sorted: 1<-0, 2<-0, 2<-1, 3<-0, ...)."""
    return [f"{i}<-{j}" for i in range(1, max_nodes) for j in range(i)]


EDGES: tuple[str, ...] = tuple(edges())


def check_ops(ops: Sequence[str]) -> tuple[str, ...]:
    """Validate a configured op subset (e.g. Exp.6 drops skip_connect); keeps the official order."""
    unknown = [op for op in ops if op not in OPS]
    if unknown:
        raise DartsCoreError(f"unknown NAS-Bench-201 op {unknown[0]!r}; choose from {', '.join(OPS)}")
    if len(set(ops)) != len(ops) or not ops:
        raise DartsCoreError(f"op list {list(ops)} must be non-empty and without repeats")
    return tuple(op for op in OPS if op in ops)


def arch_string(edge_ops: Sequence[str]) -> str:
    """Ops per edge (in EDGES order) -> `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`."""
    if len(edge_ops) != len(EDGES):
        raise DartsCoreError(f"an NB201 cell has {len(EDGES)} edges, got {len(edge_ops)} ops")
    nodes, k = [], 0
    for i in range(1, MAX_NODES):
        nodes.append("|" + "|".join(f"{edge_ops[k + j]}~{j}" for j in range(i)) + "|")
        k += i
    return "+".join(nodes)


def parse_arch(text: str) -> tuple[str, ...]:
    """`|op~0|+|op~0|op~1|+...` -> ops per edge in EDGES order; a clear error for anything else."""
    if not isinstance(text, str):  # e.g. an empty cell of a CSV read as NaN
        raise DartsCoreError(f"arch {text!r} is not a string like |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
    nodes = text.strip().split("+")
    if len(nodes) != MAX_NODES - 1:
        raise DartsCoreError(f"arch string {text!r}: expected {MAX_NODES - 1} nodes joined by '+'")
    ops: list[str] = []
    for i, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")):
            raise DartsCoreError(f"arch string {text!r}: node {i} {node!r} must look like |op~0|...|")
        parts = node[1:-1].split("|")
        if len(parts) != i:
            raise DartsCoreError(f"arch string {text!r}: node {i} needs {i} inputs, has {len(parts)}")
        for j, part in enumerate(parts):
            op, _, src = part.partition("~")
            if src != str(j):
                raise DartsCoreError(f"arch string {text!r}: node {i} input {part!r} should end in ~{j}")
            if op not in OPS:
                raise DartsCoreError(f"arch string {text!r}: unknown op {op!r}; choose from {', '.join(OPS)}")
            ops.append(op)
    return tuple(ops)


def derive_arch(weights: np.ndarray, ops: Sequence[str] = OPS) -> str:
    """Arch string from per-edge weights (rows EDGES, columns `ops`): argmax over all ops, `none`
    included, as xautodl `TinyNetworkDarts.genotype()`; ties go to the first op, like torch.argmax."""
    w = np.asarray(weights)
    if w.shape != (len(EDGES), len(ops)):
        raise DartsCoreError(f"weights of shape {w.shape}, expected {(len(EDGES), len(ops))}")
    return arch_string([ops[int(k)] for k in w.argmax(axis=1)])


@dataclass(frozen=True)
class Nb201Space(Space):
    """The NB201 family: one shared cell, argmax over all ops, architectures looked up in the benchmark."""

    name: str = NAME
    family: str = NAME
    ops: tuple[str, ...] = OPS
    known_ops: tuple[str, ...] = OPS
    cells: tuple[str, ...] = CELLS
    edges: tuple[str, ...] = EDGES
    learnable_ops: tuple[str, ...] = ("nor_conv_1x1", "nor_conv_3x3")
    # the paper's Table 2/3 settings
    default_criteria: tuple[str, ...] = ("final", "ss_peak:nor_conv_3x3", "ss_residual:nor_conv_3x3", "darts+_sc:2",
                                         "darts+_sc:4", "darts+_rt:2", "darts+_rt:4", "darts+_rt:10", "darts_es")
    supernet: str = "darts_core.nn.nb201_supernet:build_supernet"
    evaluation: str = "benchmark"
    benchmark_datasets: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
    benchmark: str = "nb201"
    hard_forward: bool = True  # NB201Supernet.forward_hard
    partial_channels: bool = True  # NB201Supernet(partial_channels=k), set_op_mask, widen
    packed_supernet: str = "darts_core.nn.nb201_packed:build_packed_supernet"
    speed_switches: bool = True  # nb201_supernet.build_supernet
    edges_share_ops: bool = True
    network: str = "darts_core.nn.nb201_net:NB201Network"  # TinyNetwork, the benchmark's own
    arch_index: str = "darts_core.benchmark.nb201_index:arch_index"

    def canonical_arch(self, text: str) -> str:
        return arch_string(parse_arch(text))

    def check_ops(self, ops: Sequence[str]) -> tuple[str, ...]:
        return check_ops(ops)

    def parse_arch(self, text: str) -> tuple[str, ...]:
        return parse_arch(text)

    def arch_count(self) -> tuple[int, str]:
        return len(self.ops) ** len(self.edges), f"cells: one of {len(self.ops)} ops on each of {len(self.edges)} edges"

    def skip_connects(self, arch: str) -> int:
        """Edges whose op is skip_connect."""
        return sum(op == "skip_connect" for op in parse_arch(arch))

    def derive_arch(self, rows: pd.DataFrame, ops_per_edge: dict, column: str = "weight") -> str:
        ops = self.order(op for e in ops_per_edge["normal"] for op in e)
        w = rows[rows["cell"] == "normal"].pivot(index="edge", columns="op", values=column)
        return derive_arch(w.loc[list(EDGES), list(ops)].to_numpy(dtype=np.float64), ops)
