"""The config schema (workflow/schemas/config.schema.yaml): the paper and demo configs pass, bad values
fail naming the key, and the schema's search settings are fields of the search core's SearchConfig."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from darts_core.study import StudyConfigError, check_schema
from darts_core.study.searches import search_mapping, study_runs

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = {"paper": REPO / "config.yaml", "demo": REPO / "profiles" / "demo" / "demo.yaml"}
# keys of SearchConfig the workflow sets itself (not in the schema's search settings)
WORKFLOW_KEYS = {"space", "dataset", "method", "seed", "data_dir", "download", "device", "workers"}


def load(name: str) -> dict:
    return yaml.safe_load(CONFIGS[name].read_text())



def check(config: dict) -> None:
    """What the Snakefile runs before any job: the one-line schema check, then Snakemake's validate
    (which fills in the defaults)."""
    check_schema(config, SCHEMA)
    validate(config, str(SCHEMA))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_configs_are_valid(name):
    check(load(name))


def test_defaults_fill_compute_and_paths():
    cfg = {"experiments": load("demo")["experiments"]}
    check(cfg)
    assert cfg["compute"]["gpus_per_search"] == 1 and cfg["paths"]["data"] == "data"


def _set(cfg: dict, path: str, value) -> dict:
    node = cfg
    *parents, last = path.split("/")
    for key in parents:
        node = node[key]
    node[last] = value
    return cfg


def _drop(cfg: dict, path: str) -> dict:
    node = cfg
    *parents, last = path.split("/")
    for key in parents:
        node = node[key]
    del node[last]
    return cfg


BAD = [
    # (edit, words that must appear in the message: the offending value/key and its path)
    (
        lambda c: _set(c, "experiments/table1/runs/darts-v2/method", "darts-V2"),
        ["'darts-V2' is not one of", "config experiments.table1.runs.darts-v2.method"],
    ),
    (
        lambda c: _set(c, "experiments/table2/runs/ss-darts/w_lr", -0.003),
        ["-0.003 is less than or equal to the minimum of 0", "config experiments.table2.runs.ss-darts.w_lr"],
    ),
    (
        lambda c: _set(c, "experiments/table3/a_lr", -1e-3),
        ["config experiments.table3.a_lr"],
    ),
    (
        lambda c: _set(c, "experiments/exp4_arch_lr/runs/a_lr0.001/a_lrr", 0.001),
        ["'a_lrr' was unexpected", "config experiments.exp4_arch_lr.runs.a_lr0.001"],
    ),
    (
        lambda c: _set(c, "experiments/table1/epoch", 50),
        ["'epoch' was unexpected", "config experiments.table1"],
    ),
    (
        lambda c: _set(c, "experiments/table1/seeds", [0, 1, -2]),
        ["-2 is less than the minimum of 0", "config experiments.table1.seeds.2"],
    ),
    (
        lambda c: _set(c, "experiments/table1/datasets", ["cifar-10"]),
        ["'cifar-10' is not one of", "config experiments.table1.datasets.0"],
    ),
    (
        lambda c: _set(c, "experiments/exp5_ex_darts/runs/ex-darts/a_lr", 0.1),
        ["config experiments.exp5_ex_darts.runs.ex-darts"],  # reuse takes no settings
    ),
    (
        lambda c: _drop(c, "experiments/exp6_no_skip/runs/no-skip/method"),
        ["config experiments.exp6_no_skip.runs.no-skip"],  # neither method nor reuse
    ),
    (
        lambda c: _set(c, "experiments/exp7_long/runs/ex-darts-500/w_lr_schedule", "cosin"),
        ["'cosin' is not one of", "config experiments.exp7_long.runs.ex-darts-500.w_lr_schedule"],
    ),
    (
        lambda c: _set(c, "compute/gpus_per_search", -1),
        ["config compute.gpus_per_search"],
    ),
    (
        lambda c: _set(c, "figures/fig3d_magnitudes/kind", "magnitude"),
        ["'magnitude' is not one of", "config figures.fig3d_magnitudes.kind"],
    ),
    (
        lambda c: _set(c, "experimnets", {}),
        ["'experimnets' was unexpected"],
    ),
]


@pytest.mark.parametrize("edit, words", BAD, ids=[w[-1] for _, w in BAD])
def test_bad_values_fail_naming_the_key(edit, words):
    cfg = edit(copy.deepcopy(load("paper")))
    with pytest.raises(StudyConfigError) as err:
        check(cfg)
    message = str(err.value)
    assert "\n" not in message and message.startswith("config ")
    for word in words:
        assert word in message


def _schema_search_keys() -> set[str]:
    schema = yaml.safe_load(SCHEMA.read_text())
    return set(schema["$defs"]["search_settings"]["properties"])


def test_schema_search_keys_are_search_config_fields():
    config = pytest.importorskip("darts_core.search.config")
    import dataclasses

    fields = {f.name for f in dataclasses.fields(config.SearchConfig)}
    assert _schema_search_keys() - fields == set()
    assert WORKFLOW_KEYS - fields == set()
    # and the other way round: every setting of the search core can be set from the config
    assert fields - _schema_search_keys() - WORKFLOW_KEYS == set()


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_configured_search_resolves(name, tmp_path):
    """Each search of the config passes the search core's own checks (presets, op names, ranges)."""
    config = pytest.importorskip("darts_core.search.config")
    cfg = load(name)
    seen = set()
    for row in study_runs(cfg):
        if row["dir"] is None or row["dir"] in seen:
            continue
        seen.add(row["dir"])
        mapping = search_mapping(cfg, row["experiment"], row["run"], row["dataset"], row["seed"])
        config.resolve_config({**mapping, "data_dir": str(tmp_path), "device": "cpu", "workers": 0})
    assert seen


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_stop_criteria_parse(name):
    """The schema's pattern and the stops module agree on every configured criterion."""
    from darts_core.stops.criteria import parse_criterion

    for criteria in load(name).get("stop_criteria", {}).values():
        for text in criteria:
            parse_criterion(text)
