"""Lookups on a small synthetic table (no shared data needed)."""

import math

import numpy as np
import pandas as pd
import pytest

from darts_core.benchmark.lookup import lookup_archs, lookup_run, lookup_stops, wide_table
from darts_core.benchmark.nb201_index import arch_index, index_to_arch
from darts_core.benchmark.table import METRIC_COLUMNS, long_table
from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import arch_string

ALL_SKIP = arch_string(["skip_connect"] * 6)
ALL_CONV3 = arch_string(["nor_conv_3x3"] * 6)
ABSENT = arch_string(["avg_pool_3x3"] * 6)


@pytest.fixture
def table():
    indexes = np.array([1462, 1835, 7])
    acc = {("cifar10", "valid"): [91.0, 39.77, 50.0], ("cifar10", "test"): [94.0, 54.3, 60.0],
           ("cifar100", "test"): [72.0, 15.61, 30.0], ("ImageNet16-120", "test"): [46.0, 16.32, 20.0]}
    return long_table({k: np.array(v) for k, v in acc.items()}, indexes, [index_to_arch(i) for i in indexes])


def test_lookup_archs_wide_columns_and_order(table):
    out = lookup_archs([ALL_SKIP, ALL_CONV3, ABSENT], table)
    assert list(out.columns) == ["arch", "index", *METRIC_COLUMNS]
    assert out["index"].tolist() == [1835, 1462, arch_index(ABSENT)]
    assert out.loc[0, "cifar10_valid"] == 39.77 and out.loc[1, "ImageNet16-120_test"] == 46.0
    assert out.loc[0, ["cifar100_valid", "ImageNet16-120_valid"]].isna().all()  # not in the source
    assert out.loc[2, list(METRIC_COLUMNS)].isna().all()  # arch not in the table
    assert lookup_archs(ALL_SKIP, table)["index"].tolist() == [1835]


def test_lookup_rejects_malformed(table):
    with pytest.raises(DartsCoreError, match="unknown op"):
        lookup_archs(["|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"], table)


def test_wide_table_is_cached_per_table(table):
    assert wide_table(table) is wide_table(table)
    other = table.copy()
    other.loc[other["index"] == 1835, "accuracy"] = 1.0
    assert wide_table(other).loc[1835, "cifar10_test"] == 1.0
    assert wide_table(table).loc[1835, "cifar10_test"] == 54.3


def test_lookup_run_gives_the_curve(table, tmp_path):
    pd.DataFrame({"epoch": [0, 1, 2], "arch": [ALL_CONV3, ALL_CONV3, ALL_SKIP]}).to_csv(tmp_path / "genotypes.csv", index=False)
    curve = lookup_run(tmp_path, table)
    assert list(curve.columns) == ["epoch", "arch", "index", *METRIC_COLUMNS]
    assert curve["epoch"].tolist() == [0, 1, 2]
    assert curve["cifar10_test"].tolist() == [94.0, 94.0, 54.3]
    with pytest.raises(DartsCoreError, match="genotypes.csv does not exist"):
        lookup_run(tmp_path / "nope", table)


def test_lookup_stops_keeps_columns_and_fills_metrics(table, tmp_path):
    stops = pd.DataFrame({"criterion": ["final", "sc_2"], "epoch": [50, 12], "arch": [ALL_SKIP, ALL_CONV3],
                          "cifar10_test": [np.nan, np.nan], "note": ["x", "y"]})
    out = lookup_stops(stops, table)
    assert list(out.columns) == ["criterion", "epoch", "arch", "note", "index", *METRIC_COLUMNS]
    assert out["cifar10_test"].tolist() == [54.3, 94.0] and out["index"].tolist() == [1835, 1462]
    stops.to_csv(tmp_path / "stops.csv", index=False)
    pd.testing.assert_frame_equal(lookup_stops(tmp_path / "stops.csv", table), out)
    assert math.isnan(stops.loc[0, "cifar10_test"])  # input untouched
    with pytest.raises(DartsCoreError, match="arch column"):
        lookup_stops(stops.drop(columns="arch"), table)
