"""Weight learning rate per step: xautodl `procedures/optimizers.py` CosineAnnealingLR, updated per
epoch and per step as `DARTS-V1.py` does (`scheduler.update(epoch, 0.0)`, then `update(None, step/len)`).

Warm-up epochs ramp linearly from 0 (config.py explains the convention); afterwards `cosine` goes from
`w_lr` to `w_lr_min` with T_max = epochs - warmup_epochs (never quite reaching it, as the official), and
`constant` stays at `w_lr`. `w_lr_t_max` sets T_max apart from the epochs (ENAS.config T_max 10 over 250
epochs: eta_min + (LR - eta_min)(1 + cos(pi e / 10)) / 2, a cosine that goes down and up every 20 epochs).
With a warm-up, as the authors ran it (SP-DARTS setup/warmup/DARTS.config{W}: `epochs 50`, `warmup W`;
xautodl CosineAnnealingLR), the cosine stops at absolute epoch epochs - W (their `epochs`) and every later
epoch runs at `w_lr_min`: W epochs at eta_min after a W-epoch warm-up, and for W >= 50 (Exp.3) every epoch
from 50 on. The alpha learning rate is constant (Adam, no scheduler, as the official).

`loop: quark0` (quark0/darts cnn/train_search.py): `scheduler.step()` at the start of every epoch, then
`lr = scheduler.get_lr()[0]` for the whole epoch, so 0-based epoch e runs at the cosine's step e + 1 and
the last epoch at exactly `w_lr_min`. `loop: robustdarts` (automl/RobustDARTS src/search/train_search.py):
quark0's steps, but `scheduler.step(epoch)` with the epoch given, so epoch e runs at step e (its logs:
"epoch 0 lr 2.500000e-02", "epoch 49 lr 1.023679e-03").

A method may declare its own schedule (MethodSpec.weight_lr, .alphas_frozen: DrNAS progressive's stages);
`weight_lr` and `alphas_frozen` here answer for every method.
"""

from __future__ import annotations

import math

from darts_core.methods import get_method


def alphas_frozen(cfg, epoch: int) -> bool:
    """Whether 0-based `epoch` takes no architecture steps: the warm-up, or the method's own rule."""
    own = get_method(cfg.method).alphas_frozen(cfg, epoch)
    return epoch < cfg.warmup_epochs if own is None else own


def weight_lr(cfg, epoch: int, frac: float = 0.0) -> float:
    """Learning rate of the weights at 0-based `epoch`, `frac` (0 <= frac < 1) of the way through it."""
    own = get_method(cfg.method).weight_lr(cfg, epoch, frac)
    if own is not None:
        return own
    warm = cfg.warmup_epochs
    if warm and cfg.w_lr_schedule == "cosine" and epoch >= cfg.epochs - warm:
        # xautodl's max_epochs is the config's `epochs` (the joint epochs), compared with the absolute
        # epoch before the ramp: past it, eta_min (the warm-up's last epochs when W > 50, then the tail)
        return cfg.w_lr_min
    if epoch < warm:
        return (epoch / warm + frac / warm) * cfg.w_lr
    if cfg.w_lr_schedule == "constant":
        return cfg.w_lr
    t, t_max = epoch - warm, cfg.epochs - warm
    if cfg.w_lr_t_max:  # CosineAnnealingLR T_max (ENAS.config: 10, so the cosine repeats)
        t_max = cfg.w_lr_t_max
    if cfg.loop == "quark0":
        t += 1
    return cfg.w_lr_min + (cfg.w_lr - cfg.w_lr_min) * (1 + math.cos(math.pi * t / t_max)) / 2


def set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
