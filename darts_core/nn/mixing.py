"""How a supernet turns architecture parameters into the weights that mix an edge's ops.

A mixer is the replaceable piece of every supernet: `mixer(alpha)` gives the weights of the forward pass
(may be stochastic, e.g. DrNAS's Dirichlet samples), `mixer.expected(alpha)` the deterministic weights
that are logged (alphas.parquet `weight`) and from which the genotype is derived.
"""

from __future__ import annotations

import torch


class SoftmaxMixer:
    """DARTS: softmax over the ops of each edge (xautodl search_model_darts.py forward, dim=-1)."""

    name = "softmax"

    def __call__(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


# --- mixers of the other gradient methods (darts_core.search.{gaea,drnas,gdas,rsps}) ---------------
# A "hard" mixer (`hard = True`) selects one op per edge: `sample(alpha) -> (weights, index)`, and the
# supernet runs only the selected op of each edge (NB201Supernet.forward_hard, xautodl forward_gdas).


class SimplexMixer:
    """GAEA: the parameter holds log p, p on the simplex per edge; the ops are mixed by p itself (no
    softmax; gaea_release architect_edarts.py + NASBENCH201Network.forward_edge_weights). Logged:
    weight = p, alpha = log p."""

    name = "simplex"

    def __call__(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha.exp()

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha.exp()


def dirichlet_concentration(alpha: torch.Tensor) -> torch.Tensor:
    """DrNAS: beta = ELU(alpha) + 1 (> 0), 201-space/search_model.py and utils.process_step_vector."""
    return torch.nn.functional.elu(alpha) + 1.0


class DirichletMixer:
    """DrNAS: one reparameterised sample w ~ Dir(ELU(alpha) + 1) per edge and forward pass, shared by all
    cells (utils.process_step_matrix, 'dirichlet'). Logged weight: the Dirichlet mean beta / sum(beta),
    whose argmax is DrNAS's genotype (argmax of softmax(alpha): ELU + 1 is increasing).

    `mask` (edges x ops, bool; None: every op), set by the supernet's `set_op_mask` after DrNAS progressive
    prunes: utils.process_step_vector samples all ops, zeroes the pruned ones and renormalises the rest
    (`output_pruned[mask] = output[mask]; output_pruned /= output_pruned.sum()`); the logged mean is masked
    and renormalised likewise (pruned ops: weight 0)."""

    name = "dirichlet"

    def __init__(self):
        self.mask: torch.Tensor | None = None

    def _masked(self, w: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            return w
        w = w * self.mask.to(w)
        return w / w.sum(dim=-1, keepdim=True)

    def __call__(self, alpha: torch.Tensor) -> torch.Tensor:
        return self._masked(torch.distributions.Dirichlet(dirichlet_concentration(alpha)).rsample())

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        beta = dirichlet_concentration(alpha)
        if self.mask is not None:
            return self._masked(beta)
        return beta / beta.sum(dim=-1, keepdim=True)


class GumbelHardMixer:
    """GDAS (xautodl search_model_gdas.py TinyNetworkGDAS.forward): per forward, per edge, Gumbel noise on
    log_softmax(alpha), divided by the temperature `tau`; the argmax op runs with the straight-through
    weight one_hot - probs.detach() + probs (value 1, gradient of the soft probability). Samples with
    inf/NaN are redrawn, as the official loop does. Logged weight: softmax(alpha), the probability of
    each op being selected; its argmax is GDAS's genotype (argmax of alpha)."""

    name = "gumbel-hard"
    hard = True

    def __init__(self, tau: float = 10.0):
        self.tau = float(tau)

    def sample(self, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        while True:
            gumbels = -torch.empty_like(alpha).exponential_().log()
            logits = (alpha.log_softmax(dim=-1) + gumbels) / self.tau
            probs = torch.softmax(logits, dim=-1)
            index = probs.max(-1, keepdim=True)[1]
            if torch.isinf(gumbels).any() or torch.isinf(probs).any() or torch.isnan(probs).any():
                continue
            one_hot = torch.zeros_like(logits).scatter_(-1, index, 1.0)
            return one_hot - probs.detach() + probs, index.squeeze(-1)

    def __call__(self, alpha):
        raise _no_hard_forward(self.name)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


class UniformPathMixer:
    """RSPS (xautodl search_model_random.py `random_genotype`, RANDOM-NAS.py): every forward pass runs one
    architecture drawn uniformly (one op per edge, independently), or the architecture pinned in `fixed`
    (an index per edge) while candidates are evaluated. The weights carry no gradient: RSPS has no
    architecture parameters. The supernet's alpha tensor only stores what is logged (see
    darts_core.search.rsps): `expected` returns it unchanged."""

    name = "uniform-path"
    hard = True

    def __init__(self):
        self.fixed: torch.Tensor | None = None

    def sample(self, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.fixed is not None:
            index = self.fixed.to(alpha.device)
        else:
            index = torch.randint(0, alpha.shape[-1], alpha.shape[:-1], device=alpha.device)
        weights = torch.zeros_like(alpha).scatter_(-1, index.unsqueeze(-1), 1.0).detach()
        return weights, index

    def __call__(self, alpha):
        raise _no_hard_forward(self.name)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha.detach().clone()


def _no_hard_forward(name: str):
    from darts_core.errors import DartsCoreError

    return DartsCoreError(f"the {name} mixer selects one op per edge; this supernet has no one-op forward "
                          "(NB201Supernet has one; the DARTS-space supernet does not yet)")


class SetnMixer:
    """SETN (xautodl search_model_setn.py TinyNetworkSETN, SETN.py search_func): two modes. `hard` True
    (the weight step, candidate scoring): one op per edge, the architecture pinned in `fixed` (an index per
    edge) or else drawn uniformly with Python's `random.choice` over the ops, edge by edge in node order
    (`dync_genotype(use_random=True)`), run alone (`forward_dynamic`: weight 1, no gradient to alpha).
    `hard` False (the arch step, the default): softmax(alpha) mixes all ops (`forward_joint`, as DARTS).
    Logged weight: softmax(alpha), the distribution SETN samples its candidates from."""

    name = "setn"

    def __init__(self):
        self.hard = False
        self.fixed: torch.Tensor | None = None

    def sample(self, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        import random

        if self.fixed is not None:
            index = self.fixed.to(alpha.device)
        else:
            ops = range(alpha.shape[-1])
            index = torch.tensor([random.choice(ops) for _ in range(alpha.shape[0])], device=alpha.device)
        weights = torch.zeros_like(alpha).scatter_(-1, index.unsqueeze(-1), 1.0).detach()
        return weights, index

    def __call__(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


class ControllerPathMixer:
    """ENAS (xautodl search_model_enas.py TinyNetworkENAS.update_arch + forward_dynamic): every forward
    runs one op per edge, the architecture pinned in `fixed`, or else one drawn by `sampler()` (the
    method sets it: its LSTM controller, without gradient). The supernet's alpha tensor stores what is
    logged, log P(op on edge) under the controller (darts_core.search.enas.edge_marginals): `expected`
    gives softmax(alpha) = those probabilities."""

    name = "controller-path"
    hard = True

    def __init__(self):
        self.fixed: torch.Tensor | None = None
        self.sampler = None

    def sample(self, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.fixed is not None:
            index = self.fixed.to(alpha.device)
        elif self.sampler is not None:
            index = self.sampler().to(alpha.device)
        else:
            raise _no_hard_forward(self.name)
        weights = torch.zeros_like(alpha).scatter_(-1, index.unsqueeze(-1), 1.0).detach()
        return weights, index

    def __call__(self, alpha):
        raise _no_hard_forward(self.name)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)


# --- the mixed sum itself -------------------------------------------------------------------------


class _WeightedSum(torch.autograd.Function):
    """out = sum_k w[k] * t_k + sum_m u_m in one accumulator (no product tensor per term); backward: grad
    t_k = w[k] * g, grad w[k] = <g, t_k> (a dot product, no product tensor either), grad u_m = g. The
    backward is written in differentiable ops, so double backward (the exact alpha Hessian,
    darts_core.search.hessian) works."""

    @staticmethod
    def forward(ctx, w, n_weighted, *tensors):
        dtype = tensors[0].dtype
        for t in tensors[1:]:  # mixed precision (autocast): accumulate in the widest input type
            dtype = torch.promote_types(dtype, t.dtype)
        weighted, plain = tensors[:n_weighted], tensors[n_weighted:]
        if weighted:
            out = torch.mul(weighted[0].to(dtype), w[0].to(dtype))
            for k in range(1, len(weighted)):
                out.addcmul_(weighted[k], w[k].to(dtype))
        else:
            out = plain[0].to(dtype, copy=True)
            plain = plain[1:]
        for u in plain:
            out.add_(u)
        ctx.n_weighted = n_weighted
        ctx.save_for_backward(w, *weighted)
        return out

    @staticmethod
    def backward(ctx, g):
        w, *weighted = ctx.saved_tensors
        n = ctx.n_weighted
        need = ctx.needs_input_grad
        grad_w = None
        if need[0]:
            grad_w = torch.stack([_dot(g, t) for t in weighted]).to(w.dtype) if weighted else torch.zeros_like(w)
        grads = [(g * w[k].to(g.dtype)).to(t.dtype) if need[k + 2] else None for k, t in enumerate(weighted)]
        plain = [g if need[m + 2] else None for m in range(n, len(need) - 2)]
        return (grad_w, None, *grads, *plain)


def _flat_pair(a: torch.Tensor, b: torch.Tensor):
    """a and b as matching 1-D (or per-sample 2-D) views when their layouts allow it, else None."""
    if a.is_contiguous() and b.is_contiguous():
        return a.view(-1), b.view(-1)
    cl = torch.channels_last
    if a.dim() == 4 and a.is_contiguous(memory_format=cl) and b.is_contiguous(memory_format=cl):
        return a.permute(0, 2, 3, 1).reshape(-1), b.permute(0, 2, 3, 1).reshape(-1)
    if a.dim() == 4 and b.dim() == 4:  # channel slices of NCHW tensors: contiguous within each sample
        def per_sample(t):
            return tuple(t.stride()[1:]) == (t.shape[2] * t.shape[3], t.shape[3], 1)
        if per_sample(a) and per_sample(b):
            return a.view(a.shape[0], -1), b.view(b.shape[0], -1)
    return None


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """<a, b> over all elements, on flat views where the layouts allow (the CPU kernels run those
    several times faster than the 4-D product; no exception is raised, so torch.compile traces it
    whole). Half-precision inputs are summed in float32."""
    if a.dtype in (torch.float16, torch.bfloat16) or b.dtype in (torch.float16, torch.bfloat16):
        a, b = a.float(), b.float()
    flat = _flat_pair(a, b)
    if flat is None:
        return (a * b).sum()
    a, b = flat
    return torch.dot(a, b) if a.dim() == 1 else (a * b).sum()


def weighted_sum(weights: torch.Tensor, tensors: list[torch.Tensor], plain: list[torch.Tensor] = ()) -> torch.Tensor:
    """sum_k weights[k] * tensors[k] + sum_m plain[m] (weights: 1-D, one per tensor), the same math as
    the term-by-term sum up to float rounding (the same order of additions, weighted terms first)."""
    if len(tensors) != weights.numel():
        raise ValueError(f"weighted_sum: {weights.numel()} weights for {len(tensors)} tensors")
    if not tensors and not plain:
        raise ValueError("weighted_sum: no terms")
    return _WeightedSum.apply(weights, len(tensors), *tensors, *plain)
