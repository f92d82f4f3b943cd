"""DARTS-V1 / DARTS-V2 steps on a packed supernet (darts_core.nn.nb201_packed): K seeds per step, each
exactly the step of darts_core.search.darts on its own model.

Why the per-seed pieces are needed and where they are:
- the loss is the sum of the K seeds' losses (each the mean over its own batch); no parameter is shared,
  so every gradient is seed k's gradient of seed k's loss;
- SGD (momentum, Nesterov, weight decay) and Adam are elementwise with one step count and one learning
  rate for all seeds, so one optimiser over the packed tensors is K optimisers;
- the clip is not elementwise: xautodl clips `network.parameters()` by their total norm, so here every
  seed's norm is computed over its own rows of every tensor, and its own coefficient applied (`_clip`);
- DARTS-V2's finite-difference radius R = 0.01 / ||v|| is per seed, over seed k's part of v (`_R`).
The official references are those of darts.py (xautodl DARTS-V1.py / DARTS-V2.py search_func).
"""

from __future__ import annotations

import torch
from darts_core.errors import DartsCoreError
from darts_core.runlog import finite_or_error
from darts_core.search.darts import DartsV1, call_unrolled, unrolled_weights


def _rows(t: torch.Tensor, k: int) -> torch.Tensor:
    return t.view(k, -1)


class SeedDiverged(DartsCoreError):
    """A seed's loss is not finite; `seed` says which (the loop marks that run folder diverged)."""

    def __init__(self, seed: int, message: str):
        super().__init__(message)
        self.seed = seed


class PackedDartsV1:
    """Packed DartsV1: weight step on the train batches, then alpha step on the valid batches (xautodl);
    `alphas_first`, `clip_alphas` and `alpha_grads_only` set by DartsV1.configure."""

    second_order = False

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float, seeds):
        self.model, self.criterion, self.k, self.seeds = model, criterion, model.k, list(seeds)
        self.w_optimizer, self.a_optimizer, self.grad_clip = w_optimizer, a_optimizer, grad_clip
        self.alphas_first, self.clip_alphas = False, True
        self.alpha_grads_only = True

    # DartsV1's: the loop's step order and clip set; the alpha step's gradient (alpha-only by default)
    configure = DartsV1.configure
    alpha_gradients = DartsV1.alpha_gradients

    def losses(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(K,) the criterion of each seed on its own batch."""
        return torch.stack([self.criterion(logits[i], y[i]) for i in range(self.k)])

    def _finite(self, losses: torch.Tensor, what: str) -> None:
        for seed, value in zip(self.seeds, losses.detach().tolist()):
            try:
                finite_or_error(value, what)
            except DartsCoreError as err:
                raise SeedDiverged(seed, f"seed {seed}: {err}") from None

    def _clip(self, params) -> None:
        """torch.nn.utils.clip_grad_norm_ per seed: norm of the per-tensor norms of seed k's rows,
        coefficient max_norm / (norm + 1e-6) clamped at 1, applied to seed k's rows only."""
        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        norms = torch.stack([torch.linalg.vector_norm(_rows(g, self.k), 2.0, dim=1) for g in grads], dim=1)
        total = torch.linalg.vector_norm(norms, 2.0, dim=1)
        coef = torch.clamp(self.grad_clip / (total + 1e-6), max=1.0)
        for g in grads:
            _rows(g, self.k).mul_(coef.view(-1, 1).to(g.dtype))

    def weight_step(self, x, y):
        self.w_optimizer.zero_grad()
        logits = self.model(x)
        losses = self.losses(logits, y)
        self._finite(losses, "train loss")
        losses.sum().backward()
        if self.grad_clip > 0:
            params = list(self.model.weight_parameters())
            params += list(self.model.arch_parameters()) if self.clip_alphas else []
            self._clip(params)
        self.w_optimizer.step()
        return losses.detach(), logits.detach()

    def alpha_step(self, x, y):
        self.a_optimizer.zero_grad()
        losses = self.losses(self.model(x), y)
        self._finite(losses, "valid (alpha) loss")
        self.alpha_gradients(losses.sum())
        self.a_optimizer.step()
        return losses.detach()

    # one step of every seed, ordered as DartsV1's (loop quark0: alphas first); returns ((K,) train
    # losses, (K, B, classes) train logits)
    step = DartsV1.step


class PackedDartsV2(PackedDartsV1):
    """Packed DartsV2: unrolled alpha step first, then the weight step (as darts.DartsV2)."""

    second_order = True
    fd_r = 1e-2

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        if update_alphas:
            self.unrolled_alpha_step(x_train, y_train, x_valid, y_valid)
        return self.weight_step(x_train, y_train)

    def unrolled_alpha_step(self, x_train, y_train, x_valid, y_valid):
        model = self.model
        weights, alphas = list(model.weight_parameters()), list(model.arch_parameters())
        lr = self.w_optimizer.param_groups[0]["lr"]
        self.a_optimizer.zero_grad()
        losses = self.losses(model(x_train), y_train)
        self._finite(losses, "train loss")
        # the SGD step is elementwise, so per seed as it stands
        unrolled = unrolled_weights(self.w_optimizer, weights, torch.autograd.grad(losses.sum(), weights))
        v_losses = self.losses(call_unrolled(model, weights, unrolled, x_valid), y_valid)
        self._finite(v_losses, "valid (alpha) loss")
        out = torch.autograd.grad(v_losses.sum(), alphas + unrolled, allow_unused=True)
        dalpha = out[: len(alphas)]
        vector = [torch.zeros_like(u) if g is None else g for u, g in zip(unrolled, out[len(alphas):])]
        implicit = self._hessian_vector_product(vector, x_train, y_train, weights, alphas, self.fd_r)
        for a, d, h in zip(alphas, dalpha, implicit):
            a.grad = d - lr * h
        self.a_optimizer.step()
        return v_losses.detach()

    def _R(self, vector, r: float) -> torch.Tensor:
        """(K,) r / ||v_k||, v_k = seed k's rows of every tensor of v (V2.py _hessian_vector_product)."""
        return r / torch.cat([_rows(v, self.k) for v in vector], dim=1).norm(dim=1)

    def _hessian_vector_product(self, vector, x, y, weights, alphas, r: float):
        R, k = self._R(vector, r), self.k
        grads = []
        for sign in (1.0, -2.0):
            with torch.no_grad():
                for p, v in zip(weights, vector):
                    _rows(p, k).add_(_rows(v, k) * (sign * R).view(-1, 1))
            grads.append(torch.autograd.grad(self.losses(self.model(x), y).sum(), alphas))
        with torch.no_grad():
            for p, v in zip(weights, vector):
                _rows(p, k).add_(_rows(v, k) * R.view(-1, 1))
        return [_rows(gp - gn, k).div_(2 * R.view(-1, 1)).view_as(gp) for gp, gn in zip(*grads)]

