"""Search settings: one frozen dataclass, presets, and validation with errors that name the key.

Defaults are the NAS-Bench-201 DARTS settings (xautodl `configs/nas-benchmark/algos/DARTS.config` and
`scripts-search/NAS-Bench-201-algos/DARTS-V1.sh`). Every learning-rate variant of the paper's Exp.1-7 is a
setting, not a code path:

- Exp.1/3 warm-up: `warmup_epochs` W first epochs with frozen alphas, included in `epochs` (warm-up 10 +
  50 joint epochs = `epochs: 60`). As the authors' code runs it (SP-DARTS `setup/warmup/DARTS.config{W}`:
  `epochs 50`, `warmup W`, + `exps/algos/DARTS-V1.py`, xautodl `CosineAnnealingLR`), the weight lr ramps
  linearly from 0 to `w_lr` over the warm-up (per step), then follows the cosine from `w_lr` (T_max = 50)
  only up to absolute epoch 50, and stays at `w_lr_min` after it (darts_core.search.schedule): for W = 100
  (Exp.3) all 50 joint epochs run at 0.001.
- Exp.2 `a_wd`; Exp.4 `a_lr`; Exp.5 preset `ex-darts`; Exp.6 `ops`; Exp.7 `ex-darts` + `a_lr`/`epochs`.

Other methods (Table 1/2) declare their own settings and presets in darts_core.methods (one file per
method family, each preset citing its official defaults): `gaea` (+ `single_level` for GAEA-ERM,
`exclude_zero`), `ex-gaea`, `drnas` (`drnas_reg`), `drnas-progressive` (`drnas_progressive` and the `drnas_stage_*` /
`drnas_partial_channels` / `drnas_keep_ops` lists), `gdas` (`tau_max` -> `tau_min`), `rsps`
(`rsps_select_num`, `rsps_eval_batch_size`), `setn` (`setn_select_num`, `setn_eval_batch_size`), `enas` (`enas_*`, and
`w_lr_t_max` 10: ENAS.config's periodic cosine); `darts-space` is the DARTS search space with quark0's
settings. SearchConfig is composed from the common fields below and every registered method's own. R-DARTS
regularisation for every method: `w_wd` (L2) and `drop_path_prob` (ScheduledDropPath, with scheduled
cutout `cutout_length`/`cutout_prob`), see darts_core.search.regularisation. `search_split` picks the data split (darts_core.data.loaders.SPLITS);
unset, it is `train` for single-level GAEA and `nb201` otherwise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from darts_core.data import DATASETS
from darts_core.errors import DartsCoreError
from darts_core.methods import METHODS, get_method, method_settings, presets
from darts_core.methods.base import as_bool as _bool, as_choice as _choice, as_float as _float, as_int as _int
from darts_core.spaces import ALIASES as SPACE_ALIASES
from darts_core.spaces import SPACES, get_space

PRESETS: dict[str, dict] = presets()  # every method's (darts_core.methods), then the space presets
SCHEDULES = ("cosine", "constant")
# whose training loop DARTS-V1/V2 follow: xautodl (NAS-Bench-201 scripts), quark0 (DARTS space) or
# robustdarts (quark0's steps, the learning rate of RobustDARTS's `scheduler.step(epoch)`), see
# darts_core.search.darts and .schedule
LOOPS = ("xautodl", "quark0", "robustdarts")
DEVICES = ("auto", "cpu", "cuda")
HESSIAN_METHODS = ("exact", "lanczos")
AMP_MODES = ("off", "bf16")  # fp16 would need loss scaling (a GradScaler): not implemented


@dataclass(frozen=True)
class _CommonSettings:
    """The fields every search has; SearchConfig adds the methods' own (before METHOD_FIELDS_BEFORE)."""

    space: str = "nb201"
    dataset: str = "cifar10"
    data_dir: str = "data"
    download: bool = False  # fetch missing CIFAR tarballs / split files (checksum-checked)
    ops: tuple[str, ...] | None = None  # None = all ops of the space, in its official order
    method: str = "darts-v1"
    epochs: int = 50  # all epochs, warm-up included
    warmup_epochs: int = 0
    batch_size: int = 64
    channels: int = 16
    num_cells: int = 5
    track_running_stats: bool = False  # search cells' BN (DARTS-V1.sh BN=0)
    w_lr: float = 0.025
    w_lr_min: float = 0.001
    w_lr_schedule: str = "cosine"
    w_lr_t_max: int | None = None  # cosine period T_max in epochs; None: epochs - warmup_epochs (ENAS: 10)
    loop: str = "xautodl"  # LOOPS: step order, what the clip covers, per-step or per-epoch learning rate
    w_momentum: float = 0.9
    w_nesterov: bool = True
    w_wd: float = 0.0005
    grad_clip: float = 5.0  # 0 = off
    a_lr: float = 0.0003
    a_betas: tuple[float, float] = (0.5, 0.999)
    a_wd: float = 0.001
    seed: int = 0
    device: str = "auto"
    workers: int = 0
    online_stop: str | None = None  # spec for darts_core.stops.online.make_online_stop
    online_patience: int = 0
    hessian_every: int = 0  # dominant Hessian eigenvalue every k epochs (0 = never)
    hessian_method: str = "exact"
    search_split: str | None = None  # nb201 | darts | train (darts_core.data.loaders.SPLITS); None: see above
    drop_path_prob: float = 0.0  # R-DARTS ScheduledDropPath p (p * epoch / (epochs - 1)); 0 = off
    cutout_length: int = 16  # scheduled cutout, on only with drop path (RobustDARTS); 0 = off
    cutout_prob: float = 1.0
    # --- speed switches (issue 18): the same math, or (amp) a documented change of precision ---------
    fast_path: bool = True  # batched convs, fused mixed sums, alpha-only alpha gradients; False: the reference
    channels_last: bool | str = "auto"  # NHWC activations in the NB201 supernet; auto: on the CPU only
    amp: str = "off"  # autocast of the forward passes: off | bf16 | fp16 (fp16 only on CUDA)
    compile: bool = False  # torch.compile (inductor) of the supernet's forward; off until measured on a GPU
    preset: str = "darts"


# the methods' fields go between search_split and drop_path_prob, so to_dict() keeps the key order of the
# run.json files and checkpoints written before SearchConfig was composed
METHOD_FIELDS_BEFORE = "drop_path_prob"


def _to_dict(self) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def compose_search_config() -> type:
    """One frozen dataclass: the common fields and every registered method's own (darts_core.methods)."""
    own = [(name, s.annotation, dataclasses.field(default=s.default, metadata={"doc": s.doc}))
           for name, s in method_settings().items()]
    common = [(f.name, f.type, dataclasses.field(default=f.default, metadata=f.metadata))
              for f in dataclasses.fields(_CommonSettings)]
    clash = sorted({n for n, _, _ in own} & {n for n, _, _ in common})
    if clash:
        raise DartsCoreError(f"method setting {clash[0]!r} is a common search setting")
    at = [n for n, _, _ in common].index(METHOD_FIELDS_BEFORE)
    cls = dataclasses.make_dataclass("SearchConfig", common[:at] + own + common[at:], frozen=True,
                                     namespace={"to_dict": _to_dict, "__doc__": "Settings of one search."})
    cls.__module__ = __name__  # pickles and prints as darts_core.search.config.SearchConfig
    return cls


SearchConfig = compose_search_config()
FIELDS = {f.name: f for f in dataclasses.fields(SearchConfig)}


def resolve_config(mapping: dict) -> SearchConfig:
    """Defaults, then the preset (`preset` key, default 'darts'), then the explicit keys; all validated."""
    if not isinstance(mapping, dict):
        raise DartsCoreError(f"a search config must be a mapping, got {type(mapping).__name__}")
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise DartsCoreError(f"unknown search setting {unknown[0]!r}; known: {', '.join(FIELDS)}")
    preset = _choice("preset", mapping.get("preset") or "darts", tuple(PRESETS))
    v = {k: f.default for k, f in FIELDS.items()}
    v.update(PRESETS[preset])
    v.update({k: x for k, x in mapping.items() if x is not None or k == "online_stop"})
    v["preset"] = preset

    v["space"] = _choice("space", SPACE_ALIASES.get(v["space"], v["space"]), tuple(SPACES))
    aliases = {d.lower(): d for d in DATASETS}
    v["dataset"] = _choice("dataset", aliases.get(str(v["dataset"]).lower(), v["dataset"]), DATASETS)
    v["method"] = _choice("method", v["method"], tuple(METHODS))
    space = get_space(v["space"])
    ops = v["ops"]
    if isinstance(ops, str) or not (ops is None or isinstance(ops, (list, tuple))):
        raise DartsCoreError(f"ops must be a list of op names, got {ops!r}")
    v["ops"] = tuple(space.ops) if ops is None else tuple(space.check_ops(list(ops)))
    for key, low in (("epochs", 1), ("warmup_epochs", 0), ("batch_size", 1), ("channels", 1), ("num_cells", 1),
                     ("seed", 0), ("workers", 0), ("online_patience", 0), ("hessian_every", 0)):
        v[key] = _int(key, v[key], low)
    if v["seed"] >= SEED_LIMIT:  # numpy seeds with 32 bits: every search would end in a traceback
        raise DartsCoreError(f"seed must be < 2**32 ({SEED_LIMIT}), got {v['seed']}")
    if v["warmup_epochs"] >= v["epochs"]:
        raise DartsCoreError(f"warmup_epochs ({v['warmup_epochs']}) must be < epochs ({v['epochs']}, warm-up included)")
    for key in ("w_lr", "a_lr"):
        v[key] = _float(key, v[key], strict=True)
    for key in ("w_lr_min", "w_wd", "a_wd", "grad_clip"):
        v[key] = _float(key, v[key])
    v["w_momentum"] = _float("w_momentum", v["w_momentum"], high=1.0)
    betas = v["a_betas"]
    if not isinstance(betas, (list, tuple)) or len(betas) != 2:
        raise DartsCoreError(f"a_betas must be two numbers, got {betas!r}")
    v["a_betas"] = tuple(_float("a_betas", b, high=1.0) for b in betas)
    for key in ("track_running_stats", "w_nesterov", "download", "fast_path", "compile"):
        v[key] = _bool(key, v[key])
    # auto: NHWC on the CPU, where it was measured faster (README, Performance); elsewhere NCHW until measured
    v["channels_last"] = "auto" if v["channels_last"] == "auto" else _bool("channels_last", v["channels_last"])
    if v["w_nesterov"] and v["w_momentum"] == 0:
        raise DartsCoreError("w_nesterov needs w_momentum > 0")
    v["w_lr_schedule"] = _choice("w_lr_schedule", v["w_lr_schedule"], SCHEDULES)
    if v["w_lr_t_max"] is not None:
        v["w_lr_t_max"] = _int("w_lr_t_max", v["w_lr_t_max"], 1)
    v["loop"] = _choice("loop", v["loop"], LOOPS)
    v["hessian_method"] = _choice("hessian_method", v["hessian_method"], HESSIAN_METHODS)
    v["amp"] = _choice("amp", "off" if v["amp"] is False else v["amp"], AMP_MODES)  # YAML reads a bare off as false
    device = str(v["device"])
    if not (device in DEVICES or device.startswith("cuda:")):
        raise DartsCoreError(f"device {device!r} is not one of auto, cpu, cuda, cuda:N")
    v["device"] = device
    if v["online_stop"] is not None and not (isinstance(v["online_stop"], str) and v["online_stop"].strip()):
        raise DartsCoreError(f"online_stop must be a stop spec string or null, got {v['online_stop']!r}")
    v["data_dir"] = str(v["data_dir"])
    _method_settings(v)
    if v["online_stop"] is not None:  # checked here, before any job: the search loop would fail only once started
        from darts_core.stops.criteria import check_online_stop

        try:
            check_online_stop(v["online_stop"], v["online_patience"], v["ops"])
        except DartsCoreError as err:
            raise DartsCoreError(str(err) if str(err).startswith("online stop") else f"online_stop: {err}") from None
    return SearchConfig(**v)


def _method_settings(v: dict) -> None:
    """Validate (in place) every method's own settings (darts_core.methods), the split and R-DARTS options."""
    from darts_core.data.loaders import ONLY_DARTS_SPLIT, SPLITS

    method = v["method"]
    for spec in METHODS.values():  # each its own fields, whatever the method (GAEA may set search_split)
        spec.check(v)
    split = "nb201" if v["search_split"] is None else v["search_split"]
    v["search_split"] = _choice("search_split", split, SPLITS)
    if v["dataset"] in ONLY_DARTS_SPLIT and v["search_split"] != "darts":
        raise DartsCoreError(f"search_split {v['search_split']}: {v['dataset']} has only RobustDARTS's split (first / "
                             "second half of the training set); set search_split: darts (preset darts-space does)")
    v["drop_path_prob"] = _float("drop_path_prob", v["drop_path_prob"], high=1.0)
    v["cutout_length"] = _int("cutout_length", v["cutout_length"], 0)
    v["cutout_prob"] = _float("cutout_prob", v["cutout_prob"])
    if v["cutout_prob"] > 1:
        raise DartsCoreError(f"cutout_prob must be <= 1, got {v['cutout_prob']}")
    asked = [k for k, off in (("channels_last", False), ("amp", "off"), ("compile", False))
             if v[k] != off and not (k == "channels_last" and v[k] == "auto")]
    if asked and not get_space(v["space"]).speed_switches:
        raise DartsCoreError(f"{asked[0]}: the {v['space']} supernet does not implement this switch (only nb201's does)")
    if v["compile"] and get_method(method).hard_forward:
        raise DartsCoreError(f"compile: {method} runs a new one-op-per-edge graph at each step; compile is for "
                             "the methods that mix all ops")
    if get_method(method).hard_forward and not get_space(v["space"]).hard_forward:
        raise DartsCoreError(f"method {method} needs a one-op-per-edge forward, which only the nb201 supernet has "
                             f"(space {v['space']!r})")
    if not get_method(method).arch_parameters:
        if v["hessian_every"]:
            raise DartsCoreError(f"hessian_every: {method} has no architecture parameters (no Hessian to compute)")
        from darts_core.stops.criteria import needs_arch_parameters

        stop = str(v["online_stop"] or "").strip()
        if needs_arch_parameters(stop):
            raise DartsCoreError(f"online_stop {stop!r} is not applicable to {method}: it has no architecture "
                                 f"parameters (what its alpha log holds: darts_core/methods/{method}.py)")


SEED_LIMIT = 2**32  # np.random.seed takes 0 <= seed < 2**32

# settings that may change between a run and its resumption (they do not change the result)
# (fast_path, channels_last, compile: the same math, float rounding apart; amp changes precision, so counts)
NOT_SCIENTIFIC = frozenset({"data_dir", "device", "workers", "download", "fast_path", "channels_last", "compile"})
# settings SearchConfig no longer has, with the one value they could hold: a checkpoint written before
# their removal still resumes (drnas_progressive, once a setting that could only be false, is one again:
# a checkpoint written with false resumes as the plain DrNAS it is)
RETIRED: dict[str, object] = {}


def changed_setting(saved: dict, now: dict) -> str | None:
    """The first (sorted) scientific setting whose value differs between two `to_dict()`s, else None."""
    saved = {k: v for k, v in saved.items() if not (k in RETIRED and k not in now and v == RETIRED[k])}
    # settings added since `saved` was written (a new method's, w_lr_t_max): equal if at their default
    default = SearchConfig().to_dict()
    saved.update({k: default[k] for k in now if k not in saved and now[k] == default[k]})
    for key in sorted(set(saved) | set(now)):
        if key not in NOT_SCIENTIFIC and saved.get(key) != now.get(key):
            return key
    return None
