"""NAS-Bench-201 architecture index <-> arch string, computed without the benchmark file.

The official order (AutoDL-Projects `exps/NAS-Bench-201/main.py`, `generate_meta_info`) is
`CellStructure.gen_all(ops, 4)` followed by `random.seed(88); random.shuffle(archs)`.
`gen_all` (xautodl `models/cell_searchs/genotypes.py`) enumerates node 1, 2, 3 in turn, each a product over
its input edges with the last edge varying fastest, ops in the order `none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3`: that is `itertools.product(OPS, repeat=6)` over the edges in EDGES order.
`random.shuffle` permutes positions independently of the items, so shuffling `range(15625)` with a
private `random.Random(88)` gives the same permutation without touching the global random state.
"""

from __future__ import annotations

import functools
import random

from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import EDGES, OPS, arch_string, parse_arch

NUM_ARCHS = len(OPS) ** len(EDGES)  # 15,625
SHUFFLE_SEED = 88  # main.py generate_meta_info: "please do not change this line for reproducibility"


@functools.lru_cache(maxsize=1)
def _permutation() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(position in gen_all order of index i, index of gen_all position p)."""
    positions = list(range(NUM_ARCHS))
    random.Random(SHUFFLE_SEED).shuffle(positions)
    inverse = [0] * NUM_ARCHS
    for index, pos in enumerate(positions):
        inverse[pos] = index
    return tuple(positions), tuple(inverse)


def _position(edge_ops: tuple[str, ...]) -> int:
    pos = 0
    for op in edge_ops:
        pos = pos * len(OPS) + OPS.index(op)
    return pos


def _ops_at(pos: int) -> list[str]:
    ops = []
    for _ in EDGES:
        pos, k = divmod(pos, len(OPS))
        ops.append(OPS[k])
    return ops[::-1]


def arch_index(arch: str) -> int:
    """NAS-Bench-201 index (0..15624) of an arch string; DartsCoreError for a malformed string."""
    if not isinstance(arch, str):
        raise DartsCoreError(f"arch must be a string like |op~0|+|op~0|op~1|+|op~0|op~1|op~2|, got {arch!r}")
    return _permutation()[1][_position(parse_arch(arch))]


def index_to_arch(i: int) -> str:
    """Arch string of NAS-Bench-201 index `i`."""
    try:
        i = int(i)
    except (TypeError, ValueError):
        raise DartsCoreError(f"NAS-Bench-201 index must be an integer, got {i!r}") from None
    if not 0 <= i < NUM_ARCHS:
        raise DartsCoreError(f"NAS-Bench-201 index {i} is out of range 0..{NUM_ARCHS - 1}")
    return arch_string(_ops_at(_permutation()[0][i]))


def all_archs() -> list[str]:
    """All 15,625 arch strings in index order (the `meta_archs` list of the official file)."""
    positions = _permutation()[0]
    return [arch_string(_ops_at(p)) for p in positions]
