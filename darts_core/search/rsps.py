"""RSPS, random search with parameter sharing (Li & Talwalkar, UAI 2019), as run on NAS-Bench-201 by
D-X-Y/AutoDL-Projects `exps/NAS-Bench-201-algos/RANDOM-NAS.py` with xautodl
`models/cell_searchs/search_model_random.py` (TinyNetworkRANDOM).

- Weight training (`search_func`): before every step one architecture is drawn uniformly (an op per edge,
  `random_genotype`), the shared weights are trained on the train batch through that path only, clip 5.
  The valid half of the search batch is not used. No architecture parameters, no alpha optimiser.
- After each epoch (`search_find_best`, --select_num 100): `rsps_select_num` architectures are drawn
  uniformly and each is scored by its top-1 accuracy on one batch of `rsps_eval_batch_size` (512,
  `test_batch_size`) validation images, network in eval mode, no gradients; the best (first maximum)
  is the epoch's architecture. The supernet validation metric (`valid_func`) draws an architecture per
  validation batch, which our loop's `evaluate` does with this mixer.

What the alpha log holds (the pipeline needs one for every run): RSPS samples uniformly, so its
sampling distribution carries no information. `weight` (and `alpha`, equal to it) is the architecture
RSPS selects: 1 for the op the epoch's pick uses on that edge, 0 otherwise; epoch 0 (no pick yet) holds
the uniform sampling distribution 1/K. So genotypes.csv = argmax of the logged weights, `final` and DARTS+
sc_k (skip-connects of the picked architecture) are meaningful; magnitudes are then op shares of the
picked cell, and the criteria built on architecture-parameter dynamics (SS-peak/SS-residual, DARTS+ rt_k,
DARTS-ES) do not apply: darts_core.stops.criteria reports them as not applicable for RSPS runs
(its declaration darts_core.methods.rsps: arch_parameters False), and the config refuses them as online
stops.
"""

from __future__ import annotations

import torch

from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import UniformPathMixer
from darts_core.search.darts import _finite


class NoArchitectureOptimizer(torch.optim.Optimizer):
    """Stands where the loop expects an alpha optimiser (checkpointed like one); never changes anything."""

    def __init__(self, params):
        super().__init__(params, {"lr": 0.0})

    def step(self, closure=None):
        return None


def eval_batches(loader, size: int):
    """Endless (x, y) batches of exactly `size` images, regrouped from the loader's batches (cycling
    through it, as search_find_best restarts its iterator)."""
    xs, ys, n = [], [], 0
    while True:
        seen = 0
        for x, y in loader:
            seen += len(y)
            xs.append(x)
            ys.append(y)
            n += len(y)
            while n >= size:
                X, Y = torch.cat(xs), torch.cat(ys)
                yield X[:size], Y[:size]
                xs, ys, n = [X[size:]], [Y[size:]], n - size
        if seen == 0:
            raise DartsCoreError("RSPS: the validation loader is empty")


def one_hot(index: torch.Tensor, k: int) -> torch.Tensor:
    return torch.zeros(len(index), k).scatter_(-1, index.view(-1, 1).cpu(), 1.0)


class Rsps:
    name = "rsps"

    @staticmethod
    def make_mixer(cfg):
        return UniformPathMixer()

    @staticmethod
    def make_alpha_optimizer(params, cfg):
        return NoArchitectureOptimizer(params)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        if not isinstance(getattr(model, "mixer", None), UniformPathMixer):
            raise TypeError("RSPS needs a supernet built with its UniformPathMixer")
        self.model, self.criterion = model, criterion
        self.w_optimizer, self.a_optimizer, self.grad_clip = w_optimizer, a_optimizer, grad_clip
        self.select_num, self.eval_batch_size = 100, 512
        self.picks: list[dict] = []  # (epoch, arch index per edge, accuracy) of this process's picks
        with torch.no_grad():  # epoch 0: the uniform sampling distribution (a checkpoint overrides it)
            for a in model.arch_parameters():
                a.fill_(1.0 / a.shape[-1])

    def configure(self, cfg) -> None:
        self.select_num, self.eval_batch_size = cfg.rsps_select_num, cfg.rsps_eval_batch_size

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        """One weight step through a uniformly drawn path (the mixer draws it in the forward)."""
        self.model.mixer.fixed = None
        self.w_optimizer.zero_grad()
        logits = self.model(x_train)
        loss = self.criterion(logits, y_train)
        _finite(loss, "train loss")
        loss.backward()
        if self.grad_clip > 0:  # clip_grad_norm_(network.parameters(), 5)
            torch.nn.utils.clip_grad_norm_(list(self.model.weight_parameters()), self.grad_clip)
        self.w_optimizer.step()
        return loss.detach(), logits.detach()

    @torch.no_grad()
    def find_best(self, loader, device) -> tuple[torch.Tensor, float]:
        """search_find_best: the best of `select_num` uniform architectures, each scored on one batch."""
        model, mixer = self.model, self.model.mixer
        (alpha,) = model.arch_parameters()
        was_training = model.training
        model.eval()
        best, best_acc = None, -1.0
        batches = eval_batches(loader, self.eval_batch_size)
        try:
            for _ in range(self.select_num):
                index = torch.randint(0, alpha.shape[-1], alpha.shape[:-1])
                x, y = next(batches)
                mixer.fixed = index
                logits = model(x.to(device))
                acc = 100.0 * float((logits.argmax(1).cpu() == y).float().mean())
                if acc > best_acc:  # np.argmax: the first maximum
                    best, best_acc = index, acc
        finally:
            mixer.fixed = None
            model.train(was_training)
        return best, best_acc

    def end_epoch(self, epoch: int, valid_loader, device) -> None:
        index, acc = self.find_best(valid_loader, device)
        (alpha,) = self.model.arch_parameters()
        with torch.no_grad():
            alpha.copy_(one_hot(index, alpha.shape[-1]).to(alpha))
        self.picks.append({"epoch": epoch + 1, "index": index.tolist(), "valid_acc": acc})
