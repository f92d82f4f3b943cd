import numpy as np
import pytest

from darts_core.errors import DartsCoreError
from darts_core.spaces import nb201

ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"


def test_edges_in_official_order():
    assert nb201.EDGES == ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")


def test_arch_string_round_trip():
    ops = ("nor_conv_3x3", "none", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3")
    text = nb201.arch_string(ops)
    assert text == "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    assert nb201.parse_arch(text) == ops
    assert nb201.arch_string(["skip_connect"] * 6) == ALL_SKIP


@pytest.mark.parametrize(
    "bad, words",
    [
        ("|skip_connect~0|+|skip_connect~0|skip_connect~1|", "3 nodes"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "should end in ~0"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "needs 2 inputs"),
        ("none~0+|none~0|none~1|+|none~0|none~1|none~2|", "must look like"),
    ],
)
def test_malformed_strings_name_the_problem(bad, words):
    with pytest.raises(DartsCoreError, match=words):
        nb201.parse_arch(bad)


def test_derive_arch_is_argmax_including_none_first_on_ties():
    w = np.full((6, 5), 0.2)
    w[:, 0] = 0.3  # none wins everywhere (official argmax includes none)
    w[2] = [0.1, 0.1, 0.4, 0.4, 0.0]  # tie: first op wins, like torch.argmax
    assert nb201.parse_arch(nb201.derive_arch(w)) == ("none", "none", "nor_conv_1x1", "none", "none", "none")


def test_op_subset_keeps_official_order_and_rejects_unknown():
    assert nb201.check_ops(["avg_pool_3x3", "none"]) == ("none", "avg_pool_3x3")
    with pytest.raises(DartsCoreError, match="unknown NAS-Bench-201 op 'sep_conv_3x3'"):
        nb201.check_ops(["sep_conv_3x3"])
