"""darts_core.report.stats: mean ± std over seeds (ddof 0), missing seeds counted and named."""

import math

import numpy as np
import pandas as pd
import pytest

from darts_core.report.stats import DDOF, aggregate, format_mean_std, mean_std


def test_mean_std_population_convention():
    mean, std, n = mean_std([90.0, 92.0, 94.0])
    assert (mean, n) == (92.0, 3)
    assert DDOF == 0
    assert std == pytest.approx(np.std([90, 92, 94]))  # ddof=0, as NAS-Bench-201's tables
    assert mean_std([90.0, 92.0, 94.0], ddof=1)[1] == pytest.approx(2.0)


def test_single_and_empty():
    assert mean_std([54.3]) == (54.3, 0.0, 1)
    mean, std, n = mean_std([])
    assert math.isnan(mean) and math.isnan(std) and n == 0
    assert mean_std([float("nan"), 1.0])[2] == 1


def test_missing_seeds_reported_not_dropped():
    per_seed = pd.DataFrame({"seed": [0, 1, 3], "acc": [90.0, float("nan"), 94.0], "other": [1.0, 2.0, 3.0]})
    agg = aggregate(per_seed, [0, 1, 2, 3, 4], ["acc", "other", "absent"]).set_index("metric")
    assert agg.loc["acc", "n"] == 2 and agg.loc["acc", "expected"] == 5
    assert agg.loc["acc", "missing"] == "1,2,4"  # NaN for seed 1, no row for seeds 2 and 4
    assert agg.loc["acc", "mean"] == 92.0 and agg.loc["acc", "std"] == 2.0
    assert agg.loc["other", "missing"] == "2,4"
    assert agg.loc["absent", "n"] == 0 and agg.loc["absent", "missing"] == "0,1,2,3,4"
    assert math.isnan(agg.loc["absent", "mean"])
    assert (agg["ddof"] == 0).all()


def test_complete_seeds_have_empty_missing():
    per_seed = pd.DataFrame({"seed": [0, 1], "acc": [1.0, 3.0]})
    agg = aggregate(per_seed, None, ["acc"])
    assert agg.loc[0, "missing"] == "" and agg.loc[0, "n"] == 2 and agg.loc[0, "std"] == 1.0


def test_format():
    assert format_mean_std(93.756, 0.004) == "93.76 ± 0.00"
    assert format_mean_std(93.756, float("nan")) == "93.76"
    assert format_mean_std(float("nan"), 1.0) == "-"
