"""Criterion name -> class. Adding a criterion: one file with a base.Criterion subclass, one line here."""

from __future__ import annotations

from darts_core.errors import DartsCoreError
from darts_core.stops.criteria.base import Criterion
from darts_core.stops.criteria.darts_es import DartsEs
from darts_core.stops.criteria.darts_plus_rt import RankingStable
from darts_core.stops.criteria.darts_plus_sc import SkipConnects
from darts_core.stops.criteria.final import Final
from darts_core.stops.criteria.selective import SelectiveStop

CRITERIA: dict[str, type[Criterion]] = {
    "final": Final,
    "ss_peak": SelectiveStop,
    "ss_residual": SelectiveStop,
    "darts+_sc": SkipConnects,
    "darts+_rt": RankingStable,
    "darts_es": DartsEs,
}


def forms() -> str:
    return ", ".join(cls.form.format(name=name) for name, cls in CRITERIA.items())


FORMS = forms()  # of the built-in criteria


def parse_criterion(text: str) -> Criterion:
    text = str(text).strip()
    name, _, arg = text.partition(":")
    c = CRITERIA[name].parse(text, name, arg) if name in CRITERIA else None
    if c is None:
        raise DartsCoreError(f"unknown stop criterion {text!r}; forms: {forms()}")
    return c


def check_online_stop(spec: str, patience: int, ops) -> Criterion:
    """An online stop spec (search setting `online_stop`) checked against the run's op list and patience;
    resolve_config calls it, so a bad spec fails before the search starts, not in the search job."""
    c = parse_criterion(spec)
    c.check_online(spec, int(patience), tuple(ops))
    return c


def needs_arch_parameters(spec: str) -> bool:
    """Whether the criterion of `spec` reads alpha dynamics (not applicable to methods without alphas);
    False for an unknown name (parse_criterion reports that one)."""
    cls = CRITERIA.get(str(spec).strip().partition(":")[0])
    return cls is not None and "arch_parameters" in cls.needs
