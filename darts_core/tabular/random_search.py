"""Random search under a simulated time budget (AutoDL-Projects exps/NAS-Bench-201-algos/RANDOM.py, `main`).

Loop: draw a uniform architecture, query it; if the query would take the spent time past the budget, stop
(that architecture is not counted); otherwise count it. The answer is the best counted proxy accuracy, the
first one on ties (RANDOM.py replaces the best only on a strictly higher accuracy).
"""

from __future__ import annotations

import random

import pandas as pd

from darts_core.tabular.common import TIME_BUDGET, Trajectory, best_arch, check_settings, ops_index, random_ops
from darts_core.tabular.proxy import Proxy

DEFAULTS: dict = {}  # scripts-search/NAS-Bench-201-algos/Random.sh passes only --time_budget 12000


def search(proxy: Proxy, budget_seconds: float = TIME_BUDGET, seed: int = 0, **settings) -> tuple[pd.DataFrame, str]:
    """Random search; returns (trajectory, best arch string)."""
    check_settings(settings, DEFAULTS, "rs")
    rng = random.Random(seed)
    traj = Trajectory(budget_seconds)
    while traj.elapsed < traj.budget:
        ops = random_ops(rng)
        index = ops_index(ops)
        valid, cost = proxy.evaluate(index, rng)
        if traj.elapsed + cost > traj.budget:  # RANDOM.py: `if total_time_cost + cost_time > time_budget: break`
            break
        traj.record(ops, index, valid, cost)
    frame = traj.frame()
    return frame, best_arch(frame)
