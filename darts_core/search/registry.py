"""Registry of search methods: name -> implementation (the spaces are in darts_core.spaces).

Entries are objects or "module:attribute" strings resolved on first use, so looking up names (config
validation, the workflow) imports neither torch nor other engineers' modules. Add a method with one line
here, or at run time with `register_method`.

- A method entry is a class with `make_mixer(cfg)`, `make_alpha_optimizer(params, cfg)` and an
  instance method `step(...)` (see darts_core.search.darts.DartsV1).
"""

from __future__ import annotations

import importlib

from darts_core.errors import DartsCoreError
# SPACES: alias until workflow/rules/common.smk (`implemented()`) reads darts_core.spaces.SPACES
from darts_core.spaces import SPACES, get_space  # noqa: F401

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


def register_method(name: str, cls) -> None:
    METHODS[name] = cls


def method_class(name: str):
    if name not in METHODS:
        raise DartsCoreError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    return resolve(METHODS[name])


# --- aliases until the merge (callers move to darts_core.spaces.get_space) ---------------------------
def space_module(name: str):
    """The module of `name`'s family (OPS, check_ops)."""
    return importlib.import_module(type(get_space(name)).__module__)


def space_factory(name: str):
    return get_space(name).build_supernet
