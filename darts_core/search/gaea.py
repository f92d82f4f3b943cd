"""GAEA (Li et al., ICLR 2021, "Geometry-Aware Gradient Algorithms for NAS"): exponentiated-gradient (EG)
updates of the architecture weights on the simplex, as liamcli/gaea_release `cnn/architect/architect_edarts.py`
(`nas_algo=edarts`) with `cnn/train_search.py`.

- Architecture weights p start uniform on each edge's simplex (`initialize_alphas`: normalize(ones)), mix
  the ops directly (no softmax), and the genotype is their argmax.
- One architecture step per batch, BEFORE the weight step (train_search.py `train`): loss on the
  architecture batch (+ `arch_weight_decay` x entropic regulariser sum p log(p / (1/K)); 0 on NB201), then
  p <- p * exp(-lr * dL/dp), clamped at 1e-5 and renormalised per edge (`normalize`). No gradient clip on
  p (`arch_grad_clip: null`); lr = `a_lr` (0.1), constant.
- Bilevel: architecture batches from the search-valid split; ERM (`single_level`): from the training set
  (search_split `train`, both halves of every search batch drawn from the whole training set).
- Weight step: clip 5 on the weights only (`clip_grad_norm(model.parameters())`: the alphas live in the
  architect, not in the model).

Storage: the supernet's alpha tensor holds log p and the mixer is `exp` (darts_core.nn.mixing.SimplexMixer),
so the alpha log has `weight` = p and `alpha` = log p, and magnitudes and every stop criterion read GAEA
runs unchanged. Autograd gives dL/d(log p) = p * dL/dp; the optimiser divides by p to apply the official
update to p.
"""

from __future__ import annotations

import math

import torch

from darts_core.nn.mixing import SimplexMixer
from darts_core.search.darts import DartsV1, _finite

CLAMP = 1e-5  # architect_edarts.normalize(min_v=1e-5)


def normalize(p: torch.Tensor, min_v: float = CLAMP) -> torch.Tensor:
    """architect_edarts.normalize: clamp at min_v, divide by the sum over the last dimension."""
    p = p.clamp(min=min_v)
    return p / p.sum(dim=-1, keepdim=True)


def eg_update(p: torch.Tensor, grad_p: torch.Tensor, lr: float) -> torch.Tensor:
    """One exponentiated-gradient step on the simplex: normalize(p * exp(-lr * grad_p))."""
    return normalize(p * torch.exp(-lr * grad_p))


class ExponentiatedGradient(torch.optim.Optimizer):
    """The EG step on parameters that hold log p (SimplexMixer): p' = normalize(p * exp(-lr * dL/dp)),
    stored back as log p'. dL/dp = grad / p, since grad = dL/d(log p)."""

    def __init__(self, params, lr: float):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for a in group["params"]:
                if a.grad is None:
                    continue
                p = a.exp()
                a.copy_(eg_update(p, a.grad / p, group["lr"]).log())


def entropic_regulariser(log_p: torch.Tensor) -> torch.Tensor:
    """sum p log(p / (1/K)) (architect_edarts._backward_step)."""
    p = log_p.exp()
    return (p * (log_p + math.log(log_p.shape[-1]))).sum()


class Gaea(DartsV1):
    name = "gaea"

    @staticmethod
    def make_mixer(cfg):
        return SimplexMixer()

    @staticmethod
    def make_alpha_optimizer(params, cfg):
        return ExponentiatedGradient(params, lr=cfg.a_lr)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        super().__init__(model, criterion, w_optimizer, a_optimizer, grad_clip)
        self.entropic = 0.0  # arch_weight_decay: cfg.a_wd, set by `configure`
        with torch.no_grad():  # initialize_alphas: uniform on the simplex (a checkpoint overrides it)
            for a in model.arch_parameters():
                a.fill_(-math.log(a.shape[-1]))

    def configure(self, cfg) -> None:
        self.entropic = float(cfg.a_wd)

    def weight_step(self, x, y):
        self.w_optimizer.zero_grad()
        logits = self.model(x)
        loss = self.criterion(logits, y)
        _finite(loss, "train loss")
        loss.backward()
        if self.grad_clip > 0:  # the weights only: GAEA's alphas are not model parameters
            torch.nn.utils.clip_grad_norm_(list(self.model.weight_parameters()), self.grad_clip)
        self.w_optimizer.step()
        return loss.detach(), logits.detach()

    def alpha_step(self, x, y):
        self.a_optimizer.zero_grad()
        loss = self.criterion(self.model(x), y)
        _finite(loss, "architecture loss")
        if self.entropic:
            loss = loss + self.entropic * sum(entropic_regulariser(a) for a in self.model.arch_parameters())
        loss.backward()
        self.a_optimizer.step()
        return loss.detach()

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        """Architecture step first (on the valid batch; a training batch for ERM, by the split), then
        the weight step; returns (train loss, train logits)."""
        if update_alphas:
            self.alpha_step(x_valid, y_valid)
        return self.weight_step(x_train, y_train)
