"""NAS-Bench-101 specs: the hash against hashes the official data gives, pruning as ModelSpec, and the
properties google-research/nasbench nasbench/tests/graph_util_test.py checks."""

from __future__ import annotations

import random

import pytest

from darts_core.benchmark.nb101 import graph
from darts_core.benchmark.nb101.graph import (InvalidSpec, canonical, hash_module, is_full_dag, is_valid, prune,
                                              spec_hash)

C3, C1, MP = graph.ALLOWED_OPS
IN, OUT = graph.INPUT, graph.OUTPUT


def from_inputs(inputs: dict[int, list[int]], n: int = 7) -> list[list[int]]:
    """Adjacency from NNI's arch format: vertex i's predecessors `input{i}`."""
    m = [[0] * n for _ in range(n)]
    for v, preds in inputs.items():
        for u in preds:
            m[u][v] = 1
    return m


# (source, matrix, ops, module_hash): each hash is the key the official tfrecord stores for that spec
KNOWN = [
    # microsoft/nni docs/en_US/NAS/BenchmarksExample.ipynb @ 10973c4 (query_nb101_trial_stats output; NNI's
    # database keeps the tfrecord's module_hash); the same hash with this very matrix and ops, as the official
    # api.get_metrics_from_hash returns them, in gabikadlecova/searchspace_train
    # searchspace_train/tests/datasets/test_nasbench101.py @ 398d339 (test_get_net_from_hash)
    ("nni BenchmarksExample.ipynb",
     from_inputs({1: [0], 2: [1], 3: [2], 4: [0], 5: [0, 3, 4], 6: [2, 5]}),
     [IN, C3, MP, C3, C3, C1, OUT], "00005c142e6f48ac74fdcf73e3439874"),
    # automl/NASLib tests/test_nb101_search_space.py @ 0b51bc18: HASHSPEC and FIXED_ARCH (its tuple: the
    # flattened matrix, then ops coded by conversions.py all_ops = [input, output, maxpool, conv1x1, conv3x3])
    ("NASLib test_nb101_search_space.py",
     [[0, 1, 1, 0, 1, 1, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     [IN, MP, C3, C1, C1, C3, OUT], "ff940d27cbe9ed0a639a68a9c3f87283"),
    # automl/NASLib tests/assets/nb101_dummy.pkl @ 0b51bc18: fixed_statistics of 30 hashes of the official
    # data (module_adjacency, module_operations); read with pickletools-checked numpy-only globals. All 30
    # match; three of them here.
    ("NASLib nb101_dummy.pkl",
     [[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     [IN, C3, C1, C1, C3, C1, OUT], "ff92c322c5d9d3d587d9c146a63d0807"),
    ("NASLib nb101_dummy.pkl",
     [[0, 1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0],
      [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     [IN, MP, MP, C1, MP, C3, OUT], "ff97db031fa41552d437b079b2befd80"),
    ("NASLib nb101_dummy.pkl",
     [[0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     [IN, C1, MP, C3, MP, C1, OUT], "ff968f800464555f97c776c71481826d"),
]

# the Inception-like spec of the official README / api.py docstring, and the module_adjacency /
# module_operations nasbench.query returned for it (printed in gary9987/tensorflow-get-started
# gcn/NAS_BENCH_101.md): the dataset stores an isomorphic relabelled copy, found through the hash
README_SPEC = ([[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
                [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
               [IN, C1, C3, C3, C3, MP, OUT])
README_STORED = ([[0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
                 [IN, C3, C1, MP, C3, C3, OUT])


@pytest.mark.parametrize("source, matrix, ops, expected", KNOWN, ids=[k[3][:8] for k in KNOWN])
def test_hash_matches_the_official_data(source, matrix, ops, expected):
    assert spec_hash(matrix, ops) == expected
    assert hash_module(matrix, graph.labeling(ops)) == expected  # already pruned: the same through graph_util's API


def test_hash_accepts_numpy_arrays_and_is_lowercase_md5():
    np = pytest.importorskip("numpy")
    _, matrix, ops, expected = KNOWN[0]
    assert spec_hash(np.array(matrix, dtype=np.int8), ops) == expected
    assert len(expected) == 32 and expected == expected.lower()


def test_readme_spec_and_its_stored_copy_share_a_hash():
    assert spec_hash(*README_SPEC) == spec_hash(*README_STORED)
    assert README_SPEC[0] != README_STORED[0]


def relabel(matrix, ops, order):
    """The same graph with vertex order[k] renamed to k."""
    n = len(matrix)
    return [[matrix[order[i]][order[j]] for j in range(n)] for i in range(n)], [ops[order[i]] for i in range(n)]


def test_hash_is_invariant_under_vertex_permutations():
    """graph_util_test.test_random_isomorphism_hashing: random directed graphs (not only DAGs), random
    labels, a random permutation: the same hash; a changed label (almost surely) another hash."""
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(3, 12)
        matrix = [[rng.randint(0, 1) for _ in range(n)] for _ in range(n)]
        labels = [rng.randint(0, 10) for _ in range(n)]
        order = list(range(n))
        rng.shuffle(order)
        pm, pl = relabel(matrix, labels, order)
        assert hash_module(pm, pl) == hash_module(matrix, labels)


def test_hash_cases_of_the_official_tests():
    diamond = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert hash_module(diamond, [-1, 1, 2, -2]) == hash_module(diamond, [-1, 2, 1, -2])
    m1 = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    m2 = [[0, 1, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    m3 = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    l1, l2, l3 = [-1, 1, 2, 3, -2], [-1, 2, 3, 1, -2], [-1, 2, 1, 3, -2]
    assert hash_module(m1, l1) == hash_module(m2, l2) == hash_module(m3, l3)
    assert hash_module(m1, l2) != hash_module(m1, l1) != hash_module(m1, l3)
    # non-isomorphic regular graphs on 6 interior vertices
    r1 = [[0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 1, 0], [0, 0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 0, 0],
          [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1], [0] * 8]
    r2 = [[0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 0, 1, 1, 0, 0],
          [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1], [0] * 8]
    same = [-1, 1, 1, 1, 1, 1, 1, -2]
    assert hash_module(r1, same) != hash_module(r2, same)
    # tricky cases: breaks without the vertex itself, without edge direction, with out-neighbours only
    chain = [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0] * 5]
    assert hash_module(chain, [-1, 1, 0, 0, -2]) != hash_module(chain, [-1, 0, 0, 1, -2])
    tri = [[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0] * 4]
    assert hash_module(tri, [-1, 1, 0, -2]) != hash_module(tri, [-1, 0, 1, -2])
    fan = [[0, 1, 1, 1, 1, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0],
           [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0] * 7]
    assert hash_module(fan, [-1, 1, 0, 0, 0, 0, -2]) != hash_module(fan, [-1, 0, 0, 0, 1, 0, -2])


def test_op_names_and_integer_labels_give_one_hash():
    _, matrix, ops, expected = KNOWN[1]
    assert hash_module(matrix, ops) == hash_module(matrix, [-1, 2, 0, 1, 1, 0, -2]) == expected


def test_prune_drops_vertices_off_every_input_output_path():
    # vertex 2 is fed by the input but feeds nothing; vertex 3 feeds the output but has no input
    matrix = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    ops = [IN, C3, MP, C1, OUT]
    assert prune(matrix, ops) == ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [IN, C3, OUT])
    assert spec_hash(matrix, ops) == spec_hash([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [IN, C3, OUT])
    # a dangling op of any name is pruned before the ops are checked (api._check_spec runs on the pruned spec)
    assert is_valid(matrix, [IN, C3, "conv5x5", "conv5x5", OUT])


def test_prune_keeps_a_full_dag_and_the_known_hash_survives_dangling_vertices():
    _, matrix, ops, expected = KNOWN[0]
    assert prune(matrix, ops) == (matrix, ops)
    # 9 vertices with two dead ends: more than 7 vertices and 9 edges before pruning, in the space after
    n = 9
    big = [[0] * n for _ in range(n)]
    for i in range(6):
        for j in range(7):
            if matrix[i][j]:
                big[i][j if j < 6 else n - 1] = 1
    big[0][6] = big[2][6] = big[6][7] = 1  # 6 and 7 are fed from the input, but 7 reaches nothing
    kept = [[big[i][j] for j in (0, 1, 2, 3, 4, 5, 8)] for i in (0, 1, 2, 3, 4, 5, 8)]
    big_ops = ops[:6] + [C3, C1, OUT]
    assert graph.num_edges(big) == 12 and len(big_ops) == 9
    assert prune(big, big_ops) == (kept, ops)
    assert spec_hash(big, big_ops) == expected


def test_pruning_matches_when_the_dead_vertex_is_inside():
    # a vertex in the middle of the order that only the input reaches
    matrix = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert prune(matrix, [IN, C3, C1, OUT]) == ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [IN, C3, OUT])


@pytest.mark.parametrize("matrix, ops, message", [
    ([[0, 1], [0, 0], [0, 0]], [IN, OUT], "not square"),
    ([[0, 1], [0, 0]], [IN, C3, OUT], "3 ops for a 2x2"),
    ([[0, 1], [1, 0]], [IN, OUT], "not upper triangular"),
    ([[0, 2], [0, 0]], [IN, OUT], "other than 0 and 1"),
    ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], [IN, C3, OUT], "not connected to the output"),
    ([[0, 0], [0, 0]], [IN, OUT], "not connected to the output"),
])
def test_malformed_or_disconnected_specs_are_refused(matrix, ops, message):
    with pytest.raises(InvalidSpec, match=message):
        prune(matrix, ops)
    assert not is_valid(matrix, ops)


def test_specs_outside_the_space_are_refused_after_pruning():
    # 10 edges among 7 vertices, all on input -> output paths
    ten = [[0, 1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
           [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0] * 7]
    assert graph.num_edges(ten) == 10 and is_full_dag(ten)
    with pytest.raises(InvalidSpec, match="10 edges after pruning"):
        canonical(ten, [IN, C3, C3, C3, C3, C3, OUT])
    chain8 = [[int(j == i + 1) for j in range(8)] for i in range(8)]
    with pytest.raises(InvalidSpec, match="8 vertices after pruning"):
        canonical(chain8, [IN] + [C3] * 6 + [OUT])
    line = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    with pytest.raises(InvalidSpec, match="unsupported"):
        canonical(line, [IN, "conv5x5", OUT])
    with pytest.raises(InvalidSpec, match="must start with"):
        canonical(line, [C3, C3, OUT])
    with pytest.raises(InvalidSpec, match="unsupported"):
        spec_hash(line, [IN, "conv5x5", OUT])
    assert is_valid([[0, 1], [0, 0]], [IN, OUT])  # the smallest spec: input straight to output


def test_is_full_dag_cases_of_the_official_tests():
    assert is_full_dag([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    assert is_full_dag([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert not is_full_dag([[0, 0, 1], [0, 0, 1], [0, 0, 0]])  # vertex 1 not fed by the input
    assert not is_full_dag([[0, 1, 1], [0, 0, 0], [0, 0, 0]])  # vertex 1 does not reach the output
    assert not is_full_dag([[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]])  # vertex 2 isolated
