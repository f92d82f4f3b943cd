"""Registries of search spaces and search methods: name -> implementation.

Entries are objects or "module:attribute" strings resolved on first use, so looking up names (config
validation, the workflow) imports neither torch nor other engineers' modules. Add a space or a method
with one line here, or at run time with `register_space` / `register_method`.

- A space entry is a `SpaceEntry`: `module` holds `OPS` (full op list) and `check_ops(ops)`;
  `factory(cfg, num_classes, input_shape, mixer=None)` builds the supernet (protocol in
  darts_core.search).
- A method entry is a class with `make_mixer(cfg)`, `make_alpha_optimizer(params, cfg)` and an
  instance method `step(...)` (see darts_core.search.darts.DartsV1).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from darts_core.errors import DartsCoreError


@dataclass(frozen=True)
class SpaceEntry:
    module: str  # e.g. darts_core.spaces.nb201 (OPS, check_ops)
    factory: object  # "module:function" or the function


SPACES: dict[str, SpaceEntry] = {
    "nb201": SpaceEntry("darts_core.spaces.nb201", "darts_core.nn.nb201_supernet:build_supernet"),
    # DARTS space and RobustDARTS S1-S4 (named as darts_core.stops.space_info knows them; config.py
    # accepts darts-s1..darts-s4 for s1..s4)
    "darts": SpaceEntry("darts_core.spaces.darts", "darts_core.nn.darts_supernet:build_darts"),
    "s1": SpaceEntry("darts_core.spaces.darts", "darts_core.nn.darts_supernet:build_s1"),
    "s2": SpaceEntry("darts_core.spaces.darts", "darts_core.nn.darts_supernet:build_s2"),
    "s3": SpaceEntry("darts_core.spaces.darts", "darts_core.nn.darts_supernet:build_s3"),
    "s4": SpaceEntry("darts_core.spaces.darts", "darts_core.nn.darts_supernet:build_s4"),
}
METHODS: dict[str, object] = {
    "darts-v1": "darts_core.search.darts:DartsV1",
    "darts-v2": "darts_core.search.darts:DartsV2",
    "gaea": "darts_core.search.gaea:Gaea",
    "drnas": "darts_core.search.drnas:DrNas",
    "gdas": "darts_core.search.gdas:Gdas",
    "rsps": "darts_core.search.rsps:Rsps",
}
# Methods without architecture parameters: their alpha log records the architecture they select, so
# criteria that read architecture-parameter dynamics (SS magnitudes, DARTS+ rt) do not apply to them
# (darts_core.stops.criteria reports them as not applicable).
NO_ARCH_PARAMETERS = frozenset({"rsps"})


def resolve(ref):
    """A "module:attribute" string -> the object (objects pass through)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_space(name: str, module: str, factory) -> None:
    SPACES[name] = SpaceEntry(module, factory)


def register_method(name: str, cls) -> None:
    METHODS[name] = cls


def space_module(name: str):
    if name not in SPACES:
        raise DartsCoreError(f"unknown space {name!r}; choose from {', '.join(SPACES)}")
    return importlib.import_module(SPACES[name].module)


def space_factory(name: str):
    space_module(name)
    return resolve(SPACES[name].factory)


def method_class(name: str):
    if name not in METHODS:
        raise DartsCoreError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    return resolve(METHODS[name])
