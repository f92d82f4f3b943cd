"""The study config: read (config.yaml plus overrides, as Snakemake merges them), checked against the JSON
schema with a one-line error that names the key, and completed with the schema's defaults."""

from __future__ import annotations

import copy
import re
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


class _StrictLoader(yaml.SafeLoader):
    """YAML read as written (the YAML 1.2 core schema for scalars), with what YAML 1.1 (Snakemake's reader)
    would read differently made an error: duplicate keys (1.1 keeps the last silently), `010` (1.1: 8),
    `1:30` (1.1: 90), `yes`/`no`/`on`/`off` (1.1: booleans). `3e-4` is a number, as written (1.1: a string)."""


_AMBIGUOUS = "tag:darts-core,2026:ambiguous"
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _tag, _regex, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_AMBIGUOUS, r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$", "yYnNoO"),
    (_AMBIGUOUS, r"^[-+]?0[0-9_]+$", "-+0"),  # YAML 1.1 octal
    (_AMBIGUOUS, r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$", "-+0123456789"),  # YAML 1.1 base 60
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
):
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_regex), list(_first))


def _int_as_written(loader, node):
    text = loader.construct_scalar(node)
    return int(text, 8) if text.startswith("0o") else int(text, 16) if text.startswith("0x") else int(text)


def _ambiguous(loader, node):
    text = loader.construct_scalar(node)
    reading = {"yes": "true", "on": "true", "no": "false", "off": "false"}.get(text.lower())
    if reading is None:
        try:
            reading = str(yaml.safe_load(text))
        except yaml.YAMLError:
            reading = "something else"
    raise yaml.constructor.ConstructorError(
        None, None, f"{text} is read as {reading} by YAML 1.1 (Snakemake's reader), not as written; quote it "
        f"('{text}') for text, or write the value you mean", node.start_mark)


def _mapping_without_duplicates(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:  # the keys as written: a merge (`<<: *anchor`) is overridden, not repeated
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1}; YAML 1.1 silently keeps the last)",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _int_as_written)
_StrictLoader.add_constructor(_AMBIGUOUS, _ambiguous)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: dict(
    _mapping_without_duplicates(loader, node, deep=True)))


def load_yaml_strictly(path: str | Path):
    """One config file read as written (`_StrictLoader`); any problem is one line naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise StudyConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise StudyConfigError(f"config file {path} cannot be read ({err})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(f"{err.context or ''} {err.problem or ''}".split())
        raise StudyConfigError(f"config file {path}{where}: {problem}") from None
    except yaml.YAMLError as err:
        raise StudyConfigError(f"config file {path} is not valid YAML ({' '.join(str(err).split())})") from None


def read_configs(paths: Sequence[str | Path] = (), *, replace: bool = False, base: str | Path = CONFIG) -> dict:
    """The config Snakemake would build: `base` (config.yaml), then each file of `paths` merged into it;
    `replace` (Snakemake's --replace-workflow-config) starts from the first file instead. Every file is read
    as written (`load_yaml_strictly`)."""
    files = [Path(p) for p in paths] if replace else [Path(base), *map(Path, paths)]
    if not files:
        raise StudyConfigError("no config file given")
    config: dict = {}
    for path in files:
        data = load_yaml_strictly(path)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise StudyConfigError(f"config file {path}: a mapping of settings expected, got {type(data).__name__}")
        config = merge(config, data)
    return config


def reread_strictly(config: dict, files: Sequence[str | Path]) -> dict:
    """For the Snakefile, which gets `config` from Snakemake's YAML 1.1 reader: re-read every config file
    (`workflow.configfiles`) as written, so a duplicate key, `010` or `1:30` is a one-line error naming the
    file and line; a number YAML 1.1 left as text (`3e-4`) becomes the number written (in `config`, in place,
    only where Snakemake's value is that very text)."""
    def fix(node, strict):
        if not (isinstance(node, dict) and isinstance(strict, dict)):
            return
        for key, value in strict.items():
            if key not in node:
                continue
            if isinstance(value, dict):
                fix(node[key], value)
            elif isinstance(value, list) and isinstance(node[key], list) and len(value) == len(node[key]):
                for k, item in enumerate(value):
                    if isinstance(item, dict):
                        fix(node[key][k], item)
                    elif _same_number(node[key][k], item):
                        node[key][k] = item
            elif _same_number(node[key], value):
                node[key] = value

    for path in files:
        data = load_yaml_strictly(path)
        if data is not None and not isinstance(data, dict):
            raise StudyConfigError(f"config file {path}: a mapping of settings expected, got {type(data).__name__}")
        fix(config, data or {})
    return config


def _same_number(text, number) -> bool:
    if not isinstance(text, str) or isinstance(number, bool) or not isinstance(number, (int, float)):
        return False
    try:
        return float(text) == float(number)
    except ValueError:
        return False


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
