"""ENAS (Pham et al., ICML 2018, "Efficient Neural Architecture Search via Parameters Sharing") on
NAS-Bench-201: D-X-Y/AutoDL-Projects @ f46486e `exps/NAS-Bench-201-algos/ENAS.py` with xautodl
`models/cell_searchs/search_model_enas.py` (TinyNetworkENAS) and `search_model_enas_utils.py` (Controller).

- Controller (`Controller`): a 2-layer LSTM (32 units) run for one step per edge, in edge order; step 0
  reads the learned `input_vars`, step k the embedding of the op sampled at step k-1. Per step the logits
  are `w_pred(h)`, divided by the temperature 5, then `2.5 * tanh(.)`; the op is drawn from
  Categorical(logits). Sample log-probability and entropy: sums over the edges.
- Shared step (train_shared_cnn), per train batch: an architecture sampled without gradient, the shared
  weights trained through that path only, clip 5 on the shared weights, SGD (lr cos 0.05 -> 0.0005 with
  T_max 10: the preset's w_lr_t_max).
- Controller step (train_controller), after the epoch's shared steps: `ctl_train_steps * ctl_num_aggregate`
  (50 x 20) samples, each scored on the next validation batch (shared net in eval mode, no gradient):
  reward = top1 / 100 + entropy_weight * entropy; baseline b = b_prev - (1 - bl_dec)(b_prev - reward),
  where b_prev is the baseline *returned by the previous epoch* (constant within an epoch; in the first
  epoch b = top1, so the loss is the entropy term alone), loss = -log_prob * (reward - b) / num_aggregate
  (the reward carries the entropy's gradient), accumulated over num_aggregate samples, then clip 5 on the
  controller and one Adam step (lr 1e-3 constant, betas (0, 0.999), eps 1e-3). The epoch returns the last
  sample's b as the next epoch's b_prev.
- Pick (get_best_arch), after the controller step: `enas_epoch_samples` (10) sampled architectures, each
  scored on one validation batch, the first maximum; after the last epoch the final derivation with
  `enas_num_samples` (100), which is that epoch's genotype.
- The loop's supernet validation metric runs one controller sample per batch (ENAS.py valid_func scores
  the picked architecture). ENAS.py gives the controller's valid loader the training augmentation; ours
  is the loop's validation loader (no augmentation).

What the alpha log holds: `weight` = P(op o on edge e) under the controller's policy, the exact marginal
of its autoregressive distribution (`edge_marginals`: all K^6 architectures run through the LSTM in one
batch, each with its probability, summed per (edge, op)); `alpha` = log of it, so softmax(alpha) = weight.
genotypes.csv holds the pick. The controller, its optimiser and the baseline are checkpointed (state_dict).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions.categorical import Categorical

from darts_core.nn.mixing import ControllerPathMixer
from darts_core.search.darts import _finite
from darts_core.search.rsps import NoArchitectureOptimizer
from darts_core.search.setn import all_architectures
from darts_core.spaces import nb201


class Controller(nn.Module):
    """The ENAS LSTM policy over one op per edge (see the module doc)."""

    def __init__(self, num_edges: int, num_ops: int, lstm_size: int = 32, lstm_layers: int = 2,
                 tanh_constant: float = 2.5, temperature: float = 5.0):
        super().__init__()
        self.num_edges, self.num_ops = num_edges, num_ops
        self.tanh_constant, self.temperature = float(tanh_constant), float(temperature)
        # created and initialised in the official order (uniform(-0.1, 0.1) on the input, layer 0 of the
        # LSTM, the embedding and the prediction weight; the rest keeps torch's default init)
        self.input_vars = nn.Parameter(torch.empty(1, 1, lstm_size))
        self.w_lstm = nn.LSTM(input_size=lstm_size, hidden_size=lstm_size, num_layers=lstm_layers)
        self.w_embd = nn.Embedding(num_ops, lstm_size)
        self.w_pred = nn.Linear(lstm_size, num_ops)
        for p in (self.input_vars, self.w_lstm.weight_hh_l0, self.w_lstm.weight_ih_l0, self.w_embd.weight,
                  self.w_pred.weight):
            nn.init.uniform_(p, -0.1, 0.1)

    def step_logits(self, inputs, state):
        out, state = self.w_lstm(inputs, state)
        logits = self.tanh_constant * torch.tanh(self.w_pred(out) / self.temperature)
        return logits, state

    def forward(self, index: torch.Tensor | None = None):
        """Sample one architecture (or score the given `index`, an op per edge): (sum of log-probs, sum of
        entropies, index)."""
        inputs, state, log_probs, entropies, picked = self.input_vars, None, [], [], []
        for e in range(self.num_edges):
            logits, state = self.step_logits(inputs, state)
            dist = Categorical(logits=logits)
            op = dist.sample() if index is None else index[e].view(1, 1).to(logits.device)
            picked.append(int(op.item()))
            log_probs.append(dist.log_prob(op).view(-1))
            entropies.append(dist.entropy().view(-1))
            inputs = self.w_embd(op)
        return torch.cat(log_probs).sum(), torch.cat(entropies).sum(), torch.tensor(picked)

    @torch.no_grad()
    def edge_marginals(self) -> torch.Tensor:
        """P(op o on edge e), exactly: every architecture's probability (one batched LSTM pass over all
        num_ops ** num_edges of them), summed over the architectures with o on e."""
        archs = all_architectures(self.num_edges, self.num_ops).to(self.input_vars.device)
        n = len(archs)
        inputs, state = self.input_vars.expand(1, n, -1).contiguous(), None
        log_p = torch.zeros(n, dtype=self.input_vars.dtype, device=archs.device)
        for e in range(self.num_edges):
            logits, state = self.step_logits(inputs, state)
            log_p = log_p + torch.log_softmax(logits[0], dim=-1).gather(1, archs[:, e : e + 1]).squeeze(1)
            inputs = self.w_embd(archs[:, e]).unsqueeze(0)
        p = log_p.exp()
        out = torch.zeros(self.num_edges, self.num_ops, dtype=p.dtype, device=p.device)
        for e in range(self.num_edges):
            out[e].index_add_(0, archs[:, e], p)
        return out / out.sum(dim=-1, keepdim=True)  # rows sum to 1 up to rounding: make it exact


def top1_fraction(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """xautodl obtain_accuracy top-1 (float32, percent), / 100 as ENAS.py."""
    correct = (logits.argmax(1) == y).view(-1).float().sum(0, keepdim=True)
    return correct.mul_(100.0 / len(y)) / 100


def cycle(loader):
    """The loader's batches, restarted when exhausted (ENAS.py `next(loader_iter)` with its except)."""
    while True:
        seen = 0
        for batch in loader:
            seen += 1
            yield batch
        if seen == 0:
            from darts_core.errors import DartsCoreError

            raise DartsCoreError("ENAS: the validation loader is empty")


class Enas:
    name = "enas"

    @staticmethod
    def make_mixer(cfg):
        return ControllerPathMixer()

    @staticmethod
    def make_alpha_optimizer(params, cfg):
        return NoArchitectureOptimizer(params)

    def __init__(self, model, criterion, w_optimizer, a_optimizer, grad_clip: float):
        if not isinstance(getattr(model, "mixer", None), ControllerPathMixer):
            raise TypeError("ENAS needs a supernet built with its ControllerPathMixer")
        self.model, self.criterion = model, criterion
        self.w_optimizer, self.a_optimizer, self.grad_clip = w_optimizer, a_optimizer, grad_clip
        self.train_steps, self.num_aggregate, self.entropy_weight, self.bl_dec = 50, 20, 1e-4, 0.99
        self.epoch_samples, self.num_samples, self.ctl_grad_clip = 10, 100, 5.0
        self.epochs, self.warmup_epochs = 1, 0
        self.baseline: float | None = None
        self.pick: torch.Tensor | None = None
        self.picks: list[dict] = []
        self._build(32, 2, 2.5, 5.0, 1e-3, (0.0, 0.999), 1e-3)

    def _build(self, size, layers, tanh_constant, temperature, lr, betas, eps):
        (alpha,) = self.model.arch_parameters()
        self.controller = Controller(alpha.shape[0], alpha.shape[1], size, layers, tanh_constant,
                                     temperature).to(device=alpha.device, dtype=alpha.dtype)
        # ENAS.py: Adam(controller.parameters(), lr=controller_lr, betas=controller_betas, eps=controller_eps)
        self.ctl_optimizer = torch.optim.Adam(self.controller.parameters(), lr=lr, betas=tuple(betas), eps=eps)
        self.model.mixer.sampler = self.sample
        self.log_marginals()

    def configure(self, cfg) -> None:
        self.train_steps, self.num_aggregate = cfg.enas_ctl_train_steps, cfg.enas_ctl_num_aggregate
        self.entropy_weight, self.bl_dec = cfg.enas_entropy_weight, cfg.enas_bl_dec
        self.epoch_samples, self.num_samples = cfg.enas_epoch_samples, cfg.enas_num_samples
        self.ctl_grad_clip, self.epochs, self.warmup_epochs = cfg.enas_ctl_grad_clip, cfg.epochs, cfg.warmup_epochs
        self._build(cfg.enas_lstm_size, cfg.enas_lstm_layers, cfg.enas_tanh_constant, cfg.enas_temperature,
                    cfg.enas_ctl_lr, cfg.enas_ctl_betas, cfg.enas_ctl_eps)

    # --- state the loop checkpoints -----------------------------------------------------------
    def state_dict(self) -> dict:
        return {"controller": self.controller.state_dict(), "ctl_optimizer": self.ctl_optimizer.state_dict(),
                "baseline": self.baseline, "pick": None if self.pick is None else self.pick.tolist()}

    def load_state_dict(self, state: dict) -> None:
        self.controller.load_state_dict(state["controller"])
        self.ctl_optimizer.load_state_dict(state["ctl_optimizer"])
        self.baseline = state["baseline"]
        self.pick = None if state["pick"] is None else torch.tensor(state["pick"])

    # --- the steps ------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self) -> torch.Tensor:
        was = self.controller.training
        self.controller.eval()
        try:
            return self.controller()[2]
        finally:
            self.controller.train(was)

    def step(self, x_train, y_train, x_valid, y_valid, update_alphas: bool = True, index=None):
        """train_shared_cnn, one batch: a controller sample (or `index`) trains the shared weights."""
        mixer = self.model.mixer
        mixer.fixed = self.sample() if index is None else index
        try:
            self.w_optimizer.zero_grad()
            logits = self.model(x_train)
            loss = self.criterion(logits, y_train)
            _finite(loss, "train loss")
            loss.backward()
        finally:
            mixer.fixed = None
        if self.grad_clip > 0:  # clip_grad_norm_(shared_cnn.parameters(), 5)
            torch.nn.utils.clip_grad_norm_(list(self.model.weight_parameters()), self.grad_clip)
        self.w_optimizer.step()
        return loss.detach(), logits.detach()

    def controller_sample_loss(self, x, y, device, index=None):
        """One controller sample scored on (x, y): (loss / num_aggregate, reward, baseline); train_controller."""
        log_prob, entropy, picked = self.controller(index)
        mixer = self.model.mixer
        with torch.no_grad():
            mixer.fixed = picked
            try:
                logits = self.model(x.to(device))
            finally:
                mixer.fixed = None
            acc = top1_fraction(logits, y.to(device))
        reward = acc + self.entropy_weight * entropy
        if self.baseline is None:
            baseline = acc
        else:
            baseline = self.baseline - (1 - self.bl_dec) * (self.baseline - reward)
        loss = -1 * log_prob * (reward - baseline)
        _finite(loss.sum(), "controller loss")
        return loss / self.num_aggregate, reward, baseline

    def train_controller(self, loader, device, steps=None) -> dict:
        """ENAS.py train_controller: REINFORCE with the previous epoch's baseline (see the module doc)."""
        was_training = self.model.training
        self.model.eval()
        self.controller.train()
        self.controller.zero_grad()
        batches, rewards, baseline = cycle(loader), [], None
        steps = self.train_steps * self.num_aggregate if steps is None else steps
        for step in range(steps):
            x, y = next(batches)
            loss, reward, baseline = self.controller_sample_loss(x, y, device)
            loss.sum().backward()
            rewards.append(float(reward.detach().sum()))
            if (step + 1) % self.num_aggregate == 0:
                if self.ctl_grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(self.controller.parameters(), self.ctl_grad_clip)
                self.ctl_optimizer.step()
                self.controller.zero_grad()
        self.model.train(was_training)
        if baseline is not None:
            self.baseline = float(baseline.detach().sum())  # baseline.item(): the next epoch's
        return {"reward": sum(rewards) / max(len(rewards), 1), "baseline": self.baseline}

    @torch.no_grad()
    def find_best(self, loader, device, n: int) -> tuple[torch.Tensor, float]:
        """get_best_arch: n controller samples, each scored (top-1) on the next validation batch."""
        self.controller.eval()
        was_training = self.model.training
        self.model.eval()
        best, best_acc, batches, mixer = None, -1.0, cycle(loader), self.model.mixer
        try:
            for _ in range(n):
                x, y = next(batches)
                index = self.controller()[2]
                mixer.fixed = index
                acc = 100.0 * float(top1_fraction(self.model(x.to(device)), y.to(device)).sum())
                if acc > best_acc:  # np.argmax: the first maximum
                    best, best_acc = index, acc
        finally:
            mixer.fixed = None
            self.model.train(was_training)
        return best, best_acc

    def log_marginals(self) -> None:
        (alpha,) = self.model.arch_parameters()
        with torch.no_grad():
            alpha.copy_(self.controller.edge_marginals().clamp_min(torch.finfo(alpha.dtype).tiny).log().to(alpha))

    def end_epoch(self, epoch: int, valid_loader, device) -> None:
        info = {"epoch": epoch + 1}
        if epoch >= self.warmup_epochs:
            info.update(self.train_controller(valid_loader, device))
        self.pick, info["valid_acc"] = self.find_best(valid_loader, device, self.epoch_samples)
        if epoch + 1 == self.epochs:  # ENAS.py after the loop: the final architecture of num_samples
            self.pick, info["valid_acc"] = self.find_best(valid_loader, device, self.num_samples)
        info["index"] = self.pick.tolist()
        self.picks.append(info)
        self.log_marginals()

    def genotype(self) -> str:
        if self.pick is None:
            return self.model.genotype()
        return nb201.arch_string([self.model.ops[int(k)] for k in self.pick])
