"""What the tabular searches share: random architectures, one-edge mutation, and the simulated-time trajectory.

Architectures are op tuples in `EDGES` order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), the order in which the
official scripts build them, so one `random.Random(seed)` gives the same draws as their global `random`
after `prepare_seed(seed)` (AutoDL-Projects exps/NAS-Bench-201-algos/R_EA.py, `random_architecture_func`
and `mutate_arch_func`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pandas as pd

from darts_core.benchmark.nb201_index import arch_index
from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import EDGES, MAX_NODES, OPS, arch_string

METHOD_NAMES = ("rea", "rs", "reinforce", "bohb")
PAPER_ROWS = {"rea": "REA", "rs": "RS", "reinforce": "REINFORCE", "bohb": "BOHB"}  # their Table 1 rows
TRAJECTORY_COLUMNS = ("step", "arch", "index", "proxy_valid", "elapsed_seconds")
TIME_BUDGET = 12000.0  # seconds: --time_budget 12000 in scripts-search/NAS-Bench-201-algos/{R-EA,Random,REINFORCE,BOHB}.sh

# edge positions per node in EDGES order: node 1 -> [0], node 2 -> [1, 2], node 3 -> [3, 4, 5]
_NODE_EDGES = [[EDGES.index(f"{i}<-{j}") for j in range(i)] for i in range(1, MAX_NODES)]


def random_ops(rng: random.Random) -> tuple[str, ...]:
    """One uniformly random op per edge (R_EA.py `random_architecture`: random.choice(op_names) per edge)."""
    return tuple(rng.choice(OPS) for _ in EDGES)


def mutate_ops(ops: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """Switch one edge to a different op (R_EA.py `mutate_arch_func`): a uniform node, then a uniform
    input edge of that node (so edge 1<-0 is picked with probability 1/3, each of node 3's with 1/9),
    then a new op drawn by rejection until it differs."""
    child = list(ops)
    node = rng.randint(0, len(_NODE_EDGES) - 1)
    edge = _NODE_EDGES[node][rng.randint(0, len(_NODE_EDGES[node]) - 1)]
    op = rng.choice(OPS)
    while op == child[edge]:
        op = rng.choice(OPS)
    child[edge] = op
    return tuple(child)


class Trajectory:
    """Evaluations counted against the budget, in order, with the simulated seconds spent so far."""

    def __init__(self, budget_seconds: float):
        budget_seconds = float(budget_seconds)
        if not budget_seconds > 0:
            raise DartsCoreError(f"time budget must be a positive number of seconds, got {budget_seconds}")
        self.budget = budget_seconds
        self.elapsed = 0.0
        self.rows: list[tuple] = []

    def record(self, ops: Sequence[str], index: int, valid: float, cost: float) -> None:
        """Count one evaluation: add its simulated cost and keep a row."""
        self.elapsed += float(cost)
        self.rows.append((len(self.rows), arch_string(ops), int(index), float(valid), self.elapsed))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(TRAJECTORY_COLUMNS))


def best_arch(frame: pd.DataFrame) -> str:
    """Arch of the highest proxy accuracy; the first one on ties (Python's `max`, as the official scripts)."""
    if frame.empty:
        raise DartsCoreError("the search evaluated no architecture within its time budget")
    return str(frame["arch"].iloc[int(frame["proxy_valid"].to_numpy().argmax())])


def ops_index(ops: Sequence[str]) -> int:
    return arch_index(arch_string(ops))


def check_settings(given: dict, defaults: dict, method: str) -> dict:
    """The method's official defaults updated with `given`; unknown names are an error, values keep the
    default's type (an int default accepts only whole numbers)."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise DartsCoreError(f"{method}: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(defaults)) or 'none'}")
    out = dict(defaults)
    for key, value in given.items():
        kind = type(defaults[key])
        try:
            cast = kind(value)
        except (TypeError, ValueError):
            raise DartsCoreError(f"{method}: setting {key}={value!r} is not a {kind.__name__}") from None
        if kind is int and float(value) != cast:
            raise DartsCoreError(f"{method}: setting {key}={value!r} must be a whole number")
        out[key] = cast
    return out
