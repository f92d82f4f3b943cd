"""Registry of search spaces: name -> implementation (the methods' is darts_core.methods.METHODS).

Entries are objects or "module:attribute" strings resolved on first use, so looking up names (config
validation, the workflow) imports neither torch nor other engineers' modules. Add a space with one line
here, or at run time with `register_space`.

- A space entry is a `SpaceEntry`: `module` holds `OPS` (full op list) and `check_ops(ops)`;
  `factory(cfg, num_classes, input_shape, mixer=None)` builds the supernet (protocol in
  darts_core.search).
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


def resolve(ref):
    """A "module:attribute" string -> the object (objects pass through)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_space(name: str, module: str, factory) -> None:
    SPACES[name] = SpaceEntry(module, factory)


def space_module(name: str):
    if name not in SPACES:
        raise DartsCoreError(f"unknown space {name!r}; choose from {', '.join(SPACES)}")
    return importlib.import_module(SPACES[name].module)


def space_factory(name: str):
    space_module(name)
    return resolve(SPACES[name].factory)


# Transition only: darts_core/stops/criteria.py still imports this; the stops branch switches it to
# darts_core.methods.get_method(name).arch_parameters, then this goes (derived, so no second list).
def __getattr__(name):
    if name == "NO_ARCH_PARAMETERS":
        from darts_core.methods import METHODS

        return frozenset(n for n, spec in METHODS.items() if not spec.arch_parameters)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
