"""DARTS-space search supernet (quark0/darts cnn/model_search.py), with RobustDARTS's per-edge op lists
(src/search/model_search.py) so S1-S4 work, and its ScheduledDropPath option (drop path on every
mixed-edge output in training, off by default; whoever runs the search sets `drop_path_prob` each epoch,
RobustDARTS train_search.py: p * epoch / (epochs - 1); the generic search loop does not yet).

Alphas `alphas_normal`, `alphas_reduce` (14 x n_ops, 1e-3 * randn) are nn.Parameters, so state_dict and
`.to(device)` carry them; `weight_parameters()` is everything else. `mixer` (darts_core.nn.mixing) maps an
alpha tensor to the forward-pass mixing weights (`mixer(alpha)`, softmax per edge for DARTS; replaceable,
e.g. Dirichlet samples) and to the logged weights the genotype is derived from (`mixer.expected(alpha)`).
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.darts_ops import FactorizedReduce, ReLUConvBN, drop_path, make_search_op
from darts_core.nn.mixing import SoftmaxMixer
from darts_core.spaces import darts as space_mod


class MixedOp(nn.Module):
    def __init__(self, C: int, stride: int, ops: tuple[str, ...]):
        super().__init__()
        self._ops = nn.ModuleList(make_search_op(name, C, stride) for name in ops)

    def forward(self, x, weights):
        return sum(w * op(x) for w, op in zip(weights, self._ops))


class SearchCell(nn.Module):
    def __init__(self, ops_per_edge, steps, multiplier, C_prev_prev, C_prev, C, reduction, reduction_prev):
        super().__init__()
        self.reduction = reduction
        pre0 = FactorizedReduce(C_prev_prev, C, affine=False) if reduction_prev else ReLUConvBN(C_prev_prev, C, 1, 1, 0, affine=False)
        self.preprocess0, self.preprocess1 = pre0, ReLUConvBN(C_prev, C, 1, 1, 0, affine=False)
        self._steps, self._multiplier = steps, multiplier
        self._ops = nn.ModuleList()
        for i in range(steps):
            for j in range(2 + i):
                self._ops.append(MixedOp(C, 2 if reduction and j < 2 else 1, ops_per_edge[len(self._ops)]))

    def forward(self, s0, s1, weights, drop_prob: float = 0.0):
        states, offset = [self.preprocess0(s0), self.preprocess1(s1)], 0
        for _ in range(self._steps):
            outs = [self._ops[offset + j](h, weights[offset + j]) for j, h in enumerate(states)]
            if self.training and drop_prob > 0.0:
                outs = [drop_path(o, drop_prob) for o in outs]
            offset += len(states)
            states.append(sum(outs))
        return torch.cat(states[-self._multiplier:], dim=1)


class DartsSupernet(nn.Module):
    """Search network: stem, `layers` cells (reductions at layers//3 and 2*layers//3), global pool, linear."""

    cell_types = space_mod.CELLS

    def __init__(self, C: int = 16, num_classes: int = 10, layers: int = 8, space: str | space_mod.DartsSpace = "darts",
                 steps: int = 4, multiplier: int = 4, stem_multiplier: int = 3, in_channels: int = 3,
                 drop_path_prob: float = 0.0, mixer=None):
        super().__init__()
        self.space = space_mod.get_space(space)
        if steps != space_mod.STEPS:
            raise ValueError(f"the DARTS space has {space_mod.STEPS} intermediate nodes, got steps={steps}")
        self.drop_path_prob = drop_path_prob
        self.mixer = mixer or SoftmaxMixer()
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False), nn.BatchNorm2d(C_curr))
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        self.cells, reduction_prev = nn.ModuleList(), False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            C_curr *= 2 if reduction else 1
            ops = self.space.ops("reduce" if reduction else "normal")
            self.cells.append(SearchCell(ops, steps, multiplier, C_prev_prev, C_prev, C_curr, reduction, reduction_prev))
            reduction_prev = reduction
            C_prev_prev, C_prev = C_prev, multiplier * C_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)
        # drawn after the weights, as quark0 `_initialize_alphas`
        n_edges = len(space_mod.EDGES)
        self.alphas_normal = nn.Parameter(1e-3 * torch.randn(n_edges, self.space.n_ops("normal")))
        self.alphas_reduce = nn.Parameter(1e-3 * torch.randn(n_edges, self.space.n_ops("reduce")))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alphas_normal, self.alphas_reduce]

    def weight_parameters(self) -> list[nn.Parameter]:
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def forward(self, x):
        w_normal, w_reduce = self.mixer(self.alphas_normal), self.mixer(self.alphas_reduce)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, w_reduce if cell.reduction else w_normal, self.drop_path_prob)
        return self.classifier(self.global_pooling(s1).flatten(1))

    @torch.no_grad()
    def logged_weights(self) -> dict[str, torch.Tensor]:
        """`mixer.expected` weights of each cell (CPU, float64): what is logged and derived from."""
        return {"normal": self.mixer.expected(self.alphas_normal).detach().double().cpu(),
                "reduce": self.mixer.expected(self.alphas_reduce).detach().double().cpu()}

    def genotype_obj(self) -> space_mod.Genotype:
        w = self.logged_weights()
        return space_mod.derive_genotype(w["normal"].numpy(), w["reduce"].numpy(), self.space)

    def genotype(self) -> str:
        return space_mod.genotype_string(self.genotype_obj())

    @torch.no_grad()
    def alpha_log(self, epoch: int) -> pd.DataFrame:
        """Tidy rows (runlog.alpha_rows) of both cells: 2 x 14 edges x the edge's ops (per edge, for S1)."""
        weights, frames = self.logged_weights(), []
        for cell, alpha in zip(self.cell_types, self.arch_parameters()):
            a, w = alpha.detach().double().cpu().numpy(), weights[cell].numpy()
            for e, (edge, ops) in enumerate(zip(space_mod.EDGES, self.space.ops(cell))):
                frames.append(runlog.alpha_rows(epoch, cell, [edge], ops, a[e : e + 1], w[e : e + 1]))
        return pd.concat(frames, ignore_index=True)


def build_supernet(cfg, num_classes: int, input_shape, mixer=None, variant: str | None = None) -> DartsSupernet:
    """Space factory (darts_core.spaces): C = cfg.channels, layers = cfg.num_cells (the total number of
    cells, DARTS `--layers`; 8 in the DARTS/RobustDARTS search). `variant` unset: the space `cfg.space`
    names (a registered DARTS-family space). `cfg.ops` restricts the op list of the plain DARTS space
    (uniform on all edges); the S1-S4 variants fix their own lists."""
    variant = variant or getattr(cfg, "space", None) or "darts"
    space = space_mod.get_space(variant)
    ops = tuple(getattr(cfg, "ops", None) or ())
    if ops and set(ops) != set(space_mod.OPS):
        if not space.is_full:
            raise DartsCoreError(f"space {variant} fixes its op lists per edge; leave ops unset")
        space = space_mod.uniform_space(ops)
    return DartsSupernet(cfg.channels, num_classes, cfg.num_cells, space, in_channels=int(input_shape[0]), mixer=mixer)


def build_darts(cfg, num_classes, input_shape, mixer=None):
    return build_supernet(cfg, num_classes, input_shape, mixer, "darts")


def build_s1(cfg, num_classes, input_shape, mixer=None):
    return build_supernet(cfg, num_classes, input_shape, mixer, "s1")


def build_s2(cfg, num_classes, input_shape, mixer=None):
    return build_supernet(cfg, num_classes, input_shape, mixer, "s2")


def build_s3(cfg, num_classes, input_shape, mixer=None):
    return build_supernet(cfg, num_classes, input_shape, mixer, "s3")


def build_s4(cfg, num_classes, input_shape, mixer=None):
    return build_supernet(cfg, num_classes, input_shape, mixer, "s4")
