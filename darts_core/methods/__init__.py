"""TEMPORARY stand-in (branch `stops`) for the method declaration registry built on another branch; the
merge replaces it. Only what darts_core.stops reads: get_method(name).arch_parameters."""

from __future__ import annotations

from types import SimpleNamespace

from darts_core.errors import DartsCoreError

_NO_ARCH_PARAMETERS = ("rsps",)


def get_method(name: str) -> SimpleNamespace:
    if name not in _NO_ARCH_PARAMETERS:
        raise DartsCoreError(f"unknown method {name!r} (temporary stand-in: knows only {', '.join(_NO_ARCH_PARAMETERS)})")
    return SimpleNamespace(name=name, arch_parameters=False)
