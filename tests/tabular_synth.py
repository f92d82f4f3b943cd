"""A hand-checkable proxy for the tabular-baseline tests: accuracy = 10 x (number of nor_conv_3x3 edges)
+ 0.1 x (number of nor_conv_1x1 edges), cost 1 s per query unless given. The unique best is all-conv3x3
(NB201 index 1462, accuracy 60)."""

import numpy as np

from darts_core.benchmark.nb201_index import all_archs
from darts_core.spaces.nb201 import parse_arch
from darts_core.tabular.proxy import Proxy

BEST_INDEX, BEST_ACC = 1462, 60.0


def score(ops) -> float:
    return 10.0 * sum(op == "nor_conv_3x3" for op in ops) + 0.1 * sum(op == "nor_conv_1x1" for op in ops)


def synthetic_proxy(cost: float = 1.0, trials: int = 1) -> Proxy:
    """`trials` > 1 adds trial t's accuracy + t (to see which trial a query drew) at cost `cost` + t."""
    base = np.array([score(parse_arch(a)) for a in all_archs()])
    valid = base[:, None] + np.arange(trials)[None, :]
    costs = np.full_like(valid, float(cost)) + np.arange(trials)[None, :]
    return Proxy(valid, costs, source="synthetic", dataset="cifar10", note="test proxy")
