"""Which searches can share one job as a packed supernet (`compute.seeds_per_job` > 1), torch-free.

K searches pack when they differ only by their seed, their method declares a packed step
(darts_core.methods `packed`: DARTS-V1, DARTS-V2) and their space a packed supernet (`nb201`), and they
use nothing that draws from the global RNG during training (drop path: the K seeds would share one
stream) or that stops a single seed early (an online stop). Everything else runs one seed per job, as
with seeds_per_job 1: the study falls back per search setting; `run_packed_search` refuses with one line.
"""

from __future__ import annotations

from darts_core.methods import get_method
from darts_core.spaces import get_space


def packing_problem(cfg) -> str | None:
    """Why the searches of this setting (a SearchConfig) cannot be packed; None if they can."""
    spec = get_method(cfg.method)
    if not spec.packed:
        return f"method {cfg.method} has no packed implementation (packing: darts-v1, darts-v2)"
    if spec.impl_for(cfg) != spec.impl:
        return f"this setting runs a variant of {cfg.method} ({spec.impl_for(cfg)}), which has no packed implementation"
    if not get_space(cfg.space).packed_supernet:
        return f"space {cfg.space} has no packed supernet"
    if cfg.drop_path_prob > 0:
        return "drop_path_prob > 0 draws drop-path masks from the global RNG, which packed seeds would share"
    if cfg.online_stop is not None:
        return "an online stop may end one seed before the others"
    if getattr(cfg, "amp", "off") not in ("off", False):  # the speed switch of branch `fast`, once merged
        return f"amp {cfg.amp}: the packed step runs in the config's full precision"
    return None


def check_pack(cfgs) -> None:
    """One-line DartsCoreError unless `cfgs` (SearchConfigs, one per seed) can run as one packed search."""
    from darts_core.errors import DartsCoreError

    if not cfgs:
        raise DartsCoreError("packed search: no seeds given")
    seeds = [c.seed for c in cfgs]
    if len(set(seeds)) != len(seeds):
        raise DartsCoreError(f"packed search: seeds {seeds} repeat a seed")
    first = {k: v for k, v in cfgs[0].to_dict().items() if k != "seed"}
    for c in cfgs[1:]:
        other = {k: v for k, v in c.to_dict().items() if k != "seed"}
        diff = sorted(k for k in set(first) | set(other) if first.get(k) != other.get(k))
        if diff:
            raise DartsCoreError(f"packed search: seed {c.seed} has {diff[0]}={other.get(diff[0])!r}, seed "
                                 f"{cfgs[0].seed} {diff[0]}={first.get(diff[0])!r}; only the seed may differ")
    problem = packing_problem(cfgs[0])
    if problem and len(cfgs) > 1:
        raise DartsCoreError(f"packed search of seeds {seeds}: {problem}")
