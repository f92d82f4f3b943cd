"""Regularized (aging) evolution under a simulated time budget (AutoDL-Projects
exps/NAS-Bench-201-algos/R_EA.py, `regularized_evolution`; Real et al. 2019, Algorithm 1).

- Population: `population` random architectures, each queried and counted; this phase does not check the
  budget (as R_EA.py).
- Cycle, while the spent time is below the budget: `sample_size` members drawn with replacement
  (`random.choice` each), the best of them (first on ties) is mutated on one edge, the child is queried; if
  that takes the spent time past the budget the search ends without it, else it joins the population and
  the oldest member leaves.
- Answer: the best proxy accuracy over everything counted (first on ties).

Settings from scripts-search/NAS-Bench-201-algos/R-EA.sh with the documented command
`R-EA.sh cifar10 3 -1` (docs/NAS-Bench-201.md [7]): `--ea_population 10 --ea_sample_size 3`,
`--time_budget 12000`. Its `--ea_cycles 200` is parsed but unused (the cycle-count loop is commented out in
favour of the time budget), so it is not a setting here. R_EA.py also adds the real wall time of each
tournament to the budget; we count simulated seconds only (microseconds of difference, kept deterministic).
"""

from __future__ import annotations

import collections
import random

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.tabular.common import (TIME_BUDGET, Trajectory, best_arch, check_settings, mutate_ops, ops_index,
                                       random_ops)
from darts_core.tabular.proxy import Proxy

DEFAULTS = {"population": 10, "sample_size": 3}


def search(proxy: Proxy, budget_seconds: float = TIME_BUDGET, seed: int = 0, **settings) -> tuple[pd.DataFrame, str]:
    """Regularized evolution; returns (trajectory, best arch string)."""
    cfg = check_settings(settings, DEFAULTS, "rea")
    if cfg["population"] < 1 or cfg["sample_size"] < 1:
        raise DartsCoreError(f"rea: population and sample_size must be >= 1, got {cfg}")
    rng = random.Random(seed)
    traj = Trajectory(budget_seconds)
    population: collections.deque = collections.deque()  # (ops, proxy accuracy), oldest first
    while len(population) < cfg["population"]:
        ops = random_ops(rng)
        index = ops_index(ops)
        valid, cost = proxy.evaluate(index, rng)
        traj.record(ops, index, valid, cost)
        population.append((ops, valid))
    while traj.elapsed < traj.budget:
        sample = [rng.choice(population) for _ in range(cfg["sample_size"])]
        parent = max(sample, key=lambda member: member[1])
        child = mutate_ops(parent[0], rng)
        index = ops_index(child)
        valid, cost = proxy.evaluate(index, rng)
        if traj.elapsed + cost > traj.budget:  # R_EA.py: `if total_time_cost + time_cost > time_budget: return`
            break
        traj.record(child, index, valid, cost)
        population.append((child, valid))
        population.popleft()
    frame = traj.frame()
    return frame, best_arch(frame)
