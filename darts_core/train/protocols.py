"""Training protocols as config presets (a frozen dataclass; `get_protocol(name, **overrides)`).

- darts-cifar: quark0/darts cnn/train.py defaults run as its README says (`--auxiliary --cutout`).
- drnas-cifar: xiangning-chen/DrNAS DARTS-space/train.py defaults with its README flags (`--cutout
  --auxiliary`). Zhang & Ding (Sec. 3, Table 4) evaluate "based on the source code from DrNAS ... keep the
  hyperparameter settings unchanged": so this, not darts-cifar, is the paper's own Table 4 protocol
  (batch 64 and drop path 0.3 instead of 96 and 0.2).
- darts-imagenet: quark0 cnn/train_imagenet.py defaults with `--auxiliary` (README).
- drnas-imagenet: DrNAS DARTS-space/train_imagenet.py defaults with `--auxiliary` (the paper's Table 5
  code base: batch 768, lr 0.5, linear decay, 5 warm-up epochs because batch > 256).
- rdarts: automl/RobustDARTS src/evaluation/args.py defaults as scripts/DARTS_eval.sh runs them (`--cutout
  --auxiliary --seed 1`) for the cells found on S1-S4, the same for CIFAR-10, CIFAR-100 and SVHN (only
  n_classes follows the dataset in args.py): 600 epochs, batch 96, lr 0.025 cosine to 0 (train.py
  CosineAnnealingLR(optimizer, epochs)), momentum 0.9, wd 3e-4, clip 5, 16 initial channels, 8 cells,
  auxiliary weight 0.4, cutout 16 (prob 1), drop path 0.2 * epoch / epochs; tested on the test set.
- demo: a tiny CPU run (few epochs, small network) for the demo profile and tests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from darts_core.errors import DartsCoreError


@dataclass(frozen=True)
class TrainConfig:
    name: str
    network: str = "cifar"  # cifar | imagenet (darts_core.nn.darts_network)
    epochs: int = 600
    batch_size: int = 96
    eval_batch_size: int = 0  # 0 = batch_size
    lr: float = 0.025
    lr_schedule: str = "cosine"  # cosine | step | linear
    lr_min: float = 0.0  # cosine floor (CosineAnnealingLR eta_min default 0)
    gamma: float = 0.97  # step
    decay_period: int = 1  # step
    warmup_epochs: int = 0  # linear ramp lr*(e+1)/W for e < W (DrNAS ImageNet)
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    init_channels: int = 36
    layers: int = 20
    auxiliary: bool = True
    auxiliary_weight: float = 0.4
    drop_path_prob: float = 0.2  # scheduled: p * epoch / epochs
    cutout_length: int = 16  # 0 = off
    label_smoothing: float = 0.0
    num_workers: int = 0
    # mixed precision: off (float32, as the official code), bf16 (autocast) or fp16 (autocast + GradScaler)
    amp: str = "off"
    # BatchNorm groups of the global batch (darts_core.train.distributed): 0 = one per process, as DrNAS's
    # DataParallel (one per GPU); k = k groups whatever the number of processes (a multiple of it)
    bn_groups: int = 0

    def lr_at(self, epoch: int) -> float:
        """Learning rate of (0-based) `epoch`. quark0 calls scheduler.step() at the start of each epoch
        under PyTorch 0.3 semantics, DrNAS at the end under >= 1.1: both give epoch e the value below."""
        if self.lr_schedule == "cosine":
            lr = self.lr_min + (self.lr - self.lr_min) * (1 + math.cos(math.pi * epoch / self.epochs)) / 2
        elif self.lr_schedule == "step":
            lr = self.lr * self.gamma ** (epoch // self.decay_period)
        elif self.lr_schedule == "linear":  # DrNAS train_imagenet.py adjust_lr (gentler slope for the last 5)
            T = self.epochs
            lr = self.lr * (T - 5 - epoch) / (T - 5) if T - epoch > 5 else self.lr * (T - epoch) / ((T - 5) * 5)
        else:
            raise DartsCoreError(f"unknown lr_schedule {self.lr_schedule!r}; choose cosine, step or linear")
        if epoch < self.warmup_epochs:
            lr = self.lr * (epoch + 1) / self.warmup_epochs
        return lr

    def drop_prob_at(self, epoch: int) -> float:
        return self.drop_path_prob * epoch / self.epochs  # quark0 train.py

    def to_dict(self) -> dict:
        return asdict(self)


_CIFAR = dict(network="cifar", epochs=600, lr=0.025, lr_schedule="cosine", momentum=0.9, weight_decay=3e-4, grad_clip=5.0,
              init_channels=36, layers=20, auxiliary=True, auxiliary_weight=0.4, cutout_length=16)
_IMAGENET = dict(network="imagenet", epochs=250, weight_decay=3e-5, momentum=0.9, grad_clip=5.0, init_channels=48,
                 layers=14, auxiliary=True, auxiliary_weight=0.4, drop_path_prob=0.0, cutout_length=0, label_smoothing=0.1)

PRESETS: dict[str, TrainConfig] = {
    "darts-cifar": TrainConfig("darts-cifar", **_CIFAR, batch_size=96, drop_path_prob=0.2),
    "drnas-cifar": TrainConfig("drnas-cifar", **_CIFAR, batch_size=64, drop_path_prob=0.3),
    "darts-imagenet": TrainConfig("darts-imagenet", **_IMAGENET, batch_size=128, lr=0.1, lr_schedule="step",
                                  gamma=0.97, decay_period=1),
    "drnas-imagenet": TrainConfig("drnas-imagenet", **_IMAGENET, batch_size=768, lr=0.5, lr_schedule="linear",
                                  warmup_epochs=5),
    "rdarts": TrainConfig("rdarts", **{**_CIFAR, "init_channels": 16, "layers": 8}, batch_size=96, drop_path_prob=0.2),
    "demo": TrainConfig("demo", network="cifar", epochs=3, batch_size=32, lr=0.025, lr_schedule="cosine", init_channels=4,
                        layers=5, auxiliary=False, drop_path_prob=0.2, cutout_length=2),
}

# where each preset's values come from (the protocol table, darts_core.study.protocol)
SOURCES = {
    "darts-cifar": "quark0/darts cnn/train.py defaults + README (--auxiliary --cutout)",
    "drnas-cifar": "xiangning-chen/DrNAS DARTS-space/train.py defaults + README (--cutout --auxiliary)",
    "darts-imagenet": "quark0/darts cnn/train_imagenet.py defaults + README (--auxiliary)",
    "drnas-imagenet": "xiangning-chen/DrNAS DARTS-space/train_imagenet.py defaults (--auxiliary)",
    "rdarts": "automl/RobustDARTS src/evaluation/args.py + train.py defaults, scripts/DARTS_eval.sh (--cutout --auxiliary)",
    "demo": "ours: a tiny CPU run for the demo",
}

NETWORKS = ("cifar", "imagenet")
# datasets a cell is retrained on (darts_core.train.data); those read from an image folder (config
# paths.imagenet) by the ImageNet protocols, the rest from the CIFAR-style loaders
RETRAIN_DATASETS = ("cifar10", "cifar100", "digits", "imagenet", "svhn")
FOLDER_DATASETS = ("imagenet",)


def trains_on(protocol: str, dataset: str) -> bool:
    """Whether a protocol (by its name) is one for `dataset`: the ImageNet protocols train on the folder
    datasets, the others on the rest."""
    return (dataset in FOLDER_DATASETS) == ("imagenet" in protocol)
# (field, lowest allowed, first disallowed above or None); lr must also be > 0
_RANGES = (("eval_batch_size", 0, None), ("lr", 0, None), ("lr_min", 0, None), ("gamma", 0, None),
           ("decay_period", 1, None), ("warmup_epochs", 0, None), ("momentum", 0, 1), ("weight_decay", 0, None),
           ("grad_clip", 0, None), ("init_channels", 1, None), ("layers", 1, None), ("auxiliary_weight", 0, None),
           ("drop_path_prob", 0, 1), ("cutout_length", 0, None), ("label_smoothing", 0, 1), ("num_workers", 0, None),
           ("bn_groups", 0, None))
AMP = ("off", "bf16", "fp16")


def _check_type(name: str, key: str, value, typ: str) -> None:
    ok = {"int": isinstance(value, int) and not isinstance(value, bool),
          "float": isinstance(value, (int, float)) and not isinstance(value, bool),
          "bool": isinstance(value, bool), "str": isinstance(value, str)}[typ]
    if not ok:
        what = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}[typ]
        raise DartsCoreError(f"protocol {name}: {key} must be {what}, got {value!r}")


def get_protocol(name: str, **overrides) -> TrainConfig:
    """A preset with some fields replaced (None values are ignored, so CLI defaults can pass through)."""
    if name not in PRESETS:
        raise DartsCoreError(f"unknown protocol {name!r}; choose from {', '.join(PRESETS)}")
    known = {f.name: f.type for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise DartsCoreError(f"protocol {name}: unknown protocol field(s) {', '.join(unknown)}; known: {', '.join(known)}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    # overrides come from the config's retrain entries too: a wrong type would end in a TypeError deep in
    # training (or in the workflow's time-limit callable), a wrong range in a useless run
    for key, value in overrides.items():
        _check_type(name, key, value, known[key])
        if known[key] in ("float", "int") and not math.isfinite(value):  # NaN passes every range check
            raise DartsCoreError(f"protocol {name}: {key} must be a finite number, got {value}")
    if name == "drnas-imagenet" and overrides.get("batch_size", 768) <= 256 and "warmup_epochs" not in overrides:
        overrides["warmup_epochs"] = 0  # DrNAS warms up only `if epoch < 5 and args.batch_size > 256`
    cfg = replace(PRESETS[name], **overrides)
    if cfg.epochs < 1 or cfg.batch_size < 1:
        raise DartsCoreError(f"protocol {name}: epochs and batch_size must be >= 1")
    if cfg.network not in NETWORKS:
        raise DartsCoreError(f"protocol {name}: network {cfg.network!r} is not one of {', '.join(NETWORKS)}")
    for key, low, high in _RANGES:
        value = getattr(cfg, key)
        if value < low or (high is not None and value >= high) or (key == "lr" and value <= 0):
            bound = "> 0" if key == "lr" else f">= {low}" + (f" and < {high}" if high is not None else "")
            raise DartsCoreError(f"protocol {name}: {key} must be {bound}, got {value}")
    if cfg.lr_schedule == "linear" and cfg.epochs <= 5:
        raise DartsCoreError(f"protocol {name}: the linear schedule needs more than 5 epochs")
    if cfg.amp not in AMP:
        raise DartsCoreError(f"protocol {name}: amp must be one of {', '.join(AMP)}, got {cfg.amp!r}")
    cfg.lr_at(0)  # validates lr_schedule
    return cfg
