"""What a method declaration is, and the value checks the declarations and search/config.py share.

Torch-free on purpose: the Snakefile validates configs at DAG time and the analysis env (stop
criteria) has no torch; the implementation (`impl`) is imported only when a search runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from darts_core.errors import DartsCoreError


@dataclass(frozen=True)
class Setting:
    """One of a method's own SearchConfig fields."""

    default: object
    doc: str = ""
    type: object = None  # annotation of the field; None: the default's type

    @property
    def annotation(self):
        return type(self.default).__name__ if self.type is None else self.type


@dataclass(frozen=True)
class MethodSpec:
    """A search method: its name, its implementation, the settings and presets it owns, its capabilities.

    `check` is called by resolve_config for every registered method whatever the config's method (so a bad
    value of any method's setting is refused, as a typo would be), after the common fields are checked;
    the config's method is `values["method"]`. Subclasses override it to validate their own fields in place.
    """

    name: str
    impl: str  # "module:Class" of the torch implementation (darts_core.search), imported by method_class
    settings: dict[str, Setting] = field(default_factory=dict)
    presets: dict[str, dict] = field(default_factory=dict)
    # preset -> the official file(s) its values come from (the protocol table, darts_core.study.protocol)
    sources: dict[str, str] = field(default_factory=dict)
    # False: no architecture parameters (RSPS: the alpha log records the architecture it selects; ENAS: the
    # controller's per-edge marginals), so no Hessian and no stop criterion built on architecture-parameter
    # dynamics
    arch_parameters: bool = True
    # needs a supernet with a one-op-per-edge forward (NB201Supernet.forward_hard; GDAS, RSPS, SETN, ENAS)
    hard_forward: bool = False
    # "module:Class" of a step that trains several seeds in one packed supernet (darts_core.search.packed);
    # "" = not packable (compute.seeds_per_job runs it one seed per job)
    packed: str = ""

    def check(self, values: dict) -> None:
        pass

    # --- per-config choices (a variant of the method selected by its settings) ------------------
    def impl_for(self, cfg) -> str:
        """The implementation that runs `cfg` (default `impl`; DrNAS progressive has its own)."""
        return self.impl

    def weight_lr(self, cfg, epoch: int, frac: float = 0.0) -> float | None:
        """The weight learning rate of 0-based `epoch` when the method has its own schedule; None: the
        common one (darts_core.search.schedule)."""
        return None

    def alphas_frozen(self, cfg, epoch: int) -> bool | None:
        """Whether `epoch` takes no architecture steps, when the method decides; None: the common
        warm-up (`epoch < warmup_epochs`)."""
        return None


def as_int(key, v, low=None):
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        raise DartsCoreError(f"{key} must be an integer, got {v!r}")
    v = int(v)
    if low is not None and v < low:
        raise DartsCoreError(f"{key} must be >= {low}, got {v}")
    return v


def as_float(key, v, low=0.0, strict=False, high=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise DartsCoreError(f"{key} must be a finite number, got {v!r}")
    if (v <= low) if strict else (v < low):
        raise DartsCoreError(f"{key} must be {'>' if strict else '>='} {low}, got {v}")
    if high is not None and v >= high:
        raise DartsCoreError(f"{key} must be < {high}, got {v}")
    return float(v)


def as_bool(key, v):
    if not isinstance(v, bool):
        raise DartsCoreError(f"{key} must be true or false, got {v!r}")
    return v


def as_choice(key, v, choices):
    if v not in choices:
        raise DartsCoreError(f"{key} {v!r} is not one of {', '.join(map(str, choices))}")
    return v
