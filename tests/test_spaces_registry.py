"""The space registry (darts_core.spaces): every space's attributes, names and aliases, arch strings of both
families, the default stop criteria, and a new DARTS-family space added with one registry line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import SPACES, darts, get_family, get_space, nb201, space_of_arch
from darts_core.spaces.base import resolve
from darts_core.spaces.darts import DartsFamilySpace
from darts_core.stops import space_info
from darts_core.stops.criteria import parse_criterion

SKIP, SEP = "skip_connect", "sep_conv_3x3"


def test_every_space_and_its_attributes():
    assert list(SPACES) == ["nb201", "darts", "s1", "s2", "s3", "s4", "nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3"]
    nb = SPACES["nb201"]
    assert (nb.name, nb.family, nb.ops, nb.cells, len(nb.edges)) == ("nb201", "nb201", nb201.OPS, ("normal",), 6)
    assert (nb.evaluation, nb.benchmark_datasets, nb.hard_forward) == \
        ("benchmark", ("cifar10", "cifar100", "ImageNet16-120"), True)
    assert nb.learnable_ops == ("nor_conv_1x1", "nor_conv_3x3")
    for name in ("darts", "s1", "s2", "s3", "s4"):
        s = SPACES[name]
        assert (s.name, s.family, s.ops, s.cells, s.edges) == (name, "darts", darts.OPS, darts.CELLS, darts.EDGES)
        assert (s.evaluation, s.benchmark_datasets, s.hard_forward) == ("retrain", (), False)
        assert s.known_ops == darts.GENOTYPE_OPS and "noise" in s.known_ops
        assert (s.normal, s.reduce) == (darts.get_space(name).normal, darts.get_space(name).reduce)
        assert s.supernet == f"darts_core.nn.darts_supernet:build_{name}"
    assert SPACES["s4"].normal[0] == ("noise", SEP)
    assert nb.check_ops(["nor_conv_3x3", "none"]) == ("none", "nor_conv_3x3")
    with pytest.raises(DartsCoreError, match="unknown DARTS-space op 'nor_conv_3x3'"):
        SPACES["darts"].check_ops(["nor_conv_3x3"])


def test_names_aliases_and_unknown_names():
    assert all(get_space(f"darts-s{k}") is SPACES[f"s{k}"] for k in range(1, 5))
    assert get_family("s5") is get_family("S3") is get_family("darts") is SPACES["darts"]
    assert get_family("nb201") is SPACES["nb201"]
    with pytest.raises(DartsCoreError, match=r"^unknown space 'dart'; choose from nb201, darts, s1, s2, s3, s4, "
                                             r"nb1shot1-s1, nb1shot1-s2, nb1shot1-s3$"):
        get_space("dart")
    with pytest.raises(DartsCoreError, match="unknown search space 'dart'"):
        get_family("dart")


@pytest.mark.parametrize("name", list(SPACES))
def test_supernet_importable(name):
    assert callable(resolve(SPACES[name].supernet))


@pytest.mark.parametrize("name, alphas", [("nb201", [(6, 5)]), ("darts", [(14, 8), (14, 8)]),
                                          ("nb1shot1-s2", [(4, 3), (1, 5), (1, 2), (1, 3), (1, 4)])])
def test_builds_a_one_cell_supernet_on_cpu(name, alphas):
    from darts_core.search.config import resolve_config

    cfg = resolve_config({"space": name, "channels": 2, "num_cells": 1, "device": "cpu"})
    net = get_space(name).build_supernet(cfg, 10, (3, 8, 8))
    assert [tuple(a.shape) for a in net.arch_parameters()] == alphas
    assert get_space(name).parse_arch(net.genotype())


def test_arch_strings_of_both_families():
    v2 = darts.PUBLISHED_TEXT["DARTS_V2"]
    nb = nb201.arch_string([SKIP, "nor_conv_3x3", SKIP, "none", "avg_pool_3x3", "nor_conv_1x1"])
    assert space_of_arch(v2) is SPACES["darts"] and space_of_arch("  " + v2) is SPACES["darts"]
    assert space_of_arch(nb) is SPACES["nb201"]
    assert space_of_arch(v2).parse_arch(v2) == darts.published("DARTS_V2")
    assert space_of_arch(nb).skip_connects(nb) == 2
    assert SPACES["darts"].skip_connects(v2) == 2  # normal cell only


@pytest.mark.parametrize("name", list(SPACES))
def test_default_criteria_are_criteria_of_that_space(name):
    space = SPACES[name]
    parsed = [parse_criterion(c) for c in space.default_criteria]
    assert parsed[0].name == "final" and parsed[-1].name == "darts_es"
    assert all(c.op in space.known_ops for c in parsed if c.op is not None)


def _log(epoch: int) -> pd.DataFrame:
    """Both cells of a 2-op space: input 0 prefers sep_conv_3x3, input 1 skip_connect (both 0.9), the
    intermediate nodes' edges are weaker (0.6), so each node keeps (sep, 0), (skip, 1)."""
    w = np.array([[0.1, 0.9] if j == 0 else [0.9, 0.1] if j == 1 else [0.4, 0.6]
                  for i in range(2, 6) for j in range(i)])
    return pd.concat([runlog.alpha_rows(epoch, cell, darts.EDGES, (SKIP, SEP), np.log(w), w) for cell in darts.CELLS],
                     ignore_index=True)


def test_a_darts_family_space_is_one_registry_line(monkeypatch):
    two = ((SKIP, SEP),) * len(darts.EDGES)
    monkeypatch.setitem(SPACES, "t2", DartsFamilySpace("t2", normal=two, reduce=two))
    space = get_space("t2")
    assert get_family("t2") is SPACES["darts"] and space.default_criteria == SPACES["darts"].default_criteria
    # the arch derived from an alpha table of that space
    df = pd.concat([_log(0), _log(1)], ignore_index=True)
    info = space_info.from_alphas(df, "t2")
    gene = darts.make_genotype([(SEP, 0), (SKIP, 1)] * 4, darts.CONCAT, [(SEP, 0), (SKIP, 1)] * 4, darts.CONCAT)
    assert info.arch(df, 1) == space.derive_arch(df[df["epoch"] == 1], info.ops_per_edge) == darts.genotype_string(gene)
    assert info.skip_connects(info.arch(df, 1)) == 4 and info.ops == (SKIP, SEP)
    # and searched: the config knows it, the supernet builds its op lists
    from darts_core.search.config import resolve_config

    cfg = resolve_config({"preset": "darts-space", "space": "t2", "channels": 2, "num_cells": 1, "device": "cpu"})
    net = space.build_supernet(cfg, 10, (3, 8, 8))
    assert tuple(net.alphas_normal.shape) == (14, 2) and net.space.normal == two


def test_hard_forward_decides_the_one_op_methods():
    from darts_core.search.config import resolve_config

    assert resolve_config({"preset": "gdas", "space": "nb201"}).method == "gdas"
    with pytest.raises(DartsCoreError, match="needs a one-op-per-edge forward"):
        resolve_config({"preset": "gdas", "space": "s2"})


def test_every_space_name_fits_the_workflow_wildcard():
    """Run folders are `{space}-{dataset}`: every registered name matches the space wildcard and no dataset
    name can be read as part of it."""
    import re

    from darts_core import layout
    from darts_core.data import DATASETS

    pattern = re.compile(f"(?P<space>{layout.NAME_PATTERNS['space']})-(?P<dataset>{layout.NAME_PATTERNS['dataset']})")
    for name in SPACES:
        for dataset in DATASETS:
            m = pattern.fullmatch(f"{name}-{dataset}")
            assert m and (m["space"], m["dataset"]) == (name, dataset), (name, dataset)
