"""Random search and regularized evolution on the synthetic proxy: budget accounting, draws, the known best."""

import random
from collections import Counter

import pytest
from tabular_synth import BEST_ACC, BEST_INDEX, synthetic_proxy

from darts_core.benchmark.nb201_index import arch_index
from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import OPS, arch_string
from darts_core.tabular import random_search, rea
from darts_core.tabular.common import TRAJECTORY_COLUMNS, check_settings, mutate_ops

PROXY = synthetic_proxy()


def test_rs_budget_of_k_queries_samples_k_uniform_archs():
    traj, arch = random_search.search(PROXY, budget_seconds=7, seed=3)
    assert list(traj.columns) == list(TRAJECTORY_COLUMNS)
    assert len(traj) == 7 and traj["elapsed_seconds"].tolist() == [1.0, 2, 3, 4, 5, 6, 7]
    mirror, expected = random.Random(3), []
    for _ in range(7):  # RANDOM.py: random.choice(op_names) per edge, then the API's random.choice(seeds)
        ops = [mirror.choice(OPS) for _ in range(6)]
        mirror.choice([0])
        expected.append(arch_string(ops))
    assert traj["arch"].tolist() == expected
    assert traj["index"].tolist() == [arch_index(a) for a in expected]
    best = traj["proxy_valid"].max()
    assert arch == traj.loc[traj["proxy_valid"] == best, "arch"].iloc[0]  # first of the best


def test_rs_stops_before_the_query_that_overruns():
    traj, _ = random_search.search(synthetic_proxy(cost=1.5), budget_seconds=10, seed=0)
    assert len(traj) == 6 and traj["elapsed_seconds"].iloc[-1] == 9.0  # a 7th would end at 10.5 > 10
    traj, _ = random_search.search(PROXY, budget_seconds=5, seed=0)
    assert traj["elapsed_seconds"].iloc[-1] == 5.0  # reaching the budget exactly is allowed (`>` test)


def test_rs_deterministic_by_seed():
    a, b, c = (random_search.search(PROXY, 50, s)[0] for s in (1, 1, 2))
    assert a.equals(b) and not a.equals(c)


def test_mutation_changes_one_edge_node_first():
    rng, parent = random.Random(0), ("none",) * 6
    edges = Counter()
    for _ in range(6000):
        child = mutate_ops(parent, rng)
        changed = [i for i in range(6) if child[i] != parent[i]]
        assert len(changed) == 1 and child[changed[0]] != "none"
        edges[changed[0]] += 1
    # node uniform (1/3), then one of its edges: 1<-0 gets 1/3, 2<-j 1/6 each, 3<-j 1/9 each
    for edge, p in enumerate([1 / 3, 1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9]):
        assert edges[edge] / 6000 == pytest.approx(p, abs=0.02)


def test_rea_finds_the_known_best_within_budget():
    for seed in range(5):
        traj, arch = rea.search(PROXY, budget_seconds=400, seed=seed)
        assert traj["elapsed_seconds"].iloc[-1] <= 400
        assert traj["index"][traj["arch"] == arch].iloc[0] == BEST_INDEX and traj["proxy_valid"].max() == BEST_ACC
    # random search with the same budget rarely sees it (1 in 5^6 per query)
    assert all(random_search.search(PROXY, 400, s)[0]["proxy_valid"].max() < BEST_ACC for s in range(5))


def test_rea_population_ignores_the_budget_then_children_respect_it():
    traj, _ = rea.search(PROXY, budget_seconds=3, seed=0)
    assert len(traj) == 10 and traj["elapsed_seconds"].iloc[-1] == 10  # R_EA.py fills the population unchecked
    traj, _ = rea.search(PROXY, budget_seconds=25.5, seed=0)
    assert len(traj) == 25 and traj["elapsed_seconds"].iloc[-1] == 25
    traj, _ = rea.search(PROXY, budget_seconds=30, seed=0, population=4, sample_size=2)
    assert len(traj) == 30


def test_rea_children_are_one_edge_mutations_of_population_members():
    traj, _ = rea.search(PROXY, budget_seconds=60, seed=2)
    archs = traj["arch"].tolist()
    for k in range(10, len(archs)):
        alive = archs[k - 10:k]  # the population when child k was made: the 10 newest counted members
        child = archs[k].split("|")
        assert any(sum(x != y for x, y in zip(child, member.split("|"))) == 1 for member in alive)


def test_rea_deterministic_and_settings_checked():
    assert rea.search(PROXY, 80, 7)[0].equals(rea.search(PROXY, 80, 7)[0])
    with pytest.raises(DartsCoreError, match="unknown setting"):
        rea.search(PROXY, 80, 7, cycles=200)
    with pytest.raises(DartsCoreError, match=">= 1"):
        rea.search(PROXY, 80, 7, population=0)
    with pytest.raises(DartsCoreError, match="positive"):
        random_search.search(PROXY, 0, 1)
    assert check_settings({"population": "12"}, rea.DEFAULTS, "rea") == {"population": 12, "sample_size": 3}
    with pytest.raises(DartsCoreError, match="whole number"):
        check_settings({"population": 2.5}, rea.DEFAULTS, "rea")
    with pytest.raises(DartsCoreError, match="not a int"):
        check_settings({"population": "ten"}, rea.DEFAULTS, "rea")
