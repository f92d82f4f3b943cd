"""DARTS-V1 (first order) and DARTS-V2 (second order) steps, as xautodl's NAS-Bench-201 scripts
(D-X-Y/AutoDL-Projects `exps/NAS-Bench-201-algos/DARTS-V1.py`, `DARTS-V2.py`, `search_func`).

One faithful detail worth knowing: the official weight step clips `network.parameters()`, which include
the alphas, and alpha gradients are only zeroed right before an alpha step. So the clip norm also counts
the previous alpha gradient plus the train-loss alpha gradient (and, in the authors' warm-up code, the
train-loss alpha gradients accumulated over all frozen steps). We keep that rule; the loop checkpoints
alpha gradients so that a resumed run clips exactly like an uninterrupted one.

On the DARTS space (`loop: quark0`, quark0/darts cnn/train_search.py `train`) DARTS-V1 takes the alpha
step first (`architect.step`, then the weight step), and the clip covers the weights only
(`clip_grad_norm(model.parameters())`: quark0's alphas are plain Variables, not module parameters).
"""

from __future__ import annotations

import torch
from torch.func import functional_call

from darts_core.nn.mixing import SoftmaxMixer
from darts_core.runlog import finite_or_error


def _finite(loss: torch.Tensor, what: str) -> None:
    finite_or_error(float(loss.detach()), what)


class DartsV1:
    """Per batch: weight step on the train batch, then alpha step on the valid batch (xautodl); alpha step
    first under `loop: quark0`."""

    name = "darts-v1"

    @staticmethod
    def make_mixer(cfg):
        return SoftmaxMixer()

    @staticmethod
    def make_alpha_optimizer(params, cfg):
        # DARTS-V1.py: Adam(lr=arch_learning_rate, betas=(0.5, 0.999), weight_decay=arch_weight_decay)
        return torch.optim.Adam(params, lr=cfg.a_lr, betas=tuple(cfg.a_betas), weight_decay=cfg.a_wd)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        self.model, self.criterion = model, criterion
        self.w_optimizer, self.a_optimizer, self.grad_clip = w_optimizer, a_optimizer, grad_clip
        self.alphas_first, self.clip_alphas = False, True  # xautodl's loop; configure() may switch
        self.alpha_grads_only = True  # False: the straightforward backward into everything (benchmarks)

    def configure(self, cfg) -> None:
        quark0 = cfg.loop in ("quark0", "robustdarts")  # RobustDARTS train_search.py: architect.step first
        self.alphas_first, self.clip_alphas = quark0, not quark0
        self.alpha_grads_only = bool(getattr(cfg, "fast_path", True))

    def weight_step(self, x, y):
        self.w_optimizer.zero_grad()
        logits = self.model(x)
        loss = self.criterion(logits, y)
        _finite(loss, "train loss")
        if self.alpha_grads_only and not self.clip_alphas:
            # quark0's loop: the train-loss alpha gradient is never read (the clip covers the weights only,
            # and the alpha step zeroes alpha.grad first), so only the weight gradients are computed
            weights = [p for p in self.model.weight_parameters() if p.requires_grad]
            for p, g in zip(weights, torch.autograd.grad(loss, weights)):
                p.grad = g if p.grad is None else p.grad.add_(g)
        else:
            loss.backward()
        if self.grad_clip > 0:  # xautodl clip_grad_norm_(network.parameters(), 5): weights and alphas
            params = list(self.model.weight_parameters())
            params += list(self.model.arch_parameters()) if self.clip_alphas else []
            torch.nn.utils.clip_grad_norm_(params, self.grad_clip)
        self.w_optimizer.step()
        return loss.detach(), logits.detach()

    def alpha_step(self, x, y):
        self.a_optimizer.zero_grad()
        loss = self.criterion(self.model(x), y)
        _finite(loss, "valid (alpha) loss")
        self.alpha_gradients(loss)
        self.a_optimizer.step()
        return loss.detach()

    def alpha_gradients(self, loss) -> None:
        """loss.backward(), as the official alpha step, or (alpha_grads_only) the alpha gradient alone: the
        official backward also fills the weights' .grad, which the next weight step zeroes unread
        (w_optimizer.zero_grad()), so skipping it skips the weight-gradient convolutions; alpha.grad ends
        as it would (set, after a_optimizer.zero_grad())."""
        if not self.alpha_grads_only:
            loss.backward()
            return
        alphas = list(self.model.arch_parameters())
        for a, g in zip(alphas, torch.autograd.grad(loss, alphas)):
            a.grad = g if a.grad is None else a.grad.add_(g)

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        """One search step; returns (train loss, train logits) of the weight step."""
        if self.alphas_first:
            if update_alphas:
                self.alpha_step(x_valid, y_valid)
            return self.weight_step(x_train, y_train)
        out = self.weight_step(x_train, y_train)
        if update_alphas:
            self.alpha_step(x_valid, y_valid)
        return out


def unrolled_weights(w_optimizer, weights, grads) -> list[torch.Tensor]:
    """w' = w - lr (momentum * buf + dw + wd * w), the SGD step V2.py `_compute_unrolled_model` takes (zero
    momentum buffers before the first step), as new leaves that require grad."""
    group = w_optimizer.param_groups[0]
    lr, wd, momentum = group["lr"], group["weight_decay"], group["momentum"]
    bufs = [w_optimizer.state.get(p, {}).get("momentum_buffer") for p in weights]
    with torch.no_grad():
        if any(b is None for b in bufs):
            bufs = [torch.zeros_like(p) for p in weights]
        return [(p - lr * (b * momentum + (g + wd * p))).requires_grad_() for p, b, g in zip(weights, bufs, grads)]


def call_unrolled(model, weights, unrolled, x):
    """The model with parameters w' (`unrolled`, in the order of `weights`) and copies of its buffers, on
    x: V2.py deep-copies the network; the same modules with other tensors do the same."""
    names = {id(p): n for n, p in model.named_parameters()}
    state = {names[id(p)]: u for p, u in zip(weights, unrolled)}
    state.update({n: b.clone() for n, b in model.named_buffers()})
    return functional_call(model, state, (x,))


class DartsV2(DartsV1):
    """Per batch: unrolled alpha step first (`backward_step_unrolled`), then the weight step."""

    name = "darts-v2"
    fd_r = 1e-2  # R = fd_r / ||v|| (V2.py _hessian_vector_product r=1e-2)

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        if update_alphas:
            self.unrolled_alpha_step(x_train, y_train, x_valid, y_valid)
        return self.weight_step(x_train, y_train)

    def unrolled_alpha_step(self, x_train, y_train, x_valid, y_valid):
        model, crit = self.model, self.criterion
        weights, alphas = list(model.weight_parameters()), list(model.arch_parameters())
        lr = self.w_optimizer.param_groups[0]["lr"]
        self.a_optimizer.zero_grad()
        loss = crit(model(x_train), y_train)
        _finite(loss, "train loss")
        unrolled = unrolled_weights(self.w_optimizer, weights, torch.autograd.grad(loss, weights))
        v_loss = crit(call_unrolled(model, weights, unrolled, x_valid), y_valid)
        _finite(v_loss, "valid (alpha) loss")
        out = torch.autograd.grad(v_loss, alphas + unrolled, allow_unused=True)
        dalpha = out[: len(alphas)]
        vector = [torch.zeros_like(u) if g is None else g for u, g in zip(unrolled, out[len(alphas):])]
        implicit = self._hessian_vector_product(vector, x_train, y_train, weights, alphas, self.fd_r)
        for a, d, h in zip(alphas, dalpha, implicit):
            a.grad = d - lr * h  # dalpha.data.sub_(LR, implicit_grads)
        self.a_optimizer.step()
        return v_loss.detach()

    def _hessian_vector_product(self, vector, x, y, weights, alphas, r: float):
        """(d_alpha L_train(w + R v) - d_alpha L_train(w - R v)) / 2R with R = r / ||v|| (V2.py)."""
        R = r / torch.cat([v.reshape(-1) for v in vector]).norm()
        grads = []
        for sign in (1.0, -2.0):
            with torch.no_grad():
                for p, v in zip(weights, vector):
                    p.add_(v, alpha=float(sign * R))
            grads.append(torch.autograd.grad(self.criterion(self.model(x), y), alphas))
        with torch.no_grad():
            for p, v in zip(weights, vector):
                p.add_(v, alpha=float(R))
        return [(gp - gn).div_(2 * R) for gp, gn in zip(*grads)]
