"""The study config: read (config.yaml plus overrides, as Snakemake merges them), checked against the JSON
schema with a one-line error that names the key, and completed with the schema's defaults."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import yaml

from darts_core.errors import DartsCoreError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIG = REPO / "config.yaml"


class StudyConfigError(DartsCoreError, ValueError):
    """A config that fails the schema or names something that does not exist; the message names the key."""


def merge(base: dict, update: dict) -> dict:
    """`update` merged into a copy of `base`, mappings recursively (Snakemake's --configfile rule)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_configs(paths: Sequence[str | Path] = (), *, replace: bool = False, base: str | Path = CONFIG) -> dict:
    """The config Snakemake would build: `base` (config.yaml), then each file of `paths` merged into it;
    `replace` (Snakemake's --replace-workflow-config) starts from the first file instead."""
    files = [Path(p) for p in paths] if replace else [Path(base), *map(Path, paths)]
    if not files:
        raise StudyConfigError("no config file given")
    config: dict = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            raise StudyConfigError(f"config file {path} does not exist") from None
        except yaml.YAMLError as err:
            raise StudyConfigError(f"config file {path} is not valid YAML ({' '.join(str(err).split())})") from None
        if not isinstance(data, dict):
            raise StudyConfigError(f"config file {path}: a mapping of settings expected, got {type(data).__name__}")
        config = merge(config, data)
    return config


def registry_names() -> dict[str, list[str]]:
    """The names a config may use, by registry (the schema's `x-registry` keys)."""
    from darts_core.methods import METHODS
    from darts_core.report.kinds import FIGURE_KINDS
    from darts_core.search.config import PRESETS
    from darts_core.spaces import SPACES

    return {"methods": list(METHODS), "spaces": list(SPACES), "presets": list(PRESETS),
            "figure_kinds": [name for name, kind in FIGURE_KINDS.items() if kind.per_run]}


def with_registries(node, names: dict[str, list[str]]):
    """The schema with an `enum` of the registry's names beside every `x-registry` key, so a new method,
    space, preset or figure kind needs no schema edit (Snakemake's own `validate` checks the type only)."""
    if isinstance(node, dict):
        out = {k: with_registries(v, names) for k, v in node.items()}
        if "x-registry" in node:
            out["enum"] = names[node["x-registry"]]
        return out
    if isinstance(node, list):
        return [with_registries(v, names) for v in node]
    return node


def _schema(schema_path: str | Path) -> dict:
    with open(schema_path) as fh:
        return with_registries(yaml.safe_load(fh), registry_names())


def check_schema(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """The JSON schema, with the registries' names, and a one-line error that names the key (Snakemake's
    `validate` prints jsonschema's many-line report)."""
    import jsonschema

    schema = _schema(schema_path)
    errors = jsonschema.validators.validator_for(schema)(schema).iter_errors(config)
    # the deepest error, and a wrong value before an "unexpected keys" report of the same object
    candidates = [jsonschema.exceptions.best_match([e]) for e in errors]
    err = max(candidates, key=lambda e: (len(e.absolute_path), e.validator != "unevaluatedProperties"), default=None)
    if err is not None:
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise StudyConfigError(f"config {key}: {' '.join(err.message.split())}")
    return config


def fill_defaults(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """The schema's defaults set in `config` (in place), exactly as the Snakefile's `validate` sets them."""
    from snakemake.utils import validate

    validate(config, str(Path(schema_path).resolve()))
    return config
