"""SETN (Dong & Yang, ICCV 2019, "One-Shot Neural Architecture Search via Self-Evaluated Template
Network") on NAS-Bench-201: D-X-Y/AutoDL-Projects @ f46486e `exps/NAS-Bench-201-algos/SETN.py` with xautodl
`models/cell_searchs/search_model_setn.py` (TinyNetworkSETN) and `search_cells.py`.

- Weight step (search_func): one architecture drawn uniformly, an op per edge (`dync_genotype(True)`:
  Python `random.choice`), the shared weights trained on the train batch through that path only
  (`set_cal_mode('dynamic')`); `network.zero_grad()` first; no gradient clipping (preset grad_clip 0).
- Arch step, on the valid batch: the softmax(alpha) mixture of all ops (`set_cal_mode('joint')`,
  `forward_joint`), Adam(3e-4, (0.5, 0.999), wd 1e-3) (SETN.sh).
- Pick, after every epoch (`get_best_arch`, --select_num 100): the `select_num` architectures of highest
  log-probability under softmax(alpha) (`return_topK`: all 5^6 enumerated in `Structure.gen_all` order,
  stable sort), each scored by top-1 on one validation batch of `setn_eval_batch_size` (512,
  test_batch_size) images, network in eval mode; the first maximum is the epoch's architecture
  (genotypes.csv). SETN.py repeats the same pick after the last epoch: here the last epoch's pick is the
  final architecture. Epoch 0's genotype is argmax(alpha) (SETN.py scores an initial pick; not logged).
- Alpha log: alpha and softmax(alpha), as DARTS; every criterion on alpha dynamics applies, and the
  DARTS-ES Hessian is that of the joint (arch-step) loss. The loop's supernet validation metric runs the
  joint forward (SETN.py's valid_func scores the picked architecture instead).
"""

from __future__ import annotations

import itertools

import torch

from darts_core.nn.mixing import SetnMixer
from darts_core.search.darts import DartsV1, _finite
from darts_core.search.rsps import eval_batches
from darts_core.spaces import nb201


def all_architectures(num_edges: int, num_ops: int) -> torch.Tensor:
    """Every architecture as op indices per edge, in `Structure.gen_all` order (the first edge slowest)."""
    return torch.tensor(list(itertools.product(range(num_ops), repeat=num_edges)), dtype=torch.long)


def top_k(alpha: torch.Tensor, k: int) -> torch.Tensor:
    """TinyNetworkSETN.return_topK: the k architectures of highest sum of log_softmax(alpha) over their
    edges, summed edge by edge in node order as `get_log_prob`, ties kept in gen_all order."""
    logp = torch.log_softmax(alpha.detach(), dim=-1).cpu()
    archs = all_architectures(*alpha.shape)
    score = torch.zeros(len(archs), dtype=logp.dtype)
    for e in range(alpha.shape[0]):
        score = score + logp[e, archs[:, e]]
    order = torch.sort(score, descending=True, stable=True).indices
    return archs[order[: min(k, len(archs))]] if k > 0 else archs[order]


def top1(logits: torch.Tensor, y: torch.Tensor) -> float:
    return 100.0 * float((logits.argmax(1).cpu() == y.cpu()).float().mean())


class Setn:
    name = "setn"

    @staticmethod
    def make_mixer(cfg):
        return SetnMixer()

    make_alpha_optimizer = DartsV1.make_alpha_optimizer  # Adam(arch lr, (0.5, 0.999), arch wd)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        if not isinstance(getattr(model, "mixer", None), SetnMixer):
            raise TypeError("SETN needs a supernet built with its SetnMixer")
        self.model, self.criterion = model, criterion
        self.w_optimizer, self.a_optimizer, self.grad_clip = w_optimizer, a_optimizer, grad_clip
        self.select_num, self.eval_batch_size = 100, 512
        self.pick: torch.Tensor | None = None
        self.picks: list[dict] = []

    def configure(self, cfg) -> None:
        self.select_num, self.eval_batch_size = cfg.setn_select_num, cfg.setn_eval_batch_size

    def weight_step(self, x, y, index=None):
        """One weight step through one path: `index` (an op per edge), or one drawn uniformly."""
        mixer = self.model.mixer
        mixer.hard, mixer.fixed = True, index
        try:
            self.model.zero_grad()  # network.zero_grad(): weights and alphas
            logits = self.model(x)
            loss = self.criterion(logits, y)
            _finite(loss, "train loss")
            loss.backward()
        finally:
            mixer.hard, mixer.fixed = False, None
        if self.grad_clip > 0:  # SETN.py clips nothing; kept for configs that ask for it
            torch.nn.utils.clip_grad_norm_(list(self.model.weight_parameters()), self.grad_clip)
        self.w_optimizer.step()
        return loss.detach(), logits.detach()

    def alpha_step(self, x, y):
        """The joint forward (softmax mixture of all ops) on the valid batch, one Adam step on alpha."""
        self.model.mixer.hard = False
        self.model.zero_grad()
        logits = self.model(x)
        loss = self.criterion(logits, y)
        _finite(loss, "valid (alpha) loss")
        loss.backward()
        self.a_optimizer.step()
        return loss.detach(), logits.detach()

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True):
        out = self.weight_step(x_train, y_train)
        if update_alphas:
            self.alpha_step(x_valid, y_valid)
        return out

    @torch.no_grad()
    def find_best(self, loader, device) -> tuple[torch.Tensor, float]:
        """get_best_arch: the top-`select_num` candidates, each scored on one validation batch."""
        model, mixer = self.model, self.model.mixer
        (alpha,) = model.arch_parameters()
        candidates = top_k(alpha, self.select_num)
        was_training = model.training
        model.eval()
        best, best_acc = None, -1.0
        batches = eval_batches(loader, self.eval_batch_size)
        try:
            mixer.hard = True
            for index in candidates:
                x, y = next(batches)
                mixer.fixed = index
                acc = top1(model(x.to(device)), y)
                if acc > best_acc:  # np.argmax: the first maximum
                    best, best_acc = index, acc
        finally:
            mixer.hard, mixer.fixed = False, None
            model.train(was_training)
        return best, best_acc

    def end_epoch(self, epoch: int, valid_loader, device) -> None:
        self.pick, acc = self.find_best(valid_loader, device)
        self.picks.append({"epoch": epoch + 1, "index": self.pick.tolist(), "valid_acc": acc})

    def genotype(self) -> str:
        """The epoch's pick (genotypes.csv); before any pick, argmax(alpha) as the supernet derives it."""
        if self.pick is None:
            return self.model.genotype()
        return nb201.arch_string([self.model.ops[int(k)] for k in self.pick])
