"""Search methods as declarations: name -> MethodSpec (its implementation, settings, presets, capabilities).

Torch-free (config validation at DAG time, the analysis env): a method's implementation is imported only
by `method_class`. Adding a method is its implementation file in darts_core/search/, its declaration (a
file here: a MethodSpec with its settings, presets and `check`) and one line in METHODS; its settings
join darts_core.search.config.SearchConfig, its presets PRESETS.
"""

from __future__ import annotations

import importlib

from darts_core.errors import DartsCoreError
from darts_core.methods import darts, drnas, enas, gaea, gdas, rsps, setn
from darts_core.methods.base import MethodSpec, Setting

METHODS: dict[str, MethodSpec] = {
    "darts-v1": darts.DARTS_V1,
    "darts-v2": darts.DARTS_V2,
    "gaea": gaea.GAEA,
    "drnas": drnas.DRNAS,
    "gdas": gdas.GDAS,
    "rsps": rsps.RSPS,
    "setn": setn.SETN,
    "enas": enas.ENAS,
}
# presets that set a search space rather than a method, after the methods' own
SPACE_PRESETS: dict[str, dict] = {**darts.SPACE_PRESETS}


def get_method(name: str) -> MethodSpec:
    if name not in METHODS:
        raise DartsCoreError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    return METHODS[name]


def method_class(name: str, cfg=None):
    """The implementation class of a method (imports torch); with `cfg`, the one that runs it (a variant
    selected by a setting, e.g. DrNAS progressive)."""
    spec = get_method(name)
    module, _, attr = (spec.impl if cfg is None else spec.impl_for(cfg)).partition(":")
    return getattr(importlib.import_module(module), attr)


def _unique(pairs, what: str) -> dict:
    out: dict = {}
    for owner, key, value in pairs:
        if key in out and out[key][1] != value:
            raise DartsCoreError(f"{what} {key!r} is declared twice, differently ({out[key][0]}, {owner})")
        out.setdefault(key, (owner, value))
    return {k: v for k, (_, v) in out.items()}


def method_settings() -> dict[str, Setting]:
    """Every registered method's own settings, in registry order (a name two methods share must agree)."""
    return _unique(((m.name, k, s) for m in METHODS.values() for k, s in m.settings.items()), "setting")


def presets() -> dict[str, dict]:
    """All presets: the methods' (registry order), then SPACE_PRESETS."""
    pairs = [(m.name, k, p) for m in METHODS.values() for k, p in m.presets.items()]
    return _unique(pairs + [("SPACE_PRESETS", k, p) for k, p in SPACE_PRESETS.items()], "preset")


def preset_source(preset: str) -> str:
    """The official file(s) a preset's values come from (its declaration's `sources`), or ""."""
    return next((m.sources[preset] for m in METHODS.values() if preset in m.sources), "")


__all__ = ["METHODS", "SPACE_PRESETS", "MethodSpec", "Setting", "get_method", "method_class", "method_settings",
           "preset_source", "presets"]
