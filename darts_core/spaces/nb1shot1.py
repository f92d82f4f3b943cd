"""The three NAS-Bench-1Shot1 search spaces (Zela, Siems & Hutter, ICLR 2020), sub-spaces of NAS-Bench-101.

A cell has an input node 0, `steps` choice blocks 1..steps (4 in SS1 and SS2, 5 in SS3) and an output node
steps + 1. Choice block k mixes the three NB101 ops and takes the sum of a fixed number of parents among
the nodes 0..k-1; the output concatenates a fixed number of parents (automl/nasbench-1shot1 @ cb0f0ec,
nasbench_analysis/search_spaces/search_space_{1,2,3}.py `num_parents_per_node`).

Architecture parameters, as optimizers/darts/model_search.py `Network._initialize_alphas` has them:
- `alphas_mixed_op` (steps x 3): the op of every choice block, columns in `OPS` (genotypes.py PRIMITIVES);
- `alphas_inputs`: one vector per choice block that has a choice of parents (SS1: nodes 3, 4; SS2: 2, 3,
  4; SS3: 2..5), over its candidate parents 0..k-1;
- `alphas_output` (steps + 1): over the output's candidate parents 0..steps.
Each is softmaxed per vector. In the tidy alpha log (darts_core.runlog) they are three cells:
`normal` (edge = choice block `k`, op = the block's op), `inputs` (edge `in<k>` for block k, op = the
candidate parent `j` as a string) and `output` (edge `out`, op = candidate parent `j`); the weights of
each (cell, edge) sum to 1. All cells of the network share them (NB101 has no reduction cell).

Discretisation (nasbench_analysis/eval_darts_one_shot_model_in_nasbench.py `eval_one_shot_model`): op =
argmax of the softmax of `alphas_mixed_op`; parents of a searched block = top-k of its input weights,
k its parent count; output parents = top-k of the output weights. The NB101 spec keeps the edges of the
nodes the output is reached from (search_space.py `_create_adjacency_matrix`, see `nb101_spec`); SS1
and SS2 (6 nodes) get an unused node 5 with op conv1x1-bn-relu inserted before the output
(utils.py `upscale_to_nasbench_format`), so every spec is a 7x7 NB101 matrix.

Arch strings: `nb1shot1-s1|1=conv3x3-bn-relu<-0|2=maxpool3x3<-0,1|3=conv1x1-bn-relu<-0,2|4=...|out<-2,4`
(every choice block with its op and parents, then the output's parents; parents ascending).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces.base import Space

# genotypes.py PRIMITIVES, official order (the alpha columns follow it)
OPS: tuple[str, ...] = ("maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu")
INPUT, OUTPUT, CONV1X1 = "input", "output", "conv1x1-bn-relu"  # NB101 labels (nasbench_analysis/utils.py)
CELLS: tuple[str, ...] = ("normal", "inputs", "output")
OUT_EDGE = "out"
NB101_NODES = 7

# num_parents_per_node of search_space_{1,2,3}.py: parents of choice blocks 1..steps, then of the output
PARENTS: dict[int, tuple[int, ...]] = {1: (1, 2, 2, 2, 2), 2: (1, 1, 2, 2, 3), 3: (1, 1, 1, 2, 2, 2)}


@dataclass(frozen=True)
class Arch:
    """One architecture of a space: the op of every choice block and the parents of every node 1..steps+1."""

    space: int  # 1, 2 or 3
    ops: tuple[str, ...]  # choice blocks 1..steps
    parents: tuple[tuple[int, ...], ...]  # nodes 1..steps, then the output; each ascending


def _searched(space: int) -> tuple[int, ...]:
    """Choice blocks with input alphas: those with more than one parent set. Equals model_search.py's
    `range(begin, steps + 1)` (begin 3 in SS1, whose node 2 takes both 0 and 1, else 2)."""
    steps = len(PARENTS[space]) - 1
    return tuple(k for k in range(1, steps + 1) if math.comb(k, PARENTS[space][k - 1]) > 1)


def _node_list(text: str, node: int, tail: str) -> tuple[int, ...]:
    try:
        return tuple(int(j) for j in tail.split(","))
    except ValueError:
        raise DartsCoreError(f"arch string {text!r}: parents {tail!r} of node {node} are not integers") from None


def top_k(weights: Sequence[float], k: int) -> tuple[int, ...]:
    """The k largest, ascending by index (utils.py `get_top_k`; np.argpartition leaves ties unspecified,
    here the lower index wins)."""
    order = sorted(range(len(weights)), key=lambda j: (-float(weights[j]), j))
    return tuple(sorted(order[:k]))


@dataclass(frozen=True)
class Nb1Shot1Space(Space):
    """One NAS-Bench-1Shot1 space. Each is its own family: the three graphs differ (node counts, which
    blocks have input alphas), so a log or an arch string belongs to exactly one of them."""

    name: str = "nb1shot1-s1"
    family: str = "nb1shot1-s1"
    ops: tuple[str, ...] = OPS
    known_ops: tuple[str, ...] = OPS
    cells: tuple[str, ...] = CELLS
    edges: tuple[str, ...] = ()
    learnable_ops: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu")
    # no skip op, so DARTS+ sc_k does not apply; magnitudes are over the three ops of the choice blocks
    # (`normal` cell), the default cell of ss_peak / ss_residual
    default_criteria: tuple[str, ...] = ("final", "ss_peak:conv3x3-bn-relu", "ss_residual:conv3x3-bn-relu",
                                         "darts+_rt:10", "darts_es")
    supernet: str = "darts_core.nn.nb1shot1_supernet:build_supernet"
    # NAS-Bench-101 look-up of `nb101_spec` (CIFAR-10 only); elsewhere (the digits demo) trained from scratch
    evaluation: str = "benchmark"
    benchmark_datasets: tuple[str, ...] = ("cifar10",)
    benchmark: str = "nb101"
    network: str = "darts_core.nn.nb101_net:build_network"  # NB101's network of the arch's spec
    number: int = 1

    def __post_init__(self):  # both follow from `number`
        object.__setattr__(self, "edges", tuple(e for c in CELLS for e in self.cell_edges(c)))
        object.__setattr__(self, "known_ops", OPS + tuple(str(j) for j in range(self.steps + 1)))

    # --- the graph -----------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return len(PARENTS[self.number]) - 1

    @property
    def num_parents(self) -> tuple[int, ...]:
        """Parents of choice blocks 1..steps, then of the output."""
        return PARENTS[self.number]

    @property
    def searched(self) -> tuple[int, ...]:
        return _searched(self.number)

    def cell_edges(self, cell: str) -> tuple[str, ...]:
        if cell == "normal":
            return tuple(map(str, range(1, self.steps + 1)))
        if cell == "inputs":
            return tuple(f"in{k}" for k in self.searched)
        if cell == "output":
            return (OUT_EDGE,)
        raise DartsCoreError(f"unknown {self.name} cell {cell!r}; choose from {', '.join(CELLS)}")

    def fixed_ops(self, cell: str) -> tuple[tuple[str, ...], ...]:
        """The op (or candidate-parent) list of every edge of `cell`, in `cell_edges` order."""
        if cell == "normal":
            return (OPS,) * self.steps
        if cell == "inputs":
            return tuple(tuple(map(str, range(k))) for k in self.searched)
        self.cell_edges(cell)
        return (tuple(map(str, range(self.steps + 1))),)

    def matches_log(self, cells: Iterable[str], edges: Iterable[str]) -> bool:
        """Exactly this space's cells and edges (SS1's edges are a subset of SS3's)."""
        return set(cells) == set(CELLS) and set(edges) == set(self.edges)

    def claims_arch(self, text: str) -> bool:
        return str(text).lstrip().startswith(self.name + "|")

    # --- counts (NAS-Bench-1Shot1 Table 1 / search_space_*.py `generate_with_loose_ends`) ----------------
    def parent_sets(self, node: int) -> list[tuple[int, ...]]:
        """search_space.py `parent_combinations`: every parent set of node 1..steps+1."""
        return list(itertools.combinations(range(node), self.num_parents[node - 1]))

    def count_with_loose_ends(self) -> int:
        """Parent sets of every node times 3 ops per choice block."""
        return math.prod(len(self.parent_sets(n)) for n in range(1, self.steps + 2)) * len(OPS) ** self.steps

    def arch_count(self) -> tuple[int, str]:
        return self.count_with_loose_ends(), "parent sets x 3 ops per choice block, loose ends included"

    def archs(self) -> Iterable[Arch]:
        """Every architecture (with loose ends), choice-block ops varying fastest."""
        sets = [self.parent_sets(n) for n in range(1, self.steps + 2)]
        for parents in itertools.product(*sets):
            for ops in itertools.product(OPS, repeat=self.steps):
                yield Arch(self.number, ops, parents)

    # --- arch strings -----------------------------------------------------------------------------
    def arch_string(self, arch: Arch) -> str:
        self._check(arch, repr(arch))
        nodes = [f"{k}={op}<-{','.join(map(str, p))}" for k, (op, p) in enumerate(zip(arch.ops, arch.parents), 1)]
        return "|".join([self.name, *nodes, f"{OUT_EDGE}<-{','.join(map(str, arch.parents[-1]))}"])

    def parse_arch(self, text: str) -> Arch:
        if not isinstance(text, str) or not self.claims_arch(text):
            raise DartsCoreError(f"arch {text!r} is not a {self.name} string like {self.name}|1=<op><-0|...|out<-i,j")
        parts = text.strip().split("|")[1:]
        if len(parts) != self.steps + 1:
            raise DartsCoreError(f"arch string {text!r}: expected {self.steps} choice blocks and the output, "
                                 f"got {len(parts)} parts")
        *blocks, out = parts
        ops, parents = [], []
        for k, part in enumerate(blocks, 1):
            head, sep, tail = part.partition("<-")
            if not sep or not head.startswith(f"{k}="):
                raise DartsCoreError(f"arch string {text!r}: part {part!r} should look like {k}=<op><-i[,j]")
            ops.append(head.removeprefix(f"{k}="))
            parents.append(_node_list(text, k, tail))
        head, sep, tail = out.partition("<-")
        if head != OUT_EDGE or not sep:
            raise DartsCoreError(f"arch string {text!r}: the last part {out!r} should look like {OUT_EDGE}<-i,j")
        parents.append(_node_list(text, self.steps + 1, tail))
        arch = Arch(self.number, tuple(ops), tuple(parents))
        self._check(arch, repr(text))
        return arch

    def _check(self, arch: Arch, what: str) -> None:
        if arch.space != self.number or len(arch.ops) != self.steps or len(arch.parents) != self.steps + 1:
            raise DartsCoreError(f"arch {what}: not an architecture of {self.name}")
        for k, op in enumerate(arch.ops, 1):
            if op not in OPS:
                raise DartsCoreError(f"arch {what}: choice block {k} has unknown op {op!r}; choose from {', '.join(OPS)}")
        for k, p in enumerate(arch.parents, 1):
            if p not in self.parent_sets(k):
                node = "the output" if k == self.steps + 1 else f"choice block {k}"
                raise DartsCoreError(f"arch {what}: {node} needs {self.num_parents[k - 1]} distinct parents "
                                     f"among 0..{k - 1}, ascending; got {','.join(map(str, p))}")

    # --- the NAS-Bench-101 spec -------------------------------------------------------------------
    def nb101_spec(self, arch: str | Arch) -> tuple[list[list[int]], list[str]]:
        """(matrix, ops) of the NB101 cell: 7x7 upper-triangular 0/1, labels input/<ops>/output.

        search_space.py `_create_adjacency_matrix` starts at the output and adds the edges from the parents
        of every node it reaches (it stops early only once the graph is valid, which cannot happen while a
        reached node lacks its parents: the output is the only node with inputs and no outputs, node 0 the
        only one with outputs and no inputs), so it keeps exactly the edges into the nodes the output is
        reached from. Blocks the output is not reached from keep their op and no edges; NB101's ModelSpec
        prunes them. SS1/SS2: `upscale_to_nasbench_format` inserts the unused node 5 (op conv1x1-bn-relu,
        as `eval_one_shot_model`'s node list)."""
        a = self.parse_arch(arch) if isinstance(arch, str) else arch
        self._check(a, repr(arch))
        n = self.steps + 2
        parents = {k: a.parents[k - 1] for k in range(1, n)}
        matrix = np.zeros((n, n), dtype=np.int64)
        todo, seen = [n - 1], set()
        while todo:
            node = todo.pop()
            if node in seen or node == 0:
                continue
            seen.add(node)
            for p in parents[node]:
                matrix[p, node] = 1
                todo.append(p)
        ops = [INPUT, *a.ops, OUTPUT]
        if n == NB101_NODES - 1:
            matrix = np.insert(np.insert(matrix, n - 1, 0, axis=1), n - 1, 0, axis=0)
            ops.insert(n - 1, CONV1X1)
        return matrix.tolist(), ops

    # --- Space protocol ---------------------------------------------------------------------------
    def canonical_arch(self, text: str) -> str:
        return self.arch_string(self.parse_arch(text))

    def check_ops(self, ops: Sequence[str]) -> tuple[str, ...]:
        """Only the full op list: the spaces fix the three NB101 ops per choice block."""
        if set(ops) != set(OPS) or len(ops) != len(OPS):
            raise DartsCoreError(f"space {self.name} searches exactly the ops {', '.join(OPS)}; got {list(ops)} "
                                 "(leave ops unset)")
        return OPS

    def skip_connects(self, arch: str) -> int:
        """No skip op in NB101 (DARTS+ sc_k does not apply)."""
        self.parse_arch(arch)
        return 0

    def derive_arch(self, rows: pd.DataFrame, ops_per_edge: dict | None = None, column: str = "weight") -> str:
        """The arch string from one epoch's rows of a tidy alpha log (the three cells, see the module doc)."""
        w = {}
        for cell in CELLS:
            sub = rows[rows["cell"] == cell].set_index(["edge", "op"])[column]
            vectors = []
            for edge, ops in zip(self.cell_edges(cell), self.fixed_ops(cell)):
                try:
                    vectors.append(np.array([sub.loc[(edge, op)] for op in ops], dtype=np.float64))
                except KeyError as err:
                    raise DartsCoreError(f"alpha log has no row for cell {cell}, (edge, op) {err.args[0]}") from None
            w[cell] = vectors
        return self.arch_string(self.discretise(np.stack(w["normal"]), w["inputs"], w["output"][0]))

    def discretise(self, mixed_op, inputs: Sequence[Sequence[float]], output: Sequence[float]) -> Arch:
        """eval_one_shot_model: op by argmax per choice block (first op on ties, as numpy), parents of the
        searched blocks and of the output by top-k. Any monotone transform of the alphas gives the same
        arch, so raw alphas or their softmax may be passed."""
        mixed_op = np.asarray(mixed_op, dtype=np.float64)
        if mixed_op.shape != (self.steps, len(OPS)):
            raise DartsCoreError(f"{self.name}: mixed-op weights of shape {mixed_op.shape}, expected {(self.steps, len(OPS))}")
        if len(inputs) != len(self.searched) or any(len(v) != k for v, k in zip(inputs, self.searched)):
            raise DartsCoreError(f"{self.name}: input weights of lengths {[len(v) for v in inputs]}, expected {list(self.searched)}")
        if len(output) != self.steps + 1:
            raise DartsCoreError(f"{self.name}: {len(output)} output weights, expected {self.steps + 1}")
        ops = tuple(OPS[int(k)] for k in mixed_op.argmax(axis=1))
        searched = dict(zip(self.searched, inputs))
        parents = []
        for k in range(1, self.steps + 1):
            if k in searched:
                parents.append(top_k(searched[k], self.num_parents[k - 1]))
            else:  # node 1: the input; SS1 node 2: both 0 and 1
                parents.append(self.parent_sets(k)[0])
        parents.append(top_k(output, self.num_parents[-1]))
        return Arch(self.number, ops, tuple(parents))


def make_space(number: int) -> Nb1Shot1Space:
    name = f"nb1shot1-s{number}"
    return Nb1Shot1Space(name=name, family=name, number=number)


# --- the graphs without loose ends (search_space.py `generate_adjacency_matrix_without_loose_ends`) ----------
def _valid(space: Nb1Shot1Space, m: np.ndarray) -> bool:
    """search_space.py `_check_validity_of_adjacency_matrix`: some intermediate node has outputs; every
    node with inputs has exactly its parent count; as many nodes have inputs as have outputs; the input
    has outputs; at most 9 edges."""
    if not (m.sum(axis=1) > 0)[1:-1].any():
        return False
    need = (0, *space.num_parents)
    for node, n_in in enumerate(m.sum(axis=0)):
        if n_in > 0 and n_in != need[node]:
            return False
    if (m.sum(axis=0) > 0).sum() != (m.sum(axis=1) > 0).sum():
        return False
    return bool(m[0].sum() > 0) and int(m.sum()) <= 9


def _grow(space: Nb1Shot1Space, m: np.ndarray, node: int):
    """search_space.py `_generate_adjacency_matrix`, step for step: yield `m` if it is valid, else for
    every set of the missing parents of `node` among the nodes not yet its parents (node 1: [0] only,
    utils.py `parent_combinations`), add them one by one to a copy and recurse into each parent as it
    is added. (Not every graph is reached this way and some twice; kept as the official count.)"""
    if _valid(space, m):
        yield m
        return
    need = (0, *space.num_parents)[node]
    left = need - int(m[:, node].sum())
    choices = [(0,)] if node == 1 else itertools.combinations(np.flatnonzero(m[:node, node] == 0), left)
    for parents in choices:
        copy = m.copy()
        for parent in parents:
            copy[parent, node] = 1
            for graph in _grow(space, copy, int(parent)):
                yield graph.copy()


def adjacency_without_loose_ends(space: Nb1Shot1Space):
    """The official generator's matrices (steps + 2 nodes, not upscaled), in its order, repeats kept."""
    n = space.steps + 2
    yield from _grow(space, np.zeros((n, n), dtype=np.int64), n - 1)


def count_without_loose_ends(space: Nb1Shot1Space) -> int:
    """search_space.py `generate_search_space_without_loose_ends`: per generated matrix, 3 ops for every
    intermediate node that has outputs (the others get a fixed op)."""
    return sum(len(OPS) ** int((m.sum(axis=1) > 0)[1:-1].sum()) for m in adjacency_without_loose_ends(space))
