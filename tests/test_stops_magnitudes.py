"""Operation magnitudes (Eq. 11) and selective stop (Eq. 12-13) on hand-computed trajectories."""

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201
from darts_core.stops.magnitudes import magnitude_table, magnitudes
from darts_core.stops.selective_stop import first_max, ss_curve, ss_peak, ss_residual


def nb201_log(per_epoch_weights):
    """per_epoch_weights: list of (6, 5) weight arrays -> tidy log, alpha = log(weight)."""
    frames = [runlog.alpha_rows(e, "normal", nb201.EDGES, nb201.OPS, np.log(np.maximum(w, 1e-12)), w)
              for e, w in enumerate(per_epoch_weights)]
    return pd.concat(frames, ignore_index=True)


def uniform_edges(row):
    return np.tile(np.asarray(row, dtype=float), (6, 1))


def test_magnitude_is_the_mean_over_edges():
    w = np.full((6, 5), 0.2)
    w[0] = [0.0, 0.1, 0.1, 0.7, 0.1]  # edge 1<-0 prefers conv3x3
    w[5] = [0.1, 0.5, 0.1, 0.2, 0.1]
    mags = magnitudes(nb201_log([np.full((6, 5), 0.2), w]))
    assert list(mags.columns) == ["epoch", "cell", "op", "magnitude"]
    assert mags["op"].iloc[:5].tolist() == list(nb201.OPS)  # official op order
    m1 = magnitude_table(mags).loc[1]
    # conv3x3: (0.7 + 0.2*4 + 0.2) / 6 = 1.7 / 6
    assert m1["nor_conv_3x3"] == pytest.approx(1.7 / 6)
    assert m1["skip_connect"] == pytest.approx((0.1 + 0.8 + 0.5) / 6)
    assert m1["none"] == pytest.approx(0.8 / 6 + 0.1 / 6)
    assert magnitude_table(mags).loc[0].tolist() == pytest.approx([0.2] * 5)


def test_magnitudes_per_cell_for_the_darts_space_and_ops_missing_on_some_edges():
    rows = []
    for cell, value in (("normal", 0.9), ("reduce", 0.3)):
        for k, edge in enumerate(darts_space.EDGES):
            ops = ("skip_connect", "sep_conv_3x3") if k else ("max_pool_3x3", "sep_conv_3x3")  # S1-like edge 0
            ws = (1 - value, value)
            rows += [(0, cell, edge, op, float(np.log(w)), w) for op, w in zip(ops, ws)]
    mags = magnitudes(pd.DataFrame(rows, columns=list(runlog.ALPHA_COLUMNS)))
    normal, reduce = magnitude_table(mags, "normal").loc[0], magnitude_table(mags, "reduce").loc[0]
    assert normal["sep_conv_3x3"] == pytest.approx(0.9) and reduce["sep_conv_3x3"] == pytest.approx(0.3)
    # skip_connect exists on 13 of the 14 edges: Eq. 11 still divides by N = 14
    assert normal["skip_connect"] == pytest.approx(13 * 0.1 / 14)
    assert normal["max_pool_3x3"] == pytest.approx(0.1 / 14)
    assert mags["cell"].unique().tolist() == ["normal", "reduce"]


def conv3_trajectory(values, other=None):
    """Weights whose conv3x3 magnitude follows `values`; the rest split evenly (rows sum to 1)."""
    out = []
    for v in values:
        row = [(1 - v) / 4] * 5
        row[3] = v
        if other is not None:
            row = other(row)
        out.append(uniform_edges(row))
    return out


def test_ss_peak_picks_the_maximum_after_epoch_0():
    # epoch 0 has the largest value but is the initialisation: Eq. 11-13 use 0 < t <= T
    mags = magnitudes(nb201_log(conv3_trajectory([0.9, 0.2, 0.3, 0.5, 0.4, 0.35])))
    stop = ss_peak(mags, "nor_conv_3x3")
    assert (stop.epoch, stop.met) == (3, True)
    # softmax rows sum to 1, so Eq. 13 = 5 m - 1 peaks at the same epoch
    res = ss_residual(mags, "nor_conv_3x3")
    assert (res.epoch, res.met) == (3, True)
    curve = ss_curve(mags, "nor_conv_3x3", kind="residual")
    assert curve.loc[3] == pytest.approx(4 * 0.5 - 4 * 0.125)


def test_ties_go_to_the_earliest_epoch():
    mags = magnitudes(nb201_log(conv3_trajectory([0.2, 0.3, 0.6, 0.4, 0.6, 0.1])))
    assert ss_peak(mags, "nor_conv_3x3").epoch == 2
    assert first_max(pd.Series([1.0, 2.0, 2.0], index=[1, 2, 3])) == (2, 2.0)


def test_maximum_at_the_last_epoch_is_not_a_peak():
    mags = magnitudes(nb201_log(conv3_trajectory([0.2, 0.3, 0.4, 0.5])))
    stop = ss_peak(mags, "nor_conv_3x3")
    assert (stop.epoch, stop.met) == (3, False)
    assert "last logged epoch 3" in stop.note


def test_residual_differs_from_peak_when_rows_do_not_sum_to_one():
    # rounded / non-softmax weights: m(conv3) peaks at epoch 1, but the others grow more at epoch 1
    w1 = uniform_edges([0.10, 0.10, 0.10, 0.50, 0.30])  # sum 1.1: residual 4*0.5 - 0.6 = 1.4
    w2 = uniform_edges([0.05, 0.05, 0.05, 0.45, 0.05])  # sum 0.65: residual 4*0.45 - 0.2 = 1.6
    w3 = uniform_edges([0.20, 0.20, 0.20, 0.20, 0.20])  # residual 0
    mags = magnitudes(nb201_log([uniform_edges([0.2] * 5), w1, w2, w3]))
    assert ss_peak(mags, "nor_conv_3x3").epoch == 1
    assert ss_curve(mags, "nor_conv_3x3", kind="residual").loc[[1, 2, 3]].tolist() == pytest.approx([1.4, 1.6, 0.0])
    assert ss_residual(mags, "nor_conv_3x3").epoch == 2


def test_selective_stop_rejects_an_op_not_in_the_cell():
    mags = magnitudes(nb201_log(conv3_trajectory([0.2, 0.3, 0.1])))
    with pytest.raises(DartsCoreError, match="sep_conv_3x3"):
        ss_peak(mags, "sep_conv_3x3")
    with pytest.raises(DartsCoreError, match="reduce"):
        ss_peak(mags, "nor_conv_3x3", cell="reduce")


def test_magnitudes_reject_nan_weights():
    df = nb201_log(conv3_trajectory([0.2, 0.3]))
    df.loc[37, "weight"] = np.nan
    with pytest.raises(DartsCoreError, match="row 37"):
        magnitudes(df)
