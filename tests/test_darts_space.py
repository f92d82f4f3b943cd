import numpy as np
import pytest

from darts_core.errors import DartsCoreError
from darts_core.spaces import darts


def uniform_weights(n_ops: int, value: float = 0.1) -> np.ndarray:
    return np.full((14, n_ops), value)


def test_edges_and_ops_in_official_order():
    assert darts.EDGES[:5] == ("2<-0", "2<-1", "3<-0", "3<-1", "3<-2")
    assert len(darts.EDGES) == 14 and darts.EDGES[-1] == "5<-4"
    assert darts.OPS == ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                         "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")


def test_robustdarts_spaces():
    s1, s2, s3, s4 = (darts.get_space(n) for n in ("s1", "s2", "s3", "s4"))
    assert len(s1.normal) == len(s1.reduce) == 14 and all(len(e) == 2 for e in s1.normal + s1.reduce)
    assert s1.normal[0] == ("skip_connect", "dil_conv_3x3") and s1.normal[5] == ("max_pool_3x3", "skip_connect")
    assert s1.normal[13] == ("dil_conv_3x3", "dil_conv_5x5")
    assert s1.reduce[0] == ("max_pool_3x3", "avg_pool_3x3") and s1.reduce[6] == ("max_pool_3x3", "sep_conv_3x3")
    assert s1.normal != s1.reduce
    assert set(s2.normal) == set(s2.reduce) == {("skip_connect", "sep_conv_3x3")}
    assert set(s3.normal) == set(s3.reduce) == {("none", "skip_connect", "sep_conv_3x3")}
    assert set(s4.normal) == set(s4.reduce) == {("noise", "sep_conv_3x3")}
    assert darts.get_space("darts").normal == (darts.OPS,) * 14
    with pytest.raises(DartsCoreError, match="unknown DARTS-space variant 's5'"):
        darts.get_space("s5")


def test_derivation_excludes_none_from_ranking_and_argmax():
    w = uniform_weights(8, 0.01)
    w[0, 4], w[1, 5] = 0.5, 0.4  # node 2: both its edges, sep3 on input 0, sep5 on input 1
    w[2, 0] = 0.95  # 3<-0: `none` dominates but must neither rank the edge nor be chosen
    w[3, 6], w[4, 3] = 0.3, 0.2  # 3<-1 dil3 (0.3) and 3<-2 skip (0.2) win node 3
    w[5:9, 0] = 0.9  # node 4: none everywhere strongest; real ops below
    w[5, 1], w[6, 2], w[7, 7], w[8, 4] = 0.05, 0.06, 0.08, 0.07
    g = darts.derive_genotype(w, w, "darts")
    assert g.normal[:2] == (("sep_conv_3x3", 0), ("sep_conv_5x5", 1))
    assert g.normal[2:4] == (("dil_conv_3x3", 1), ("skip_connect", 2))
    assert g.normal[4:6] == (("dil_conv_5x5", 2), ("sep_conv_3x3", 3))  # ranked by strongest non-none op
    assert "none" not in {op for op, _ in g.normal + g.reduce}
    assert g.normal_concat == g.reduce_concat == (2, 3, 4, 5)


def test_derivation_ties_keep_lower_input_and_first_op():
    g = darts.derive_genotype(uniform_weights(8), uniform_weights(8), "darts")
    # all equal: each node keeps inputs 0 and 1, op = first non-none op (max_pool_3x3)
    assert g.normal == tuple(("max_pool_3x3", j) for _ in range(4) for j in (0, 1))


def test_derivation_none_excluded_by_name_wherever_it_sits():
    ops = [("skip_connect", "none", "sep_conv_3x3")] * 14
    w = uniform_weights(3, 0.0)
    w[:, 1] = 1.0  # none strongest everywhere
    w[:, 0] = np.linspace(0.1, 0.5, 14)  # skip grows with the edge index
    w[2, 2] = 0.9  # 3<-0: sep3
    g = darts.derive_genotype(w, w, ops)
    assert g.normal[2:4] == (("sep_conv_3x3", 0), ("skip_connect", 2))
    assert g.normal[6:] == (("skip_connect", 4), ("skip_connect", 3))


def test_s3_and_s1_derivation_use_each_cells_op_lists():
    s1 = darts.get_space("s1")
    wn, wr = uniform_weights(2), uniform_weights(2)
    wn[:, 1], wr[:, 0] = 0.9, 0.9
    g = darts.derive_genotype(wn, wr, "s1")
    assert g.normal[0] == (s1.normal[0][1], 0) and g.reduce[0] == (s1.reduce[0][0], 0)
    w3 = uniform_weights(3)
    w3[:, 0] = 0.99  # none strongest in S3
    g3 = darts.derive_genotype(w3, w3, "s3")
    assert {op for op, _ in g3.normal} == {"skip_connect"}


def test_derivation_rejects_wrong_shapes():
    with pytest.raises(DartsCoreError, match="14 edges"):
        darts.derive_genotype(np.zeros((13, 8)), np.zeros((14, 8)))
    with pytest.raises(DartsCoreError, match="3 weights for 8 ops"):
        darts.derive_genotype(np.zeros((14, 3)), np.zeros((14, 3)))


@pytest.mark.parametrize("name", sorted(darts.PUBLISHED_TEXT))
def test_string_round_trip(name):
    g = darts.published(name)
    text = darts.genotype_string(g)
    assert darts.parse_genotype(text) == g
    assert darts.parse_genotype(darts.PUBLISHED_TEXT[name]) == g
    assert "normal_concat=range(2, 6)" in text


def test_quark0_list_and_range_concat_are_equal():
    v2 = darts.PUBLISHED_TEXT["DARTS_V2"]
    assert darts.parse_genotype(v2.replace("[2, 3, 4, 5]", "range(2, 6)")) == darts.published("DARTS_V2")
    odd = darts.parse_genotype(v2.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[4, 5]"))
    assert darts.parse_genotype(darts.genotype_string(odd)).reduce_concat == (4, 5)


V2 = darts.PUBLISHED_TEXT["DARTS_V2"]


@pytest.mark.parametrize("bad, words", [
    ("DARTS_V2", "must look like Genotype"),
    ("Genotype(normal=[('sep_conv_3x3', 0)", "not valid syntax"),
    ("Genotype([], [], [], [])", "by name"),
    (V2.replace(", reduce_concat=[2, 3, 4, 5]", ""), r"missing field\(s\) \['reduce_concat'\]"),
    (V2.replace("'sep_conv_3x3', 0", "'conv_9x9', 0", 1), "unknown op 'conv_9x9'"),
    (V2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', 2)", 1), "node 2 cannot take input 2"),
    (V2.replace("('sep_conv_3x3', 0), ", "", 1), "2 \\(op, input\\) pairs per node"),
    (V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 9]"), "must name nodes 0..5"),
    (V2.replace("normal=[", "normal=[__import__('os').getcwd(), ", 1), "not a literal list"),
    (V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat='2345'"), "range\\(a, b\\) or a list of ints"),
    (V2.replace("('sep_conv_3x3', 0)", "('sep_conv_3x3', '0')", 1), "list of \\('op', input\\) pairs"),
])
def test_malformed_strings_name_the_problem(bad, words):
    with pytest.raises(DartsCoreError, match=words):
        darts.parse_genotype(bad)


def test_weights_from_log_reads_s1_rows():
    import pandas as pd

    s1 = darts.get_space("s1")
    rows = [(0, cell, e, op, 0.0, 0.1 * k) for cell in darts.CELLS for e, ops in zip(darts.EDGES, s1.ops(cell))
            for k, op in enumerate(ops)]
    df = pd.DataFrame(rows, columns=["epoch", "cell", "edge", "op", "alpha", "weight"])
    w = darts.weights_from_log(df, 0, "reduce", "s1")
    assert len(w) == 14 and all(list(v) == [0.0, 0.1] for v in w)
    with pytest.raises(DartsCoreError, match="no row for epoch 3"):
        darts.weights_from_log(df, 3, "normal", "s1")
