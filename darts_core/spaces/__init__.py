"""Search spaces: op sets, edges and the strings that name architectures, one `Space` object per name.

A space of an existing family is one line in SPACES (e.g. a DARTS-family space with its own op lists per
edge); a new family is one file with a `Space` subclass (see base.py) plus its line. Code outside this
package asks the Space object (`get_space(name)`, `space_of_arch(arch)`) instead of comparing names.
Torch-free: supernets are "module:function" strings imported by `Space.build_supernet`.
"""

from __future__ import annotations

from darts_core.errors import DartsCoreError
from darts_core.spaces import darts as _darts
from darts_core.spaces import nb1shot1 as _nb1shot1
from darts_core.spaces.base import Space
from darts_core.spaces.darts import DartsFamilySpace
from darts_core.spaces.nb201 import Nb201Space

_NET = "darts_core.nn.darts_supernet"
SPACES: dict[str, Space] = {
    "nb201": Nb201Space(),
    # the DARTS space (= RobustDARTS s5) and RobustDARTS S1-S4, op lists in darts.SPACES
    "darts": DartsFamilySpace("darts", supernet=f"{_NET}:build_darts"),
    **{k: DartsFamilySpace(k, supernet=f"{_NET}:build_{k}", normal=_darts.SPACES[k].normal,
                           reduce=_darts.SPACES[k].reduce) for k in ("s1", "s2", "s3", "s4")},
    # NAS-Bench-1Shot1 search spaces 1-3 (NAS-Bench-101 sub-spaces), each its own family
    "nb1shot1-s1": _nb1shot1.make_space(1),
    "nb1shot1-s2": _nb1shot1.make_space(2),
    "nb1shot1-s3": _nb1shot1.make_space(3),
}
ALIASES = {f"darts-s{k}": f"s{k}" for k in range(1, 5)}  # search configs name S1-S4 so too
# names only a family is known by: DARTS-PT imports call the full DARTS space s5 (RobustDARTS's name)
FAMILY_ALIASES = {"s5": "darts"}


def get_space(name: str) -> Space:
    name = ALIASES.get(name, name)
    if name not in SPACES:
        raise DartsCoreError(f"unknown space {name!r}; choose from {', '.join(SPACES)}")
    return SPACES[name]


def get_family(name: str) -> Space:
    """The base space of the family of `name` (a registered space, an alias or `s5`), case-insensitive."""
    key = str(name).lower()
    space = SPACES.get(FAMILY_ALIASES.get(key, ALIASES.get(key, key)))
    if space is None:
        raise DartsCoreError(f"unknown search space {key!r}; choose from {', '.join([*SPACES, *FAMILY_ALIASES])}")
    return SPACES[space.family]  # a family's base space is registered under the family's label


def families() -> tuple[Space, ...]:
    """The base space of each family, in registry order."""
    return tuple(dict.fromkeys(SPACES[s.family] for s in SPACES.values()))


def space_of_arch(arch: str) -> Space:
    """The base space of the family whose strings `arch` is written in (`Genotype(...)`: DARTS;
    `nb1shot1-sK|...`: that NAS-Bench-1Shot1 space; anything else: NB201, whose parser says what is wrong)."""
    for space in families():
        if space.claims_arch(arch):
            return space
    return SPACES["nb201"]
