"""REINFORCE: the hand-computed update, the EMA baseline, official random streams, budget and trace rules."""

import pytest
import torch
from tabular_synth import BEST_ACC, synthetic_proxy
from torch.distributions import Categorical

from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import OPS, arch_string
from darts_core.tabular import reinforce
from darts_core.tabular.reinforce import EMA, Policy

PROXY = synthetic_proxy()


def test_ema_is_bias_corrected():
    ema = EMA(0.9)
    ema.update(10.0)
    assert ema.value() == pytest.approx(10.0)  # the first value exactly: advantage 0 on the first step
    ema.update(20.0)
    assert ema.value() == pytest.approx((0.9 * 0.1 * 10 + 0.1 * 20) / (0.9 * 0.1 + 0.1))  # 15.263...


def test_one_update_moves_each_edge_toward_the_rewarded_op():
    policy = Policy(seed=0, learning_rate=0.1)
    before, probs_before = policy.logits.detach().clone(), policy.probs().detach()
    log_prob, ops = policy.sample()
    policy.step(log_prob, advantage=2.0)
    # loss = -A * sum_e log p_e(a_e); d/d logit[e, k] = -A * (1[k = a_e] - p[e, k]): negative for the chosen
    # op, positive for the others. Adam's first step is -lr * m_hat / (sqrt(v_hat) + eps) = -lr * sign(grad).
    chosen = torch.tensor([OPS.index(op) for op in ops])
    expected = before - 0.1
    expected[torch.arange(6), chosen] = before[torch.arange(6), chosen] + 0.1
    assert torch.allclose(policy.logits.detach(), expected, atol=1e-6)
    after = policy.probs().detach()
    assert (after[torch.arange(6), chosen] > probs_before[torch.arange(6), chosen]).all()
    policy.step(policy.sample()[0], advantage=0.0)  # zero advantage: Adam's momentum still moves, no new gradient
    assert torch.isfinite(policy.logits).all()


def test_policy_uses_the_official_global_torch_stream():
    """Same init and draws as reinforce.py after torch.manual_seed(seed): 1e-3 * randn(6, 5), Categorical.sample."""
    policy = Policy(seed=11, learning_rate=0.5)
    with torch.random.fork_rng():
        torch.manual_seed(11)
        logits = 1e-3 * torch.randn(6, 5)
        official = [Categorical(torch.softmax(logits, -1)).sample().tolist() for _ in range(5)]
    assert torch.equal(policy.logits.detach(), logits)
    ours = [[OPS.index(op) for op in policy.sample()[1]] for _ in range(5)]
    assert ours == official


def test_trace_keeps_the_overrunning_query_and_first_step_is_zero_advantage():
    traj, arch = reinforce.search(PROXY, budget_seconds=1.5, seed=4)
    # query 1: 0 + 1 < 1.5, counted; query 2: 1 + 1 >= 1.5 -> stop, but it is in the trace (reinforce.py)
    assert len(traj) == 2 and traj["elapsed_seconds"].tolist() == [1.0, 2.0]
    assert arch == traj["arch"].iloc[traj["proxy_valid"].to_numpy().argmax()]
    # the first counted step has advantage 0, so query 2 is drawn from the untouched initial policy
    policy = Policy(seed=4, learning_rate=0.5)
    first, second = policy.sample()[1], policy.sample()[1]
    assert traj["arch"].tolist() == [arch_string(first), arch_string(second)]
    traj, _ = reinforce.search(PROXY, budget_seconds=3, seed=0)
    assert len(traj) == 3 and traj["elapsed_seconds"].iloc[-1] == 3  # `<`: a query ending exactly at the budget stops


def test_learns_toward_the_rewarded_op_and_is_deterministic():
    traj, arch = reinforce.search(PROXY, budget_seconds=300, seed=1, learning_rate=0.1)
    early, late = traj["proxy_valid"].iloc[:50].mean(), traj["proxy_valid"].iloc[-50:].mean()
    assert late > early + 15  # the policy concentrates on nor_conv_3x3 (10 points per edge)
    assert traj["proxy_valid"].max() >= BEST_ACC - 10
    again, arch2 = reinforce.search(PROXY, budget_seconds=300, seed=1, learning_rate=0.1)
    assert again.equals(traj) and arch2 == arch
    with pytest.raises(DartsCoreError, match="learning_rate > 0"):
        reinforce.search(PROXY, 10, 0, learning_rate=0)
    with pytest.raises(DartsCoreError, match="unknown setting"):
        reinforce.search(PROXY, 10, 0, EMA_momentum=0.9)
