"""DrNAS progressive (Chen et al., ICLR 2021, Sec. 3.3 "progressive architecture learning") on
NAS-Bench-201, as xiangning-chen/DrNAS @ f2caa4d runs it: `201-space/train_search_progressive.py`, with
`search_model.py` (TinyNetwork, species 'dirichlet', k), `search_cells.py`
(NAS201SearchCell_PartialChannel), `cell_operations.py`, `utils.py` (process_step_matrix, prune),
`net2wider.py` and `architect.py`. Config: `drnas_progressive: true` (preset `drnas-progressive`).

What we mirror (official defaults in brackets):
- Stages `drnas_stage_epochs` [50, 50] under one weight schedule over all 100 epochs; partial channels
  `drnas_partial_channels` k [4, 2]: every edge's ops see the first C/k channels of their input, the rest
  passes through, and the edge output is channel_shuffle(cat(mixed, rest), k)
  (darts_core.nn.nb201_supernet). The search cells' convs have no bias (DrNAS's cell_operations.py;
  xautodl's, which the plain variant uses, have one). Same Dirichlet mixing, Adam and L2/KL regulariser
  and step order as the plain variant (darts_core.search.drnas).
- Between stages (after stage i, before stage i + 1): `model.pruning(num_keeps[i + 1])` = utils.prune:
  per edge, the `drnas_keep_ops` [5, 3] ops with the largest alpha survive and keep their alpha; every
  other alpha is set to 0 (`x.data.copy_(zeros.scatter(index, topk values))`) and masked from then on:
  its Dirichlet weight is zeroed and the kept ones renormalised, the genotype is the argmax among the
  kept ops (process_step_matrix with the mask). Then `model.wider(ks[i + 1])`: every conv op widened to
  C/k channels by copying random channels (darts_core.nn.widen, the same `torch.randint` draws).
- The weight optimiser is rebuilt with the same hyper-parameters and its momentum buffers carried over,
  widened like their kernels (configure_optimizer); we update our SGD in place to the same effect. The
  architecture parameter and its Adam state are not reset (`architect.pruning` is commented out), so a
  pruned alpha, now 0, still moves by Adam's remaining momentum (and the KL term's gradient) but never
  counts again.
- Learning rate: `scheduler.step()` once per epoch; stage 2 restarts at w_lr (the new SGD's lr, the
  scheduler's loaded state keeps only its epoch count) and then decays by torch 1.3's recursive cosine:
  the schedule is DrnasSpec.weight_lr (darts_core.methods.drnas), which `python -m darts_core study` prints.
- `if epoch >= 10: architect.step(...)` with the epoch counter of the stage: the first
  `drnas_stage_warmup` [10] epochs of every stage train the weights only (DrnasSpec.alphas_frozen).
- Logged per epoch as for every search (alphas.parquet, genotypes.csv, metrics.csv; row e = the state
  after e epochs, so row 50 is the end of stage 1, before pruning, and the pruning shows from row 51 on,
  which a frozen first epoch leaves at exactly the pruned alphas): a pruned op keeps
  its row, with its raw `alpha` and `weight` 0 (the masked Dirichlet mean), so Eq. 11's magnitudes
  average it as 0 over the edges (darts_core.stops.magnitudes), and the genotype derived from the log
  never picks it; DARTS+ rt_k, which ranks the raw alphas of the learnable ops, sees a pruned one at its
  raw value (0 right after pruning). The official log prints the masked softmax and the concentration;
  both follow from these columns.

Deviations: pruning ties go to the op first in the space's order (torch.topk leaves their order open);
pruned ops are skipped by the mask rather than by `w == 0` (the same unless a Dirichlet weight of a
kept op underflows to exactly 0); the architecture batch is the paired batch of our loader (each
training image with a uniformly drawn image of the second half, as for the plain variant) rather than
`next(iter(valid_queue))`, a fresh batch of 64 distinct images per step.
"""

from __future__ import annotations

import torch

from darts_core.nn.widen import carry_sgd_state
from darts_core.search.drnas import DrNas


def prune_alphas(alpha: torch.Tensor, num_keep: int, mask: torch.Tensor | None = None) -> torch.Tensor:
    """utils.prune(x, num_keep, mask) in place on `alpha` (edges x ops): ops pruned before drop by 1e6 (so
    they are never picked again), the `num_keep` largest per edge keep their value, all others become 0.
    Returns the new mask (bool, True = kept). Ties: the op first in the op order."""
    with torch.no_grad():
        x = alpha.detach().clone()
        if mask is not None:
            x[~mask] -= 1000000
        index = torch.sort(x, dim=-1, descending=True, stable=True).indices[:, :num_keep]
        alpha.copy_(torch.zeros_like(x).scatter(1, index, x.gather(1, index)))
        return torch.zeros_like(x, dtype=torch.bool).scatter(1, index, True)


class DrNasProgressive(DrNas):
    name = "drnas-progressive"

    @staticmethod
    def supernet_options(cfg) -> dict:
        """TinyNetwork(k=args.k) with DrNAS's bias-free ReLUConvBN."""
        return {"partial_channels": cfg.drnas_partial_channels[0], "conv_bias": False}

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        super().__init__(model, criterion, w_optimizer, a_optimizer, grad_clip)
        self.stage, self.starts, self.keep, self.ks = 0, [0], (), ()

    def configure(self, cfg) -> None:
        super().configure(cfg)
        self.starts = [sum(cfg.drnas_stage_epochs[:s]) for s in range(len(cfg.drnas_stage_epochs))]
        self.keep, self.ks = cfg.drnas_keep_ops, cfg.drnas_partial_channels

    def begin_epoch(self, epoch: int) -> None:
        while self.stage + 1 < len(self.starts) and epoch >= self.starts[self.stage + 1]:
            self.next_stage()

    def next_stage(self) -> None:
        """The official block after a stage: pruning, widening, the optimiser rebuilt with its momentum."""
        s = self.stage + 1
        mask = prune_alphas(self.model.alpha, self.keep[s], self.model.mixer.mask)
        self.model.set_op_mask(mask)
        carry_sgd_state(self.w_optimizer, self.model.widen(self.ks[s]))
        self.stage = s

    # --- checkpoints: the stage and its mask (the loop restores the supernet after this) ------------------
    def state_dict(self) -> dict:
        mask = self.model.mixer.mask
        return {"stage": self.stage, "mask": None if mask is None else mask.cpu().tolist()}

    def load_state_dict(self, state: dict) -> None:
        """Give the fresh supernet and optimiser the saved stage's shapes; their values are loaded next."""
        for s in range(self.stage + 1, int(state["stage"]) + 1):
            carry_sgd_state(self.w_optimizer, self.model.widen(self.ks[s]))
        if state["mask"] is not None:
            self.model.set_op_mask(torch.tensor(state["mask"], dtype=torch.bool))
        self.stage = int(state["stage"])
