"""NAS-Bench-101 cell specs: pruning, the search-space check and the isomorphism-invariant hash.

A spec is `(matrix, ops)`: `matrix` a V x V upper-triangular 0/1 adjacency (list of lists or an array; edge
i -> j is `matrix[i][j]`), `ops` V labels, `ops[0] == 'input'`, `ops[-1] == 'output'`, the others from
`ALLOWED_OPS`. Mirrors google-research/nasbench @ b942470:
- `prune`: `nasbench/lib/model_spec.py` `ModelSpec.__init__` (shape checks) and `ModelSpec._prune` (drop every
  vertex not on an input -> output path; a spec whose input does not reach its output is invalid);
- `check_domain`: `nasbench/api.py` `NASBench._check_spec`, applied to the pruned spec (<= 7 vertices,
  <= 9 edges, input first, output last, allowed ops);
- `hash_module`: `nasbench/lib/graph_util.py` `hash_module` (iterated md5 of in/out degrees and labels);
- `spec_hash`: `api.py` `_hash_spec` -> `ModelSpec.hash_spec(config['available_ops'])`, labels -1 for the
  input, -2 for the output, else the op's index in `ALLOWED_OPS`.
Plain Python (no numpy needed): a 7-vertex hash takes well under a millisecond.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

from darts_core.errors import DartsCoreError

INPUT, OUTPUT = "input", "output"
# nasbench/lib/config.py `available_ops`; the order is the integer labeling the hashes were made with
ALLOWED_OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
MAX_VERTICES = 7  # config.py module_vertices
MAX_EDGES = 9  # config.py max_edges

Matrix = list[list[int]]


class InvalidSpec(DartsCoreError):
    """A spec that is malformed, disconnected or outside the NAS-Bench-101 space (api.OutOfDomainError)."""


def as_matrix(matrix) -> Matrix:
    """The matrix as a list of lists of Python ints, checked square and 0/1 (arrays and nested lists alike)."""
    rows = [[int(x) for x in row] for row in matrix]
    n = len(rows)
    if any(len(row) != n for row in rows):
        raise InvalidSpec(f"NAS-Bench-101 matrix {rows} is not square")
    if any(x not in (0, 1) for row in rows for x in row):
        raise InvalidSpec(f"NAS-Bench-101 matrix {rows} has entries other than 0 and 1")
    return rows


def num_edges(matrix) -> int:
    return sum(map(sum, as_matrix(matrix)))


def prune(matrix, ops: Sequence[str]) -> tuple[Matrix, list[str]]:
    """(matrix, ops) without the vertices that are not on an input -> output path, as ModelSpec._prune.

    Raises InvalidSpec for a non-square or non-upper-triangular matrix, ops of the wrong length (ModelSpec's
    ValueErrors) or an input that does not reach the output (ModelSpec.valid_spec False).
    """
    m, ops = as_matrix(matrix), list(ops)
    n = len(m)
    if n != len(ops):
        raise InvalidSpec(f"NAS-Bench-101 spec: {len(ops)} ops for a {n}x{n} matrix")
    if any(m[i][j] for i in range(n) for j in range(i + 1)):
        raise InvalidSpec(f"NAS-Bench-101 matrix {m} is not upper triangular")
    if n < 2:
        raise InvalidSpec(f"NAS-Bench-101 spec with {n} vertices (needs an input and an output)")
    forward = _reach(0, lambda v: (w for w in range(v + 1, n) if m[v][w]))
    backward = _reach(n - 1, lambda v: (w for w in range(v) if m[w][v]))
    keep = sorted(forward & backward)
    if not keep:  # input and output are then both outside the intersection
        raise InvalidSpec(f"NAS-Bench-101 spec {m} {ops}: the input is not connected to the output")
    return [[m[i][j] for j in keep] for i in keep], [ops[i] for i in keep]


def _reach(start: int, neighbours) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        for w in neighbours(frontier.pop()):
            if w not in seen:
                seen.add(w)
                frontier.append(w)
    return seen


def check_domain(matrix, ops: Sequence[str]) -> None:
    """Raise InvalidSpec unless the (already pruned) spec is in the space, as api.NASBench._check_spec."""
    m = as_matrix(matrix)
    if len(ops) > MAX_VERTICES:
        raise InvalidSpec(f"NAS-Bench-101 spec has {len(ops)} vertices after pruning (max {MAX_VERTICES})")
    edges = sum(map(sum, m))
    if edges > MAX_EDGES:
        raise InvalidSpec(f"NAS-Bench-101 spec has {edges} edges after pruning (max {MAX_EDGES})")
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise InvalidSpec(f"NAS-Bench-101 ops {list(ops)} must start with {INPUT!r} and end with {OUTPUT!r}")
    bad = [op for op in ops[1:-1] if op not in ALLOWED_OPS]
    if bad:
        raise InvalidSpec(f"NAS-Bench-101 ops {list(ops)}: unsupported {bad} (allowed {list(ALLOWED_OPS)})")


def canonical(matrix, ops: Sequence[str]) -> tuple[Matrix, list[str]]:
    """The pruned spec, checked to be in the space (what api.NASBench.query looks up)."""
    pm, pops = prune(matrix, ops)
    check_domain(pm, pops)
    return pm, pops


def is_valid(matrix, ops: Sequence[str]) -> bool:
    """True if the spec prunes to a spec of the space (api.NASBench.is_valid)."""
    try:
        canonical(matrix, ops)
    except InvalidSpec:
        return False
    return True


def labeling(ops: Sequence[str]) -> list[int]:
    """Integer labels of ModelSpec.hash_spec: -1 input, -2 output, else the index in ALLOWED_OPS."""
    inner = list(ops[1:-1])
    bad = [op for op in inner if op not in ALLOWED_OPS]
    if bad:
        raise InvalidSpec(f"NAS-Bench-101 ops {list(ops)}: unsupported {bad} (allowed {list(ALLOWED_OPS)})")
    return [-1] + [ALLOWED_OPS.index(op) for op in inner] + [-2]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def hash_module(matrix, labels: Sequence) -> str:
    """graph_util.hash_module: the same md5 hex string for isomorphic labelled graphs.

    `labels` are the integer labeling of graph_util (ints), or op names (mapped by `labeling`). The spec is
    hashed as given: prune it first (or use `spec_hash`) to get the hash the dataset is keyed by.
    """
    m = as_matrix(matrix)
    n = len(m)
    if all(isinstance(x, str) for x in labels):
        labels = labeling(labels)
    if len(labels) != n:
        raise InvalidSpec(f"NAS-Bench-101 spec: {len(labels)} labels for a {n}x{n} matrix")
    preds = [[w for w in range(n) if m[w][v]] for v in range(n)]
    succs = [[w for w in range(n) if m[v][w]] for v in range(n)]
    # str() of a tuple of Python ints, exactly as graph_util (its degrees come from ndarray.tolist())
    hashes = [_md5(str((len(succs[v]), len(preds[v]), int(labels[v])))) for v in range(n)]
    for _ in range(n):  # graph_util iterates once per vertex
        hashes = [_md5("".join(sorted([hashes[w] for w in preds[v]])) + "|"
                       + "".join(sorted([hashes[w] for w in succs[v]])) + "|" + hashes[v])
                  for v in range(n)]
    return _md5(str(sorted(hashes)))


def spec_hash(matrix, ops: Sequence[str]) -> str:
    """The dataset key of a spec: prune, check it is in the space, hash (api.NASBench._hash_spec)."""
    pm, pops = canonical(matrix, ops)
    return hash_module(pm, labeling(pops))


def is_full_dag(matrix) -> bool:
    """graph_util.is_full_dag: no row of zeros but the last, no column of zeros but the first."""
    m = as_matrix(matrix)
    n = len(m)
    return all(any(m[i]) for i in range(n - 1)) and all(any(m[w][v] for w in range(n)) for v in range(1, n))
