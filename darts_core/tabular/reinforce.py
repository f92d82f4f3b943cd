"""REINFORCE with a 6x5 softmax policy under a simulated time budget (AutoDL-Projects
exps/NAS-Bench-201-algos/reinforce.py: `Policy`, `ExponentialMovingAverage`, `select_action`, `main`).

- Policy: logits `1e-3 * randn(6 edges, 5 ops)`, probabilities softmax per edge; one op per edge sampled
  from `Categorical(probs)`; optimiser `Adam(lr=learning_rate)` (torch defaults otherwise).
- Step: sample, query; the (reward, arch) pair joins the trace BEFORE the budget check; if the spent time
  plus this query's cost is not strictly below the budget, stop; else count it, update the EMA baseline
  with the reward, then take one Adam step on `sum(-log_prob * (reward - baseline))` (the baseline already
  includes this reward, so the very first step has advantage 0).
- Answer: the best reward in the trace (first on ties). As in reinforce.py this may be the last queried
  architecture, whose cost overran the budget: its trajectory row is the last one, with elapsed_seconds past
  the budget. reinforce.py also adds each step's real wall time to the budget; we count simulated seconds only.

Settings: `--learning_rate 0.5 --EMA_momentum 0.9`, the documented command `REINFORCE.sh cifar10 0.5 -1`
(docs/NAS-Bench-201.md [9]; the script's own header example shows 0.001, which its LR grid
hps/GRID-RL.sh does not include), `--time_budget 12000` (scripts-search/NAS-Bench-201-algos/REINFORCE.sh).
"""

from __future__ import annotations

import random

import pandas as pd
import torch
from torch.distributions import Categorical

from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import EDGES, OPS
from darts_core.tabular.common import TIME_BUDGET, Trajectory, best_arch, check_settings, ops_index
from darts_core.tabular.proxy import Proxy

DEFAULTS = {"learning_rate": 0.5, "ema_momentum": 0.9}


class EMA:
    """Bias-corrected exponential moving average (reinforce.py `ExponentialMovingAverage`)."""

    def __init__(self, momentum: float):
        self.momentum, self.numerator, self.denominator = float(momentum), 0.0, 0.0

    def update(self, value: float) -> None:
        self.numerator = self.momentum * self.numerator + (1 - self.momentum) * value
        self.denominator = self.momentum * self.denominator + (1 - self.momentum)

    def value(self) -> float:
        return self.numerator / self.denominator


class Policy:
    """Logits per (edge, op), their Adam optimiser and a private torch generator (init and sampling)."""

    def __init__(self, seed: int, learning_rate: float):
        self.generator = torch.Generator().manual_seed(int(seed))
        self.logits = torch.nn.Parameter(1e-3 * torch.randn(len(EDGES), len(OPS), generator=self.generator))
        self.optimizer = torch.optim.Adam([self.logits], lr=learning_rate)

    def probs(self) -> torch.Tensor:
        return torch.softmax(self.logits, dim=-1)

    def sample(self) -> tuple[torch.Tensor, tuple[str, ...]]:
        """(log-probabilities of the sampled ops, ops per edge); the draw is `Categorical.sample`'s
        (`multinomial(probs, 1, replacement=True)`), made on our generator."""
        dist = Categorical(self.probs())
        actions = torch.multinomial(dist.probs, 1, True, generator=self.generator).squeeze(1)
        return dist.log_prob(actions), tuple(OPS[int(a)] for a in actions)

    def step(self, log_prob: torch.Tensor, advantage: float) -> None:
        loss = (-log_prob * advantage).sum()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def search(proxy: Proxy, budget_seconds: float = TIME_BUDGET, seed: int = 0, **settings) -> tuple[pd.DataFrame, str]:
    """REINFORCE; returns (trajectory, best arch string)."""
    cfg = check_settings(settings, DEFAULTS, "reinforce")
    if not (cfg["learning_rate"] > 0 and 0 <= cfg["ema_momentum"] < 1):
        raise DartsCoreError(f"reinforce: needs learning_rate > 0 and 0 <= ema_momentum < 1, got {cfg}")
    rng = random.Random(seed)  # the proxy's per-query trial draw (the API's random.choice(seeds))
    policy, baseline = Policy(seed, cfg["learning_rate"]), EMA(cfg["ema_momentum"])
    traj = Trajectory(budget_seconds)
    while traj.elapsed < traj.budget:
        log_prob, ops = policy.sample()
        index = ops_index(ops)
        reward, cost = proxy.evaluate(index, rng)
        within = traj.elapsed + cost < traj.budget  # reinforce.py: `if total_costs + cost_time < time_budget`
        traj.record(ops, index, reward, cost)  # in the trace either way
        if not within:
            break
        baseline.update(reward)
        policy.step(log_prob, reward - baseline.value())
    frame = traj.frame()
    return frame, best_arch(frame)
