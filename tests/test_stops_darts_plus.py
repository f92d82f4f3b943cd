"""DARTS+ sc_k / rt_k and the DARTS-ES rule (RobustDARTS EVLocalAvg) on hand-computed trajectories."""

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201
from darts_core.stops import space_info
from darts_core.stops.darts_es import EVLocalAvg, darts_es_stop, infer_ev_freq
from darts_core.stops.darts_plus import rt_stop, sc_stop

S, C1, C3, P, N = "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none"


def arch(*ops):
    return nb201.arch_string(ops)


NB = space_info.genotype_only("nb201")


# --- sc_k ---------------------------------------------------------------------------------------
def test_sc_counts_argmax_skip_edges_and_stops_at_the_first_epoch_with_k():
    archs = pd.Series({0: arch(S, S, S, S, C3, C3),  # epoch 0 (initialisation) is never a stop point
                       1: arch(S, C3, C3, C3, C3, N),
                       2: arch(S, C3, S, C3, C3, C3),
                       3: arch(S, S, S, C3, C3, C3)})
    assert NB.skip_connects(archs[3]) == 3
    stop = sc_stop(archs, 2, NB.skip_connects)
    assert (stop.epoch, stop.met) == (2, True)
    assert sc_stop(archs, 3, NB.skip_connects).epoch == 3


def test_sc_never_met_uses_the_final_epoch():
    archs = pd.Series({0: arch(C3, C3, C3, C3, C3, C3), 1: arch(S, C3, C3, C3, C3, C3), 2: arch(C1, C3, C3, C3, C3, S)})
    stop = sc_stop(archs, 2, NB.skip_connects)
    assert (stop.epoch, stop.met) == (2, False)
    assert "at most 1" in stop.note


def test_sc_in_the_darts_space_counts_the_normal_cell_only():
    g = darts_space.make_genotype([(S, 0), (S, 1), ("sep_conv_3x3", 0), (S, 2), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
                                   ("dil_conv_3x3", 0), ("sep_conv_3x3", 1)], range(2, 6),
                                  [(S, 0)] * 2 + [(S, 1)] * 6, range(2, 6))
    dn = space_info.genotype_only("darts")
    assert dn.skip_connects(darts_space.genotype_string(g)) == 3  # the reduce cell's 8 skips do not count


# --- rt_k ---------------------------------------------------------------------------------------
def rt_log(orders):
    """NB201 log whose learnable-op ranking per edge is given per epoch: 'a' = conv1x1 > conv3x3, 'b' = reverse.
    Non-learnable ops change every epoch (they must not matter)."""
    frames = []
    for e, order in enumerate(orders):
        a = np.zeros((6, 5))
        a[:, 0] = e * 0.3  # `none` grows: does not count
        a[:, 1] = -e * 0.2
        for edge, c in enumerate(order):
            a[edge, 2], a[edge, 3] = (0.5 + e, 0.1 + e) if c == "a" else (0.1 + e, 0.5 + e)
        w = np.exp(a) / np.exp(a).sum(1, keepdims=True)
        frames.append(runlog.alpha_rows(e, "normal", nb201.EDGES, nb201.OPS, a, w))
    return pd.concat(frames, ignore_index=True)


def test_rt_first_epoch_whose_ranking_equals_the_k_before():
    orders = ["aaaaaa", "baaaaa", "bbaaaa", "bbaaaa", "bbaaaa", "bbaaab", "bbaaab", "bbaaab", "bbaaab"]
    df = rt_log(orders)
    info = space_info.from_alphas(df)
    assert info.learnable_ops == (C1, C3)
    ranks = info.rankings(df)
    assert ranks[2] == ranks[3] != ranks[1]
    # rankings 2,3,4 identical -> stable for 2 epochs at epoch 4; 5..8 identical -> stable for 3 epochs at 8
    assert rt_stop(ranks, 1).epoch == 3
    assert rt_stop(ranks, 2).epoch == 4
    stop = rt_stop(ranks, 3)
    assert (stop.epoch, stop.met) == (8, True)
    never = rt_stop(ranks, 4)
    assert (never.epoch, never.met) == (8, False)
    assert "longest: 3" in never.note


def test_rt_counts_epoch_0_as_the_first_reference():
    ranks = space_info.from_alphas(rt_log(["aaaaaa"] * 3)).rankings(rt_log(["aaaaaa"] * 3))
    assert rt_stop(ranks, 2).epoch == 2


def test_k_must_be_positive():
    with pytest.raises(DartsCoreError, match="positive"):
        rt_stop(pd.Series({0: ()}), 0)


# --- DARTS-ES -------------------------------------------------------------------------------------
def rd_hessian(ev_of_k, n_epochs=50, freq=2):
    """hessian.csv rows as RobustDARTS measures them: after epoch k for k % 2 == 0 and k = 49; our epoch k+1."""
    ks = [k for k in range(n_epochs) if k % freq == 0 or k == n_epochs - 1]
    return pd.DataFrame({"epoch": [k + 1 for k in ks], "eigenvalue": [ev_of_k(k) for k in ks]})


def test_darts_es_hand_computed_stop():
    # ev = 1 up to k = 26, then 2. Check at k: la(k-4) = mean(ev[k-8..k]) vs la(k-12) = mean(ev[k-16..k-8]).
    # k = 28: (4*1 + 2)/5 = 1.2 -> no; k = 30: (3*1 + 2*2)/5 = 1.4 > 1.3 -> stop at k-12 = 18 -> our epoch 19
    h = rd_hessian(lambda k: 1.0 if k <= 26 else 2.0)
    stop = darts_es_stop(h, 50)
    assert (stop.epoch, stop.met) == (19, True)
    assert "1.400 > 1.3 at epoch 31" in stop.note


def test_darts_es_not_before_epoch_10_and_not_at_the_last_epoch():
    early = rd_hessian(lambda k: 1.0 if k <= 2 else 10.0)  # first check (k=22) compares la(18)=10 with la(10)=10
    stop = darts_es_stop(early, 50)
    assert (stop.epoch, stop.met) == (50, False)
    last = rd_hessian(lambda k: 100.0 if k == 49 else 1.0)  # the final-epoch value is never a decision point
    assert darts_es_stop(last, 50).met is False


def test_darts_es_options_change_the_rule():
    h = rd_hessian(lambda k: 1.0 if k <= 26 else 2.0)
    # k = 30: 1.4 <= 1.5; k = 32: la(28) = (2*1 + 3*2)/5 = 1.6 over la(20) = 1 -> stop at k-12 = 20 (our 21)
    assert darts_es_stop(h, 50, factor=1.5).epoch == 21
    assert darts_es_stop(h, 50, factor=2.5).met is False


def test_local_average_bookkeeping_matches_the_documented_rule():
    t = EVLocalAvg(window=5, ev_freq=2, epochs=50)
    evs = {0: 1.0, 2: 2.0, 4: 3.0, 6: 4.0, 8: 5.0, 10: 6.0}
    for k, v in evs.items():
        t.update(k, v)
    # averages start with 3 values: mean(1,2,3)=2 (la 0), mean(1..4)=2.5 (la 2), mean(1..5)=3 (la 4), mean(2..6)=4 (la 6)
    assert t.ev_local_avg == [2.0, 2.5, 3.0, 4.0]
    assert t.la_epochs == {0: -1, 2: -1, 4: 0, 6: 2, 8: 4, 10: 6}
    assert infer_ev_freq([1, 3, 5, 7, 8]) == 2


def test_darts_es_rejects_bad_hessian_tables():
    with pytest.raises(DartsCoreError, match="row 1 has a non-finite eigenvalue"):
        darts_es_stop(pd.DataFrame({"epoch": [1, 3], "eigenvalue": [1.0, np.nan]}), 50)
    with pytest.raises(DartsCoreError, match="repeats epoch 1"):
        darts_es_stop(pd.DataFrame({"epoch": [1, 1], "eigenvalue": [1.0, 2.0]}), 50)
