"""Search settings: one frozen dataclass, presets, and validation with errors that name the key.

Defaults are the NAS-Bench-201 DARTS settings (xautodl `configs/nas-benchmark/algos/DARTS.config` and
`scripts-search/NAS-Bench-201-algos/DARTS-V1.sh`). Every learning-rate variant of the paper's Exp.1-7 is a
setting, not a code path:

- Exp.1/3 warm-up: `warmup_epochs` W first epochs with frozen alphas, included in `epochs` (warm-up 10 +
  50 joint epochs = `epochs: 60`). As in the authors' code (SP-DARTS `setup/warmup/DARTS.config10` +
  `exps/algos/DARTS-V1.py`, xautodl `CosineAnnealingLR`), the weight lr ramps linearly from 0 to `w_lr`
  over the W warm-up epochs (per step), then follows `w_lr_schedule` over the remaining epochs (cosine
  from `w_lr` to `w_lr_min` with T_max = epochs - W, i.e. the default 50-epoch schedule).
- Exp.2 `a_wd`; Exp.4 `a_lr`; Exp.5 preset `ex-darts`; Exp.6 `ops`; Exp.7 `ex-darts` + `a_lr`/`epochs`.

Other methods (Table 1/2) and their presets (the official NAS-Bench-201 defaults, cited per preset below):
`gaea` (+ `single_level` for GAEA-ERM, `exclude_zero`), `ex-gaea`, `drnas` (`drnas_reg`), `gdas`
(`tau_max` -> `tau_min`), `rsps` (`rsps_select_num`, `rsps_eval_batch_size`); `darts-space` is the DARTS
search space with quark0's settings. R-DARTS regularisation for every method: `w_wd` (L2) and
`drop_path_prob` (ScheduledDropPath, with scheduled cutout `cutout_length`/`cutout_prob`), see
darts_core.search.regularisation. `search_split` picks the data split (darts_core.data.loaders.SPLITS);
unset, it is `train` for single-level GAEA and `nb201` otherwise.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from darts_core.data import DATASETS
from darts_core.errors import DartsCoreError
from darts_core.search.registry import METHODS
from darts_core.spaces import ALIASES as SPACE_ALIASES
from darts_core.spaces import SPACES, get_space

PRESETS: dict[str, dict] = {
    "darts": {},  # the defaults below
    # EX-DARTS (Exp.5): chaoji90/SP-DARTS AutoDL-Projects_sp/setup/exchange/DARTS.config (LR = eta_min =
    # 0.0003, batch_size 256, decay 5e-4, nesterov, 50 epochs) and DARTS-V1.sh (--arch_learning_rate 0.025
    # --arch_weight_decay 0.001).
    "ex-darts": {"w_lr": 0.0003, "w_lr_min": 0.0003, "w_lr_schedule": "constant", "a_lr": 0.025, "batch_size": 256},
    # GAEA (liamcli/gaea_release): configs/cnn/mode/search_nasbench201.yaml (batch 64, lr 0.025 -> 0.001
    # cosine, momentum 0.9, wd 3e-4, grad_clip 5, init_channels 24, layers 5), search_method/edarts/
    # method_edarts_space_nasbench201.yaml (arch_learning_rate 0.1, arch_weight_decay 0 = entropic
    # regulariser, exclude_zero false), config.yaml (track_running_stats true, scheduler_epochs 50);
    # train_utils.setup_optimizer: SGD without Nesterov. The release runs run.epochs=25 of that 50-epoch
    # cosine; our schedule spans `epochs`, so the preset runs the full 50 (the paper's standard-201).
    "gaea": {"method": "gaea", "epochs": 50, "batch_size": 64, "channels": 24, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
             "a_lr": 0.1, "a_wd": 0.0, "track_running_stats": True},
    # EX-GAEA (Zhang & Ding Table 2): GAEA with its two default learning-rate schemes exchanged, as
    # EX-DARTS exchanges DARTS's: weights get the architecture's constant 0.1, the architecture (EG) the
    # weights' 0.025. The paper publishes no EX-GAEA settings; this is the literal exchange.
    "ex-gaea": {"method": "gaea", "epochs": 50, "batch_size": 64, "channels": 24, "num_cells": 5, "w_lr": 0.1,
                "w_lr_min": 0.1, "w_lr_schedule": "constant", "w_momentum": 0.9, "w_nesterov": False,
                "w_wd": 0.0003, "grad_clip": 5.0, "a_lr": 0.025, "a_wd": 0.0, "track_running_stats": True},
    # DrNAS (xiangning-chen/DrNAS 201-space/train_search.py defaults): 100 epochs, batch 64, lr 0.025 ->
    # 0.001 cosine, momentum 0.9 (no Nesterov), wd 3e-4, grad_clip 5, C=16, N=5, arch Adam 3e-4 (0.5, 0.999),
    # reg_type l2 with reg_scale 1e-3 (= Adam weight decay), train_portion 0.5 (first/second half of the
    # training set), TinyNetwork(track_running_stats=True).
    "drnas": {"method": "drnas", "epochs": 100, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
              "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
              "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "drnas_reg": "l2",
              "track_running_stats": True, "search_split": "darts"},
    # GDAS (D-X-Y/AutoDL-Projects configs/nas-benchmark/algos/GDAS.config: cos 0.025 -> 0.001, 250 epochs,
    # SGD decay 5e-4, momentum 0.9, nesterov, batch 64; scripts-search/NAS-Bench-201-algos/GDAS.sh:
    # C=16, N=5, --tau_max 10 --tau_min 0.1, --arch_learning_rate 0.0003 --arch_weight_decay 0.001).
    "gdas": {"method": "gdas", "epochs": 250, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.0005, "grad_clip": 5.0,
             "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "tau_max": 10.0, "tau_min": 0.1},
    # RSPS (AutoDL-Projects configs/nas-benchmark/algos/RANDOM.config: cos 0.025 -> 0.001, 250 epochs, decay
    # 5e-4, nesterov, batch 64, test_batch_size 512; RANDOM-NAS.sh: --select_num 100, C=16, N=5).
    "rsps": {"method": "rsps", "epochs": 250, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.0005, "grad_clip": 5.0,
             "rsps_select_num": 100, "rsps_eval_batch_size": 512},
    # DARTS space (quark0/darts cnn/train_search.py; RobustDARTS src/search/args.py agrees): 50 epochs, batch
    # 64, lr 0.025 -> 0.001, momentum 0.9 without Nesterov, wd 3e-4, grad_clip 5, C=16, 8 layers, arch Adam
    # 3e-4 (0.5, 0.999) wd 1e-3, train_portion 0.5 (first 25k / last 25k of the CIFAR-10 training set).
    # The loop is quark0's (`loop: quark0`): alpha step before the weight step, the clip on the weights only
    # (its alphas are not module parameters), the learning rate set once per epoch after
    # `scheduler.step()` (epoch e runs at the cosine's step e + 1).
    "darts-space": {"space": "darts", "loop": "quark0", "epochs": 50, "batch_size": 64, "channels": 16, "num_cells": 8, "w_lr": 0.025,
                    "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
                    "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "search_split": "darts"},
}
DRNAS_REGS = ("l2", "kl")
# methods that need a supernet with a one-op forward (NB201Supernet.forward_hard)
HARD_METHODS = ("gdas", "rsps")
SCHEDULES = ("cosine", "constant")
# whose training loop DARTS-V1/V2 follow: xautodl (NAS-Bench-201 scripts) or quark0 (DARTS space), see
# darts_core.search.darts and .schedule
LOOPS = ("xautodl", "quark0")
DEVICES = ("auto", "cpu", "cuda")
HESSIAN_METHODS = ("exact", "lanczos")


@dataclass(frozen=True)
class SearchConfig:
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
    exclude_zero: bool = False  # drop `none` from the ops (GAEA search.exclude_zero)
    single_level: bool = False  # GAEA-ERM: architecture steps on training batches (gaea search.single_level)
    drnas_reg: str = "l2"  # DrNAS reg_type: l2 (Adam weight decay a_wd) or kl (a_wd * KL(Dir(beta) || Dir(1)))
    drnas_progressive: bool = False  # DrNAS train_search_progressive.py (not implemented)
    tau_max: float = 10.0  # GDAS Gumbel temperature, linear tau_max -> tau_min over the epochs
    tau_min: float = 0.1
    rsps_select_num: int = 100  # RSPS: architectures sampled and scored per pick (RANDOM-NAS.sh --select_num)
    rsps_eval_batch_size: int = 512  # RSPS: validation images per scored architecture (test_batch_size)
    drop_path_prob: float = 0.0  # R-DARTS ScheduledDropPath p (p * epoch / (epochs - 1)); 0 = off
    cutout_length: int = 16  # scheduled cutout, on only with drop path (RobustDARTS); 0 = off
    cutout_prob: float = 1.0
    preset: str = "darts"

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


FIELDS = {f.name: f for f in dataclasses.fields(SearchConfig)}


def _int(key, v, low=None):
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        raise DartsCoreError(f"{key} must be an integer, got {v!r}")
    v = int(v)
    if low is not None and v < low:
        raise DartsCoreError(f"{key} must be >= {low}, got {v}")
    return v


def _float(key, v, low=0.0, strict=False, high=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise DartsCoreError(f"{key} must be a finite number, got {v!r}")
    if (v <= low) if strict else (v < low):
        raise DartsCoreError(f"{key} must be {'>' if strict else '>='} {low}, got {v}")
    if high is not None and v >= high:
        raise DartsCoreError(f"{key} must be < {high}, got {v}")
    return float(v)


def _bool(key, v):
    if not isinstance(v, bool):
        raise DartsCoreError(f"{key} must be true or false, got {v!r}")
    return v


def _choice(key, v, choices):
    if v not in choices:
        raise DartsCoreError(f"{key} {v!r} is not one of {', '.join(map(str, choices))}")
    return v


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
    for key in ("track_running_stats", "w_nesterov", "download"):
        v[key] = _bool(key, v[key])
    if v["w_nesterov"] and v["w_momentum"] == 0:
        raise DartsCoreError("w_nesterov needs w_momentum > 0")
    v["w_lr_schedule"] = _choice("w_lr_schedule", v["w_lr_schedule"], SCHEDULES)
    v["loop"] = _choice("loop", v["loop"], LOOPS)
    v["hessian_method"] = _choice("hessian_method", v["hessian_method"], HESSIAN_METHODS)
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
    """Validate (in place) the settings of the other methods and the R-DARTS options."""
    from darts_core.data.loaders import SPLITS
    from darts_core.search.registry import NO_ARCH_PARAMETERS

    method = v["method"]
    for key in ("exclude_zero", "single_level", "drnas_progressive"):
        v[key] = _bool(key, v[key])
    if v["exclude_zero"]:
        v["ops"] = tuple(op for op in v["ops"] if op != "none")
        if len(v["ops"]) < 2:
            raise DartsCoreError("exclude_zero leaves fewer than 2 ops")
    if v["single_level"] and method != "gaea":
        raise DartsCoreError(f"single_level (ERM) is a GAEA option; method is {method!r}")
    split = v["search_split"]
    if split is None:
        split = "train" if v["single_level"] else "nb201"
    v["search_split"] = _choice("search_split", split, SPLITS)
    v["drnas_reg"] = _choice("drnas_reg", v["drnas_reg"], DRNAS_REGS)
    if v["drnas_progressive"]:
        raise DartsCoreError("drnas_progressive: DrNAS's progressive variant (train_search_progressive.py: partial "
                             "channels 4 -> 2, pruning to the top ops between two stages) is not implemented; "
                             "the plain 201-space/train_search.py variant is (drnas_progressive: false)")
    v["tau_min"] = _float("tau_min", v["tau_min"], strict=True)
    v["tau_max"] = _float("tau_max", v["tau_max"], strict=True)
    if v["tau_max"] < v["tau_min"]:
        raise DartsCoreError(f"tau_max ({v['tau_max']}) must be >= tau_min ({v['tau_min']})")
    v["rsps_select_num"] = _int("rsps_select_num", v["rsps_select_num"], 1)
    v["rsps_eval_batch_size"] = _int("rsps_eval_batch_size", v["rsps_eval_batch_size"], 1)
    v["drop_path_prob"] = _float("drop_path_prob", v["drop_path_prob"], high=1.0)
    v["cutout_length"] = _int("cutout_length", v["cutout_length"], 0)
    v["cutout_prob"] = _float("cutout_prob", v["cutout_prob"])
    if v["cutout_prob"] > 1:
        raise DartsCoreError(f"cutout_prob must be <= 1, got {v['cutout_prob']}")
    if method in HARD_METHODS and not get_space(v["space"]).hard_forward:
        raise DartsCoreError(f"method {method} needs a one-op-per-edge forward, which only the nb201 supernet has "
                             f"(space {v['space']!r})")
    if method in NO_ARCH_PARAMETERS:
        if v["hessian_every"]:
            raise DartsCoreError(f"hessian_every: {method} has no architecture parameters (no Hessian to compute)")
        from darts_core.stops.criteria import needs_arch_parameters

        stop = str(v["online_stop"] or "").strip()
        if needs_arch_parameters(stop):
            raise DartsCoreError(f"online_stop {stop!r} is not applicable to {method}: it has no architecture "
                                 "parameters (its alpha log holds the selected architecture, see search/rsps.py)")
