"""DrNAS (Chen et al., ICLR 2021): settings `drnas_reg` and the progressive variant's `drnas_progressive`,
`drnas_stage_epochs`, `drnas_partial_channels`, `drnas_keep_ops`, `drnas_stage_warmup`; presets `drnas`
(201-space/train_search.py, darts_core.search.drnas) and `drnas-progressive` (201-space/
train_search_progressive.py, darts_core.search.drnas_progressive).

The progressive variant's schedules are declared here, torch-free, so that the plan (`python -m
darts_core study`) prints the learning rates the search uses: `weight_lr` and `alphas_frozen` below.
"""

from __future__ import annotations

import math

from darts_core.errors import DartsCoreError
from darts_core.methods.base import MethodSpec, Setting, as_bool, as_choice, as_int

REGS = ("l2", "kl")
PROGRESSIVE_IMPL = "darts_core.search.drnas_progressive:DrNasProgressive"
SETTINGS = {
    "drnas_reg": Setting("l2", "DrNAS reg_type: l2 (Adam weight decay a_wd) or kl (a_wd * KL(Dir(beta) || Dir(1)))"),
    # train_search_progressive.py main(): `ks = [4, 2]`, `num_keeps = [5, 3]`, `train_epochs = [50, 50]`,
    # then per stage i > 0 `model.pruning(num_keeps[i])`, `model.wider(ks[i])`; train(): `if epoch >= 10:
    # architect.step(...)` with the stage's own epoch counter `e`
    "drnas_progressive": Setting(False, "DrNAS train_search_progressive.py: stages with partial channels, "
                                        "pruning and widening between them (false: train_search.py)"),
    "drnas_stage_epochs": Setting((50, 50), "DrNAS progressive: epochs per stage (train_epochs [50, 50]); "
                                            "they sum to `epochs`", type=tuple[int, ...]),
    "drnas_partial_channels": Setting((4, 2), "DrNAS progressive: partial-channel k per stage, the ops see "
                                              "1/k of the channels (ks [4, 2])", type=tuple[int, ...]),
    "drnas_keep_ops": Setting((5, 3), "DrNAS progressive: ops kept per edge in each stage, the first all of "
                                      "them (num_keeps [5, 3])", type=tuple[int, ...]),
    "drnas_stage_warmup": Setting(10, "DrNAS progressive: the first epochs of every stage without "
                                      "architecture steps (train(): `if epoch >= 10`, epoch of the stage)"),
}
_STAGE_LISTS = ("drnas_stage_epochs", "drnas_partial_channels", "drnas_keep_ops")
PRESETS: dict[str, dict] = {
    # DrNAS (xiangning-chen/DrNAS 201-space/train_search.py defaults): 100 epochs, batch 64, lr 0.025 ->
    # 0.001 cosine, momentum 0.9 (no Nesterov), wd 3e-4, grad_clip 5, C=16, N=5, arch Adam 3e-4 (0.5, 0.999),
    # reg_type l2 with reg_scale 1e-3 (= Adam weight decay), train_portion 0.5 (first/second half of the
    # training set), TinyNetwork(track_running_stats=True).
    "drnas": {"method": "drnas", "epochs": 100, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
              "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
              "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "drnas_reg": "l2",
              "track_running_stats": True, "search_split": "darts"},
}
# DrNAS progressive (201-space/train_search_progressive.py): the same argparse defaults (batch 64, lr 0.025
# -> 0.001, wd 3e-4, arch Adam 3e-4, l2 1e-3, train_portion 0.5), 50 + 50 epochs under one cosine of
# T_max 100, partial channels k 4 then 2, the top 3 ops per edge kept after stage 1.
PRESETS["drnas-progressive"] = {**PRESETS["drnas"], "drnas_progressive": True,
                                **{k: SETTINGS[k].default for k in (*_STAGE_LISTS, "drnas_stage_warmup")}}


def stage_of(cfg, epoch: int) -> tuple[int, int]:
    """(stage index, first epoch of that stage) of 0-based `epoch` of a progressive search."""
    start = 0
    for stage, n in enumerate(cfg.drnas_stage_epochs):
        if epoch < start + n:
            return stage, start
        start += n
    return len(cfg.drnas_stage_epochs) - 1, start - cfg.drnas_stage_epochs[-1]


class DrnasSpec(MethodSpec):
    def check(self, v: dict) -> None:
        v["drnas_reg"] = as_choice("drnas_reg", v["drnas_reg"], REGS)
        v["drnas_progressive"] = as_bool("drnas_progressive", v["drnas_progressive"])
        for key in _STAGE_LISTS:
            value = v[key]
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
                raise DartsCoreError(f"{key} must be a non-empty list of integers (one per stage), got {value!r}")
            v[key] = tuple(as_int(key, x, 1) for x in value)
        v["drnas_stage_warmup"] = as_int("drnas_stage_warmup", v["drnas_stage_warmup"], 0)
        if v["drnas_progressive"]:
            _check_progressive(v)

    def impl_for(self, cfg) -> str:
        return PROGRESSIVE_IMPL if cfg.drnas_progressive else self.impl

    def weight_lr(self, cfg, epoch: int, frac: float = 0.0) -> float | None:
        """Progressive: the official learning rate of every 0-based epoch, constant within it
        (`scheduler.step()` once per epoch). One CosineAnnealingLR(T_max = all epochs) runs through
        stage 1. At each later stage, train_search_progressive.py builds a new SGD (lr = `learning_rate`)
        and a new scheduler into which it loads the old one's state (net2wider.configure_scheduler):
        `last_epoch` carries on, but the optimiser's lr is the fresh w_lr. Torch 1.3 (the authors' version,
        DrNAS issue #6) steps the cosine by its recursive form, lr_t = eta_min + (lr_{t-1} - eta_min)
        (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T)), so from a stage start b on
        lr_e = eta_min + (w_lr - eta_min) (1 + cos(pi e / T)) / (1 + cos(pi b / T)): stage 2 of the official
        50 + 50 starts again at 0.025 (0.0243 at epoch 51, 0.008 at 75) instead of continuing at 0.013."""
        if not cfg.drnas_progressive:
            return None
        _, start = stage_of(cfg, epoch)
        t_max = cfg.epochs
        return cfg.w_lr_min + (cfg.w_lr - cfg.w_lr_min) * (1 + math.cos(math.pi * epoch / t_max)) / \
            (1 + math.cos(math.pi * start / t_max))

    def alphas_frozen(self, cfg, epoch: int) -> bool | None:
        """Progressive: no architecture step in the first `drnas_stage_warmup` epochs of every stage."""
        if not cfg.drnas_progressive:
            return None
        _, start = stage_of(cfg, epoch)
        return epoch - start < cfg.drnas_stage_warmup


def _check_progressive(v: dict) -> None:
    from darts_core.spaces import get_space

    if v["method"] != "drnas":
        raise DartsCoreError(f"drnas_progressive is a DrNAS option; method is {v['method']!r}")
    if not get_space(v["space"]).partial_channels:
        raise DartsCoreError(f"drnas_progressive needs a supernet with partial-channel edges, which space "
                             f"{v['space']!r} has not (NAS-Bench-201's has: 201-space/)")
    epochs, ks, keeps = v["drnas_stage_epochs"], v["drnas_partial_channels"], v["drnas_keep_ops"]
    if not len(epochs) == len(ks) == len(keeps):
        raise DartsCoreError(f"drnas_stage_epochs, drnas_partial_channels and drnas_keep_ops need one entry per "
                             f"stage, got {len(epochs)}, {len(ks)} and {len(keeps)}")
    if sum(epochs) != v["epochs"]:
        raise DartsCoreError(f"drnas_stage_epochs {list(epochs)} sum to {sum(epochs)}, but epochs is {v['epochs']}")
    if keeps[0] != len(v["ops"]):
        raise DartsCoreError(f"drnas_keep_ops starts with {keeps[0]}, but stage 1 searches all {len(v['ops'])} ops "
                             "(the official code prunes only between stages)")
    if any(b > a for a, b in zip(keeps, keeps[1:])) or any(b > a for a, b in zip(ks, ks[1:])):
        raise DartsCoreError(f"drnas_keep_ops {list(keeps)} and drnas_partial_channels {list(ks)} must not grow "
                             "from stage to stage (pruning removes ops, widening adds channels)")
    bad = [k for k in ks if v["channels"] % k]
    if bad:
        raise DartsCoreError(f"drnas_partial_channels {bad[0]} does not divide channels ({v['channels']})")
    if v["warmup_epochs"] or v["w_lr_schedule"] != "cosine" or v["w_lr_t_max"] is not None:
        raise DartsCoreError("drnas_progressive has its own schedule (one cosine over all stages, "
                             "drnas_stage_warmup epochs without architecture steps in each): leave warmup_epochs, "
                             "w_lr_schedule and w_lr_t_max at their defaults")


SOURCES = {
    "drnas": "xiangning-chen/DrNAS 201-space/train_search.py defaults",
    "drnas-progressive": "xiangning-chen/DrNAS 201-space/train_search_progressive.py defaults (ks [4, 2], num_keeps "
                         "[5, 3], train_epochs [50, 50], `if epoch >= 10`), search_cells.py, utils.prune, "
                         "net2wider.py",
}
DRNAS = DrnasSpec("drnas", "darts_core.search.drnas:DrNas", settings=SETTINGS, presets=PRESETS, sources=SOURCES)
