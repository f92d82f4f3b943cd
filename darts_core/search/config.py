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
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from darts_core.data import DATASETS
from darts_core.errors import DartsCoreError
from darts_core.search.registry import METHODS, SPACES, space_module

PRESETS: dict[str, dict] = {
    "darts": {},  # the defaults below
    # EX-DARTS (Exp.5): chaoji90/SP-DARTS AutoDL-Projects_sp/setup/exchange/DARTS.config (LR = eta_min =
    # 0.0003, batch_size 256, decay 5e-4, nesterov, 50 epochs) and DARTS-V1.sh (--arch_learning_rate 0.025
    # --arch_weight_decay 0.001).
    "ex-darts": {"w_lr": 0.0003, "w_lr_min": 0.0003, "w_lr_schedule": "constant", "a_lr": 0.025, "batch_size": 256},
}
SCHEDULES = ("cosine", "constant")
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

    v["space"] = _choice("space", v["space"], tuple(SPACES))
    aliases = {d.lower(): d for d in DATASETS}
    v["dataset"] = _choice("dataset", aliases.get(str(v["dataset"]).lower(), v["dataset"]), DATASETS)
    v["method"] = _choice("method", v["method"], tuple(METHODS))
    space = space_module(v["space"])
    ops = v["ops"]
    if isinstance(ops, str) or not (ops is None or isinstance(ops, (list, tuple))):
        raise DartsCoreError(f"ops must be a list of op names, got {ops!r}")
    v["ops"] = tuple(space.OPS) if ops is None else tuple(space.check_ops(list(ops)))
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
    v["hessian_method"] = _choice("hessian_method", v["hessian_method"], HESSIAN_METHODS)
    device = str(v["device"])
    if not (device in DEVICES or device.startswith("cuda:")):
        raise DartsCoreError(f"device {device!r} is not one of auto, cpu, cuda, cuda:N")
    v["device"] = device
    if v["online_stop"] is not None and not (isinstance(v["online_stop"], str) and v["online_stop"].strip()):
        raise DartsCoreError(f"online_stop must be a stop spec string or null, got {v['online_stop']!r}")
    v["data_dir"] = str(v["data_dir"])
    return SearchConfig(**v)
