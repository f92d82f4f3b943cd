"""GDAS (Dong & Yang, CVPR 2019, "Searching for A Robust Neural Architecture in Four GPU Hours") on
NAS-Bench-201: D-X-Y/AutoDL-Projects `exps/NAS-Bench-201-algos/GDAS.py`, xautodl
`models/cell_searchs/search_model_gdas.py` (TinyNetworkGDAS) and `search_cells.py` (forward_gdas).

- Every forward pass draws, per edge, one op by Gumbel-max on log_softmax(alpha) / tau and runs only that
  op; its weight is the straight-through one_hot - probs.detach() + probs (darts_core.nn.mixing.
  GumbelHardMixer, NB201Supernet.forward_hard). One draw per forward, shared by all cells.
- Temperature per epoch (GDAS.py): tau = tau_max - (tau_max - tau_min) * epoch / (epochs - 1), 10 -> 0.1
  (scripts-search/NAS-Bench-201-algos/GDAS.sh).
- Per batch as DARTS-V1 (search_func): weight step on the train batch (clip 5 on network.parameters(),
  alphas included), then the architecture step on the valid batch, Adam(3e-4, (0.5, 0.999), wd 1e-3).
- Genotype: argmax of alpha; logged weight softmax(alpha), the selection probability of each op.
"""

from __future__ import annotations

from darts_core.nn.mixing import GumbelHardMixer
from darts_core.search.darts import DartsV1


def temperature(tau_max: float, tau_min: float, epoch: int, epochs: int) -> float:
    """GDAS.py: tau_max - (tau_max - tau_min) * epoch / (total_epoch - 1) (one epoch: tau_max)."""
    if epochs <= 1:
        return float(tau_max)
    return float(tau_max - (tau_max - tau_min) * epoch / (epochs - 1))


class Gdas(DartsV1):
    name = "gdas"

    @staticmethod
    def make_mixer(cfg):
        return GumbelHardMixer(tau=cfg.tau_max)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        super().__init__(model, criterion, w_optimizer, a_optimizer, grad_clip)
        if not isinstance(getattr(model, "mixer", None), GumbelHardMixer):
            raise TypeError("GDAS needs a supernet built with its GumbelHardMixer")
        self.tau_max = self.tau_min = model.mixer.tau
        self.epochs = 1

    def configure(self, cfg) -> None:
        self.tau_max, self.tau_min, self.epochs = cfg.tau_max, cfg.tau_min, cfg.epochs

    def begin_epoch(self, epoch: int) -> None:
        self.model.mixer.tau = temperature(self.tau_max, self.tau_min, epoch, self.epochs)
