"""The NAS-Bench-1Shot1 spaces (darts_core.spaces.nb1shot1): structure per space as the official
search_space_{1,2,3}.py and model_search.py have it, arch strings, the discretisation to a NAS-Bench-101
spec (hand-computed from eval_darts_one_shot_model_in_nasbench.py + search_space.py), the enumeration
counts, and alpha logs read by the stop criteria. Torch-free."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import SPACES, get_family, get_space, nb1shot1, space_of_arch
from darts_core.spaces.nb1shot1 import OPS, Arch
from darts_core.stops import space_info
from darts_core.stops.criteria import evaluate

MP, C3, C1 = OPS  # PRIMITIVES order: maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu
NAMES = ("nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3")


def test_structure_of_each_space():
    s1, s2, s3 = (get_space(n) for n in NAMES)
    # num_parents_per_node (nodes 1.., output last); model_search.py: alphas_inputs for n_inputs in
    # range(begin, steps + 1), begin 3 for SS1 else 2; alphas_output over steps + 1 nodes
    assert (s1.steps, s1.num_parents, s1.searched) == (4, (1, 2, 2, 2, 2), (3, 4))
    assert (s2.steps, s2.num_parents, s2.searched) == (4, (1, 1, 2, 2, 3), (2, 3, 4))
    assert (s3.steps, s3.num_parents, s3.searched) == (5, (1, 1, 1, 2, 2, 2), (2, 3, 4, 5))
    for s in (s1, s2, s3):
        assert s.ops == OPS and s.cells == ("normal", "inputs", "output") and s.family == s.name
        assert get_family(s.name) is s and s.evaluation == "benchmark" and s.benchmark_datasets == ("cifar10",)
        assert s.searched == tuple(range(3 if s is s1 else 2, s.steps + 1))
        assert s.fixed_ops("output") == (tuple(map(str, range(s.steps + 1))),)
        assert s.check_ops(list(reversed(OPS))) == OPS
    assert s2.cell_edges("inputs") == ("in2", "in3", "in4") and s2.fixed_ops("inputs")[1] == ("0", "1", "2")
    with pytest.raises(DartsCoreError, match="searches exactly the ops"):
        s1.check_ops([C3, C1])


def test_arch_strings_round_trip_and_bad_strings():
    s2 = get_space("nb1shot1-s2")
    arch = Arch(2, (C1, MP, C3, C3), ((0,), (1,), (0, 2), (1, 3), (0, 2, 3)))
    text = s2.arch_string(arch)
    assert text == ("nb1shot1-s2|1=conv1x1-bn-relu<-0|2=maxpool3x3<-1|3=conv3x3-bn-relu<-0,2|"
                    "4=conv3x3-bn-relu<-1,3|out<-0,2,3")
    assert s2.parse_arch(text) == arch and space_of_arch(text) is s2 and s2.skip_connects(text) == 0
    with pytest.raises(DartsCoreError, match="choice block 2 needs 2 distinct parents among 0..1"):
        get_space("nb1shot1-s1").parse_arch(text.replace("nb1shot1-s2", "nb1shot1-s1"))
    for bad, words in [(text.replace("nb1shot1-s2", "nb1shot1-s1"), "is not a nb1shot1-s2 string"),
                       (text.replace("<-0,2,3", "<-0,2"), "the output needs 3 distinct parents"),
                       (text.replace("maxpool3x3", "sep_conv_3x3"), "unknown op 'sep_conv_3x3'"),
                       (text.replace("<-1,3", "<-3,1"), "ascending"),
                       (text.replace("|out<-0,2,3", ""), "expected 4 choice blocks and the output"),
                       (text.replace("<-1|", "<-x|"), "not integers"),
                       ("Genotype(normal=[])", "is not a nb1shot1-s2 string")]:
        with pytest.raises(DartsCoreError, match=words):
            s2.parse_arch(bad)


# --- the discretisation, hand-computed from the official source -----------------------------------------
def test_ss2_discretisation_by_hand():
    """eval_one_shot_model, search space 2: ops by argmax of softmax(alphas_mixed_op); node 2: top-1 of its
    2 input weights, nodes 3, 4: top-2; output: top-3 of 5. create_nasbench_adjacency_matrix walks back
    from the output (node 5 of 6): 0->5, 2->5 (2<-1, 1<-0), 3->5 (3<-0, 3<-2); node 4 is not reached, so
    its edges (1->4, 3->4) are not in the matrix. upscale_to_nasbench_format then inserts the empty node 5
    (op conv1x1-bn-relu) and the output becomes node 6."""
    s2 = get_space("nb1shot1-s2")
    mixed = [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.4, 0.3]]
    inputs = [[0.1, 0.9], [0.5, 0.1, 0.4], [0.1, 0.3, 0.2, 0.4]]
    output = [0.3, 0.1, 0.2, 0.35, 0.05]
    arch = s2.discretise(mixed, inputs, output)
    assert arch == Arch(2, (C1, MP, C3, C3), ((0,), (1,), (0, 2), (1, 3), (0, 2, 3)))
    matrix, ops = s2.nb101_spec(arch)
    assert matrix == [[0, 1, 0, 1, 0, 0, 1],
                      [0, 0, 1, 0, 0, 0, 0],
                      [0, 0, 0, 1, 0, 0, 1],
                      [0, 0, 0, 0, 0, 0, 1],
                      [0, 0, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0, 0]]
    assert ops == ["input", C1, MP, C3, C3, C1, "output"]
    # monotone: raw alphas (log of the weights) give the same arch
    assert s2.discretise(np.log(mixed), [np.log(v) for v in inputs], np.log(output)) == arch


def test_ss1_and_ss3_discretisation_by_hand():
    """SS1: node 2 takes 0 and 1 (no input alphas), output top-2 of 5 -> {3, 4}: every block is reached.
    SS3 (7 nodes, no upscaling): nodes 2, 3 top-1, 4, 5 top-2, output top-2 of 6 -> {1, 5}; 5<-{3, 4},
    4<-{0, 2}, 3<-{2}, 2<-{1}."""
    s1 = get_space("nb1shot1-s1")
    arch = s1.discretise([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], [[0.6, 0.1, 0.3], [0.1, 0.2, 0.3, 0.4]],
                         [0.1, 0.0, 0.2, 0.3, 0.4])
    assert arch.parents == ((0,), (0, 1), (0, 2), (2, 3), (3, 4))
    matrix, ops = s1.nb101_spec(arch)
    assert matrix == [[0, 1, 1, 1, 0, 0, 0],
                      [0, 0, 1, 0, 0, 0, 0],
                      [0, 0, 0, 1, 1, 0, 0],
                      [0, 0, 0, 0, 1, 0, 1],
                      [0, 0, 0, 0, 0, 0, 1],
                      [0, 0, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0, 0]]
    assert ops == ["input", MP, C3, C1, C3, C1, "output"]
    s3 = get_space("nb1shot1-s3")
    arch = s3.discretise(np.eye(3)[[2, 2, 0, 1, 1]], [[0.4, 0.6], [0.2, 0.1, 0.7], [0.5, 0.1, 0.4, 0.0],
                                                     [0.0, 0.1, 0.2, 0.3, 0.4]], [0.0, 0.3, 0.1, 0.1, 0.1, 0.4])
    assert arch.parents == ((0,), (1,), (2,), (0, 2), (3, 4), (1, 5))
    matrix, ops = s3.nb101_spec(arch)
    edges = {(i, j) for i in range(7) for j in range(7) if matrix[i][j]}
    assert edges == {(0, 1), (1, 2), (2, 3), (0, 4), (2, 4), (3, 5), (4, 5), (1, 6), (5, 6)}
    assert ops == ["input", C1, C1, MP, C3, C3, "output"]


def test_ties_go_to_the_lower_index():
    s3 = get_space("nb1shot1-s3")
    arch = s3.discretise(np.zeros((5, 3)), [[0, 0], [0, 0, 0], [0, 0, 0, 0], [0] * 5], [0] * 6)
    assert arch.ops == (MP,) * 5 and arch.parents == ((0,), (0,), (0,), (0, 1), (0, 1), (0, 1))
    with pytest.raises(DartsCoreError, match="mixed-op weights of shape"):
        s3.discretise(np.zeros((4, 3)), [[0, 0], [0, 0, 0], [0, 0, 0, 0], [0] * 5], [0] * 6)


def _official_matrix(space, parents: dict) -> np.ndarray:
    """search_space.py `_create_adjacency_matrix(parents, zeros, node=output)` as written there: return as
    soon as the graph is valid, else add each parent of `node` and recurse into it unless it is 0."""
    n = space.steps + 2

    def walk(m, node):
        if nb1shot1._valid(space, m):
            return m
        for parent in parents[node]:
            m[parent, node] = 1
            if parent != 0:
                m = walk(m, parent)
        return m

    return walk(np.zeros((n, n), dtype=np.int64), n - 1)


@pytest.mark.parametrize("name", NAMES)
def test_spec_equals_the_official_walk_for_every_parent_choice(name):
    """Our walk (edges into every node the output is reached from) against the official early-returning
    recursion, over every combination of parent sets; then the upscaled 7x7 form."""
    space = get_space(name)
    sets = [space.parent_sets(k) for k in range(1, space.steps + 2)]
    for parents in itertools.product(*sets):
        official = _official_matrix(space, dict(enumerate(parents, 1)))
        if space.steps == 4:  # utils.py upscale_to_nasbench_format
            official = np.insert(np.insert(official, 5, 0, axis=1), 5, 0, axis=0)
        matrix, ops = space.nb101_spec(Arch(space.number, (MP,) * space.steps, parents))
        assert matrix == official.tolist(), parents
        assert len(ops) == 7 and ops[0] == "input" and ops[-1] == "output"


def test_validity_check_by_hand():
    s1 = get_space("nb1shot1-s1")
    m = np.zeros((6, 6), dtype=np.int64)
    assert not nb1shot1._valid(s1, m)  # empty
    for i, j in [(0, 1), (1, 5), (0, 5)]:
        m[i, j] = 1
    assert nb1shot1._valid(s1, m)  # 0->1->out, 0->out
    m[1, 2] = 1
    assert not nb1shot1._valid(s1, m)  # node 2 has 1 of its 2 parents and no outputs


# --- counts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, with_loose_ends", [("nb1shot1-s1", 14_580), ("nb1shot1-s2", 29_160),
                                                   ("nb1shot1-s3", 1_312_200)])
def test_count_with_loose_ends(name, with_loose_ends):
    """search_space_{1,2,3}.py `generate_with_loose_ends` (itertools.product of the parent
    combinations) x 3 ops per choice block: 14,580 / 29,160 / 1,312,200 (the paper's counts)."""
    space = get_space(name)
    graphs = list(itertools.product(*[space.parent_sets(k) for k in range(1, space.steps + 2)]))
    assert len(graphs) * 3 ** space.steps == with_loose_ends == space.count_with_loose_ends()
    assert space.arch_count()[0] == with_loose_ends
    if space.steps == 4:  # enumerated one by one, every arch distinct and a valid string
        archs = list(space.archs())
        assert len(archs) == len(set(archs)) == with_loose_ends
        assert space.parse_arch(space.arch_string(archs[-1])) == archs[-1]


# (official generator's matrices, official count, distinct matrices after discretisation, their op count)
WITHOUT = {"nb1shot1-s1": (49, 2_487, 66, 3_702), "nb1shot1-s2": (65, 3_609, 190, 12_474),
           "nb1shot1-s3": (234, 24_066, 876, 135_900)}


@pytest.mark.parametrize("name", NAMES)
def test_count_without_loose_ends(name):
    """generate_adjacency_matrix_without_loose_ends / generate_search_space_without_loose_ends as the
    official code runs them: every matrix it yields is valid, has no loose end and is one of the graphs the
    discretisation produces; it does not reach all of those (it recurses into a node's first parent before
    adding the second, so a first parent whose ancestors are not also the second's is never completed).
    The second count: every distinct discretised graph with 3 ops on each block it keeps."""
    space = get_space(name)
    n_official, count_official, n_graphs, count_graphs = WITHOUT[name]
    official = list(nb1shot1.adjacency_without_loose_ends(space))
    assert len(official) == len({m.tobytes() for m in official}) == n_official
    assert nb1shot1.count_without_loose_ends(space) == count_official
    graphs = set()
    for parents in itertools.product(*[space.parent_sets(k) for k in range(1, space.steps + 2)]):
        m = np.array(space.nb101_spec(Arch(space.number, (MP,) * space.steps, parents))[0])
        if space.steps == 4:
            m = np.delete(np.delete(m, 5, axis=0), 5, axis=1)
        graphs.add(m.tobytes())
    for m in official:
        assert nb1shot1._valid(space, m)
        has_in, has_out = m.sum(axis=0) > 0, m.sum(axis=1) > 0
        assert (has_in[1:-1] == has_out[1:-1]).all()  # no loose ends
        assert m.tobytes() in graphs
    assert len(graphs) == n_graphs
    used = [int((np.frombuffer(b, dtype=np.int64).reshape(space.steps + 2, -1).sum(axis=1) > 0)[1:-1].sum())
            for b in graphs]
    assert sum(3 ** u for u in used) == count_graphs


DISTINCT = {"nb1shot1-s1": 2_685, "nb1shot1-s2": 7_773, "nb1shot1-s3": 55_854}  # NB101 models (spec hashes)


def _loose_ends_matrix(space, parents) -> list[list[int]]:
    """search_space.py `create_nasbench_adjacency_matrix_with_loose_ends` (+ upscale for SS1/SS2): every
    node's parent edges, reached from the output or not (what `objective_function` queries NB101 with)."""
    n = space.steps + 2
    m = np.zeros((n, n), dtype=np.int64)
    for node, ps in enumerate(parents, 1):
        m[list(ps), node] = 1
    if space.steps == 4:
        m = np.insert(np.insert(m, 5, 0, axis=1), 5, 0, axis=0)
    return m.tolist()


@pytest.mark.parametrize("name", ["nb1shot1-s1", "nb1shot1-s2"])
def test_distinct_nb101_models_after_pruning(name):
    """Every arch (loose ends included) to its NB101 model: ModelSpec pruning then hash_module (branch
    nb101's darts_core.benchmark.nb101.graph). The discretised spec and the loose-ends matrix the official
    objective_function queries prune to the same spec; every model is in the NB101 space."""
    graph = pytest.importorskip("darts_core.benchmark.nb101.graph")
    space = get_space(name)
    hashes = set()
    for arch in space.archs():
        matrix, ops = space.nb101_spec(arch)
        if arch.ops == (MP,) * space.steps:  # once per parent choice
            assert graph.prune(matrix, ops) == graph.prune(_loose_ends_matrix(space, arch.parents), ops)
        hashes.add(graph.spec_hash(matrix, ops))
    assert len(hashes) == DISTINCT[name]
    assert len(hashes) < WITHOUT[name][3]  # isomorphic graphs merge


@pytest.mark.slow  # about 70 s on the 2-core machine
def test_distinct_nb101_models_of_ss3():
    """SS3 (1,312,200 archs): the ops of blocks that prune removes do not change the model, so every
    distinct discretised graph with every op choice of the blocks it keeps (135,900 specs) is hashed."""
    graph = pytest.importorskip("darts_core.benchmark.nb101.graph")
    space = get_space("nb1shot1-s3")
    graphs = {}
    for parents in itertools.product(*[space.parent_sets(k) for k in range(1, space.steps + 2)]):
        matrix = space.nb101_spec(Arch(3, (MP,) * 5, parents))[0]
        graphs.setdefault(str(matrix), (matrix, parents))
    hashes, specs = set(), 0
    for matrix, parents in graphs.values():
        kept = [k for k in range(1, 6) if any(matrix[k])]
        for combo in itertools.product(OPS, repeat=len(kept)):
            ops = dict(zip(kept, combo))
            hashes.add(graph.spec_hash(*space.nb101_spec(Arch(3, tuple(ops.get(k, MP) for k in range(1, 6)), parents))))
            specs += 1
    assert (len(graphs), specs, len(hashes)) == (WITHOUT["nb1shot1-s3"][2], WITHOUT["nb1shot1-s3"][3], DISTINCT["nb1shot1-s3"])


# --- alpha logs and the stop criteria ----------------------------------------------------------------
def _log(space, epoch: int, mixed, inputs, output) -> pd.DataFrame:
    rows = [runlog.alpha_rows(epoch, "normal", space.cell_edges("normal"), OPS, np.log(mixed), mixed)]
    for edge, ops, w in zip(space.cell_edges("inputs"), space.fixed_ops("inputs"), inputs):
        rows.append(runlog.alpha_rows(epoch, "inputs", [edge], ops, np.log([w]), [w]))
    rows.append(runlog.alpha_rows(epoch, "output", ["out"], space.fixed_ops("output")[0], np.log([output]), [output]))
    return pd.concat(rows, ignore_index=True)


def test_alpha_log_is_recognised_and_derives_the_arch(tmp_path):
    s2 = get_space("nb1shot1-s2")
    uniform = _log(s2, 0, np.full((4, 3), 1 / 3), [[0.5] * 2, [1 / 3] * 3, [0.25] * 4], [0.2] * 5)
    mixed = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.4, 0.3]])
    inputs = [[0.1, 0.9], [0.5, 0.1, 0.4], [0.1, 0.3, 0.2, 0.4]]
    df = pd.concat([uniform, _log(s2, 1, mixed, inputs, [0.3, 0.1, 0.2, 0.35, 0.05])], ignore_index=True)
    runlog.write_table(df, tmp_path / runlog.ALPHAS)
    df = runlog.read_alphas(tmp_path / runlog.ALPHAS, s2.known_ops)
    for declared in (None, "nb1shot1-s2"):  # told by run.json, or from the cells and edges alone
        info = space_info.from_alphas(df, declared)
        assert info.space is s2 and info.cells == s2.cells and info.learnable_ops == (C3, C1)
        assert info.arch(df, 1) == s2.arch_string(s2.discretise(mixed, inputs, [0.3, 0.1, 0.2, 0.35, 0.05]))
    with pytest.raises(DartsCoreError, match="needs cell"):
        space_info.from_alphas(df[df["cell"] != "output"], "nb1shot1-s2")
    # the same rows cannot be read as SS1 (node 2 has no input alphas there)
    with pytest.raises(DartsCoreError, match="cell inputs has edge in2, which the nb1shot1-s1 space does not have"):
        space_info.from_alphas(df, "nb1shot1-s1")
    # the default criteria: magnitudes over the three ops of the choice blocks, DARTS+ rt over the convs,
    # DARTS-ES not computable without a Hessian; no skip-connect criterion
    stops = evaluate(df, space="nb1shot1-s2")
    assert list(stops["criterion"]) == list(s2.default_criteria)
    assert not any(c.startswith("darts+_sc") for c in s2.default_criteria)
    row = stops.set_index("criterion")
    assert row.loc["final", "arch"] == info.arch(df, 1)
    assert row.loc["darts_es", "note"].startswith("not computable")
    for c in ("ss_peak:conv3x3-bn-relu", "ss_residual:conv3x3-bn-relu", "darts+_rt:10"):
        assert not row.loc[c, "note"].startswith("not computable"), row.loc[c, "note"]


def test_every_space_reports_a_count():
    for space in SPACES.values():
        count, what = space.arch_count()
        assert count > 0 and what
    assert SPACES["nb201"].arch_count()[0] == 5 ** 6
    assert SPACES["darts"].arch_count()[0] == (1 * 3 * 6 * 10 * 7 ** 8) ** 2  # C(i,2) input pairs, 7 ops each


def test_a_study_config_may_name_the_spaces():
    """The schema takes space names from the registry (x-registry): an experiment may say space: nb1shot1-s1."""
    from darts_core.study.config import check_schema, read_configs

    cfg = read_configs()
    exp = next(iter(cfg["experiments"].values()))
    for name in NAMES:
        exp["space"] = name
        check_schema(cfg)
    exp["space"] = "nb1shot1-s4"
    with pytest.raises(DartsCoreError, match="nb1shot1-s4"):
        check_schema(cfg)
