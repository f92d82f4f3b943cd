"""DrNAS (Chen et al., ICLR 2021, "DrNAS: Dirichlet Neural Architecture Search"), the plain NAS-Bench-201
variant: xiangning-chen/DrNAS `201-space/train_search.py` (method `dirichlet`, k=1: no partial channels),
`201-space/search_model.py` (TinyNetwork, species 'dirichlet'), `architect.py`, `utils.process_step_matrix`.

- Concentration beta = ELU(alpha) + 1; every forward pass mixes the ops of each edge with one
  reparameterised sample w ~ Dir(beta) (`rsample`, gradients flow into alpha), shared by all cells
  (darts_core.nn.mixing.DirichletMixer). Alphas start at 1e-3 * randn; genotype argmax of softmax(alpha).
- Per batch: architecture step first (`architect.step`, first order: `--unrolled` off), on a batch of the
  second half of the training set (search_split `darts`), Adam(3e-4, betas (0.5, 0.999)) with the
  regulariser: `l2` = Adam weight decay reg_scale (1e-3), or `kl` = reg_scale * sum_edges KL(Dir(beta) ||
  Dir(1)) added to the architecture loss (search_model._get_kl_reg; Adam weight decay 0). reg_scale is
  our `a_wd`.
- Then the weight step: both gradients zeroed first (`optimizer.zero_grad(); architect.optimizer.zero_grad()`),
  clip 5 on `model.parameters()`, which include the alphas (their train-loss gradient counts in the norm).
- Logged weight: the Dirichlet mean beta / sum(beta) (same argmax as softmax(alpha)).
The progressive variant (train_search_progressive.py: partial channels, pruning and widening between
stages) is darts_core.search.drnas_progressive (config `drnas_progressive: true`).
"""

from __future__ import annotations

import torch

from darts_core.nn.mixing import DirichletMixer, dirichlet_concentration
from darts_core.search.darts import DartsV1, _finite


def kl_to_uniform(alpha: torch.Tensor) -> torch.Tensor:
    """sum over edges of KL(Dir(ELU(alpha) + 1) || Dir(1, ..., 1)) (search_model._get_kl_reg, unscaled)."""
    q = torch.distributions.Dirichlet(dirichlet_concentration(alpha))
    p = torch.distributions.Dirichlet(torch.ones_like(alpha))
    return torch.distributions.kl_divergence(q, p).sum()


class DrNas(DartsV1):
    name = "drnas"

    @staticmethod
    def make_mixer(cfg):
        return DirichletMixer()

    @staticmethod
    def make_alpha_optimizer(params, cfg):
        # architect.py: weight_decay = reg_scale for l2, 0 for kl
        wd = cfg.a_wd if cfg.drnas_reg == "l2" else 0.0
        return torch.optim.Adam(params, lr=cfg.a_lr, betas=tuple(cfg.a_betas), weight_decay=wd)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        super().__init__(model, criterion, w_optimizer, a_optimizer, grad_clip)
        self.reg, self.reg_scale = "l2", 0.0

    def configure(self, cfg) -> None:
        self.reg, self.reg_scale = cfg.drnas_reg, float(cfg.a_wd)

    def architecture_loss(self, x, y) -> torch.Tensor:
        """model._loss: cross-entropy, plus the scaled KL term for reg_type kl."""
        loss = self.criterion(self.model(x), y)
        _finite(loss, "architecture loss")
        if self.reg == "kl":
            loss = loss + self.reg_scale * sum(kl_to_uniform(a) for a in self.model.arch_parameters())
        return loss

    def alpha_step(self, x, y):
        self.a_optimizer.zero_grad()
        loss = self.architecture_loss(x, y)
        loss.backward()
        self.a_optimizer.step()
        return loss.detach()

    def weight_step(self, x, y):
        self.a_optimizer.zero_grad()  # train_search.py: architect.optimizer.zero_grad() before the forward
        return super().weight_step(x, y)

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        if update_alphas:
            self.alpha_step(x_valid, y_valid)
        out = self.weight_step(x_train, y_train)
        self.a_optimizer.zero_grad()  # ... and after the weight step
        return out
