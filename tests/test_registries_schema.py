"""The schema (workflow/schemas/config.schema.yaml) takes the names of methods, spaces, presets and figure
kinds from the registries (`x-registry`, filled in by darts_core.study.config), its other choice lists
equal the search core's, and every SearchConfig field a run may set is a property the schema allows.
Needs no torch (the registries are read without it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from darts_core.data import DATASETS
from darts_core.methods import METHODS, drnas
from darts_core.search import config
from darts_core.spaces import SPACES

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
# fields of SearchConfig the workflow sets for every search (common.smk search_config), not a run
SET_BY_WORKFLOW = {"dataset", "seed", "data_dir", "download", "device", "workers"}


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema as darts_core.study checks a config with it: the registries' names filled in."""
    from darts_core.study.config import _schema

    return _schema(SCHEMA)


@pytest.fixture(scope="module")
def defs(schema) -> dict:
    return schema["$defs"]


def test_the_file_lists_no_registry_names_by_hand():
    text = SCHEMA.read_text()
    for names in ([*METHODS], [*SPACES], [*config.PRESETS]):
        assert f"enum: [{', '.join(names)}]" not in text
    assert text.count("x-registry:") == 4  # method, space, preset, figure kind


def test_methods(defs):
    assert defs["method"]["enum"] == list(METHODS)


def test_presets(defs):
    assert defs["search_settings"]["properties"]["preset"]["enum"] == list(config.PRESETS)


def test_a_registered_method_is_a_valid_config_name(monkeypatch):
    """Adding a method is its declaration and one registry line: the schema then accepts its name."""
    from darts_core.methods import darts as darts_methods
    from darts_core.study.config import _schema, check_schema, read_configs

    monkeypatch.setitem(METHODS, "toy", darts_methods.DARTS_V1)
    cfg = read_configs()
    cfg["experiments"]["table1"]["runs"]["darts-v1"]["method"] = "toy"
    check_schema(cfg)
    assert "toy" in _schema(SCHEMA)["$defs"]["method"]["enum"]


def test_spaces(schema, defs):
    spaces = {"nb201", "darts", "s1", "s2", "s3", "s4", "nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3"}
    assert set(SPACES) == spaces
    assert set(defs["space"]["enum"]) == spaces
    assert defs["experiment"]["properties"]["space"]["$ref"] == "#/$defs/space"
    assert schema["properties"]["stop_criteria"]["propertyNames"] == {"$ref": "#/$defs/space"}
    minutes = schema["properties"]["compute"]["properties"]["minutes_per_epoch"]["propertyNames"]["anyOf"]
    assert minutes == [{"$ref": "#/$defs/method"}, {"$ref": "#/$defs/space"}, {"const": "default"}]
    # the search core also takes darts-s1..darts-s4 for s1..s4 (the schema only the short names)
    assert config.SPACE_ALIASES == {f"darts-s{k}": f"s{k}" for k in range(1, 5)}
    for alias, space in config.SPACE_ALIASES.items():
        assert config.resolve_config({"space": alias, "preset": "darts-space"}).space == space


def test_choice_lists(defs):
    from darts_core.data.loaders import SPLITS

    props = defs["search_settings"]["properties"]
    assert props["w_lr_schedule"]["enum"] == list(config.SCHEDULES)
    assert props["loop"]["enum"] == list(config.LOOPS)
    assert props["hessian_method"]["enum"] == list(config.HESSIAN_METHODS)
    assert set(props["search_split"]["enum"]) == set(SPLITS)
    assert props["drnas_reg"]["enum"] == list(drnas.REGS)
    assert set(defs["experiment"]["properties"]["datasets"]["items"]["enum"]) == set(DATASETS)


def test_every_run_setting_is_a_schema_property(defs):
    """A run's keys: the search settings (experiment- or run-level), `method` (run) and `space`
    (experiment); together exactly the SearchConfig fields the workflow does not set itself."""
    fields = {f.name for f in dataclasses.fields(config.SearchConfig)}
    allowed = set(defs["search_settings"]["properties"]) | {"method", "space"}
    assert "method" in defs["run"]["properties"] and "space" in defs["experiment"]["properties"]
    assert fields - SET_BY_WORKFLOW == allowed
    for spec in METHODS.values():  # in particular each method's own settings
        assert set(spec.settings) <= set(defs["search_settings"]["properties"]), spec.name


def test_figure_kinds(schema):
    """The kinds a config figure may name: the per-run kinds of darts_core.report.kinds (Fig. 6(a) is drawn
    from the benchmark table whenever there is one, without a config entry)."""
    from darts_core.report.kinds import FIGURE_KINDS

    kinds = schema["$defs"]["figure"]["properties"]["kind"]["enum"]
    assert kinds == [name for name, kind in FIGURE_KINDS.items() if kind.per_run]
