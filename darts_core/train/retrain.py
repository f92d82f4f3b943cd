"""Retrain a DARTS-space genotype from scratch (Tables 4 and 5): resolve the genotype, build the evaluation
network for the protocol, train with per-epoch checkpoints, write results.json (params M, test error,
top-1 / top-5)."""

from __future__ import annotations

import contextlib
import platform
import random
from pathlib import Path

import numpy as np
import torch

from darts_core.errors import DartsCoreError
from darts_core.layout import RETRAIN_LOCK
from darts_core.nn.darts_network import NetworkCIFAR, NetworkImageNet
from darts_core.runlog import folder_lock
from darts_core.spaces import darts
from darts_core.train.distributed import SINGLE, Dist
from darts_core.train.protocols import TrainConfig
from darts_core.train.trainer import fit


def build_network(genotype: darts.Genotype, cfg: TrainConfig, num_classes: int, in_channels: int = 3):
    cls = {"cifar": NetworkCIFAR, "imagenet": NetworkImageNet}.get(cfg.network)
    if cls is None:
        raise DartsCoreError(f"unknown network {cfg.network!r}; choose cifar or imagenet")
    return cls(cfg.init_channels, num_classes, cfg.layers, cfg.auxiliary, genotype, in_channels=in_channels)


def seed_everything(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DartsCoreError(f"seed must be an integer with 0 <= seed < 2**32 (numpy's limit), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def retrain(genotype: darts.Genotype, dataset: str, cfg: TrainConfig, out_dir, data_dir=None, seed: int = 0,
            device: str = "cpu", allow_download: bool = False, on_epoch_end=None, log=None, dist: Dist = SINGLE,
            time_limit_s: float | None = None) -> dict:
    """Train `genotype` under protocol `cfg` on `dataset`; resumes from out_dir/checkpoint.pt. `dist`: this
    process's rank in a multi-GPU job (darts_core.train.launch); `time_limit_s`: see trainer.fit."""
    from darts_core.train.data import retrain_loaders

    if (cfg.network == "imagenet") != (dataset == "imagenet"):
        raise DartsCoreError(f"protocol {cfg.name} builds the {cfg.network} network; it does not fit dataset {dataset}")
    train, test, num_classes, shape = retrain_loaders(dataset, data_dir, cfg.batch_size, cfg.eval_batch_size,
                                                      cfg.num_workers, seed, allow_download)
    if str(device).startswith("cuda"):
        torch.backends.cudnn.benchmark = True  # quark0 train.py (GPU runs are not bit-reproducible anyway)
    seed_everything(seed)
    model = build_network(genotype, cfg, num_classes, in_channels=int(shape[0]))
    text = darts.genotype_string(genotype)
    identity = {"genotype": text, "dataset": dataset, "seed": seed}
    info = {**identity, "protocol": cfg.name, "device": str(device), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version()}
    if dist.main:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    # one writer per retrain folder, for its lifetime: rank 0 of a multi-GPU job holds it for all ranks
    with folder_lock(out_dir, RETRAIN_LOCK, "training") if dist.main else contextlib.nullcontext():
        return fit(model, train, test, cfg, out_dir, device=device, identity=identity, info=info,
                   on_epoch_end=on_epoch_end, log=log, dist=dist, time_limit_s=time_limit_s)
