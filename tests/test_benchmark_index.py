import itertools

import pandas as pd
import pytest

from darts_core.benchmark.nb201_index import NUM_ARCHS, all_archs, arch_index, index_to_arch
from darts_core.benchmark.table import CSV_COLUMNS
from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import OPS, arch_string

ALL_CONV3 = arch_string(["nor_conv_3x3"] * 6)
ALL_SKIP = arch_string(["skip_connect"] * 6)


def test_known_indexes():
    assert arch_index(ALL_CONV3) == 1462
    assert arch_index(ALL_SKIP) == 1835
    # the asserts of AutoDL-Projects exps/NAS-Bench-201/main.py generate_meta_info
    assert index_to_arch(0) == "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    assert index_to_arch(9) == "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
    assert index_to_arch(123) == "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"


def test_bijection_over_the_whole_space():
    archs = all_archs()
    assert len(archs) == NUM_ARCHS == len(set(archs))
    assert set(archs) == {arch_string(ops) for ops in itertools.product(OPS, repeat=6)}
    for i in (0, 1, 777, 15624):
        assert arch_index(archs[i]) == i and index_to_arch(i) == archs[i]


def test_does_not_touch_global_random_state():
    import random

    from darts_core.benchmark import nb201_index

    random.seed(5)
    expected = random.random()
    random.seed(5)
    nb201_index._permutation.cache_clear()  # force the shuffle to run again
    arch_index(ALL_SKIP)
    assert random.random() == expected


@pytest.mark.parametrize("bad, words", [
    ("|skip_connect~0|+|skip_connect~0|skip_connect~1|", "3 nodes"),
    ("|conv3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv3'"),
    ("", "3 nodes"),
    (1462, "must be a string"),
])
def test_malformed_strings_give_clear_errors(bad, words):
    with pytest.raises(DartsCoreError, match=words):
        arch_index(bad)


@pytest.mark.parametrize("bad", [-1, NUM_ARCHS, "x"])
def test_bad_index(bad):
    with pytest.raises(DartsCoreError, match="index"):
        index_to_arch(bad)


def test_index_matches_row_order_of_the_shared_csvs(nb201_csv_dir):
    archs = pd.Series(all_archs())
    for name, (arch_col, _) in CSV_COLUMNS.items():
        rows = pd.read_csv(nb201_csv_dir / name, usecols=[arch_col])[arch_col]
        assert len(rows) == NUM_ARCHS
        assert (rows == archs).all(), name
        # and string -> index for every row (the direction users call)
        assert [arch_index(a) for a in rows] == list(range(NUM_ARCHS))
