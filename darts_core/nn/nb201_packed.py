"""K seeds of one NB201 search in one supernet ("packed"): the K copies are the K groups of grouped
convolutions, so one forward trains K independent NB201Supernet's at once.

Layout: every tensor of the packed model is the K single-model tensors of the same name concatenated on
dim 0 (convs: K*C_out filters, groups=K; BN: K*C channels, per-channel statistics, so per seed by
construction; classifier: K*classes rows; alpha: K*6 rows). So `p.view(K, -1)[k]` is seed k's copy of
every parameter, buffer, gradient and optimiser state, and `pack_state` / `unpack_state` copy weights
between the packed model and K NB201Supernet's by name (initialisation: each seed builds its own model
with its own seed, exactly as a separate run, and is copied in). No parameter is shared between seeds:
seed k's logits depend only on seed k's parameters and input, so the gradient of the sum of the K losses
w.r.t. seed k's parameters is the gradient of seed k's loss.

Input: x of shape (K, B, C, H, W) (seed k's batch at x[k]); output logits (K, B, classes). Mirrors
NB201Supernet's forward op by op (same shortcuts: shared ReLU/pooling per node, `none` not added).
Softmax mixing only (DARTS-V1/V2): the methods with other mixers are not packed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from darts_core.errors import DartsCoreError
from darts_core.nn.nb201_ops import Zero
from darts_core.spaces import nb201


def _conv(k, c_in, c_out, kernel, stride=1, padding=0, bias=False):
    return nn.Conv2d(k * c_in, k * c_out, kernel, stride=stride, padding=padding, bias=bias, groups=k)


class PackedReLUConvBN(nn.Sequential):
    """ReLU -> grouped conv (bias = not affine, as nb201_ops.ReLUConvBN) -> BN over K*C channels."""

    def __init__(self, k, c_in, c_out, kernel, stride, padding, affine, track_running_stats):
        super().__init__(nn.ReLU(inplace=False), _conv(k, c_in, c_out, kernel, stride, padding, bias=not affine),
                         nn.BatchNorm2d(k * c_out, affine=affine, track_running_stats=track_running_stats))


class PackedResNetBlock(nn.Module):
    """nb201_ops.ResNetBasicBlock, K groups."""

    def __init__(self, k, c_in, c_out):
        super().__init__()
        self.conv_a = PackedReLUConvBN(k, c_in, c_out, 3, 2, 1, True, True)
        self.conv_b = PackedReLUConvBN(k, c_out, c_out, 3, 1, 1, True, True)
        self.downsample = nn.Sequential(nn.AvgPool2d(kernel_size=2, stride=2, padding=0), _conv(k, c_in, c_out, 1))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


def _make_op(name, k, c, track):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return PackedReLUConvBN(k, c, c, 1, 1, 0, False, track)
    if name == "nor_conv_3x3":
        return PackedReLUConvBN(k, c, c, 3, 1, 1, False, track)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise DartsCoreError(f"unknown NAS-Bench-201 op {name!r}")


def _scale(y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """y (B, K*C, H, W) times seed k's scalar w[k] on its C channels."""
    b, k = y.shape[0], w.shape[0]
    return (y.view(b, k, -1) * w.view(1, k, 1)).view_as(y)


class PackedSearchCell(nn.Module):
    """NB201SearchCell (affine=False), K groups; weights (K, 6 edges, ops)."""

    def __init__(self, k, channels, ops, track_running_stats):
        super().__init__()
        self.ops = tuple(ops)
        self.edges = nn.ModuleDict({e.replace("<-", "_"): nn.ModuleList(_make_op(o, k, channels, track_running_stats) for o in ops)
                                    for e in nb201.EDGES})
        self.pool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.has_conv = bool({"nor_conv_1x1", "nor_conv_3x3"} & set(self.ops))
        self.has_pool = "avg_pool_3x3" in self.ops

    def _edge(self, ops, x, relu_x, pool_x, weights):  # weights: (K, ops) of this edge
        out = None
        for o, (name, op) in enumerate(zip(self.ops, ops)):
            if name == "none":
                continue
            y = x if name == "skip_connect" else pool_x if name == "avg_pool_3x3" else op[2](op[1](relu_x))
            y = _scale(y, weights[:, o])
            out = y if out is None else out + y
        return out if out is not None else x.mul(0.0)

    def forward(self, x, weights):
        nodes, shared, e = [x], [], 0
        for i in range(1, nb201.MAX_NODES):
            h = nodes[-1]
            shared.append((torch.relu(h) if self.has_conv else None, self.pool(h) if self.has_pool else None))
            total = None
            for j in range(i):
                s = self._edge(self.edges[f"{i}_{j}"], nodes[j], *shared[j], weights[:, e])
                total = s if total is None else total + s
                e += 1
            nodes.append(total)
        return nodes[-1]


class PackedNB201Supernet(nn.Module):
    """K NB201Supernet's (same settings, one per seed) as one module; parameter names as NB201Supernet's."""

    def __init__(self, k: int, num_classes: int, channels: int = 16, num_cells: int = 5, ops: Sequence[str] = nb201.OPS,
                 track_running_stats: bool = False, in_channels: int = 3):
        super().__init__()
        self.k, self.num_classes, self.ops = int(k), int(num_classes), nb201.check_ops(ops)
        c = channels
        self.stem = nn.Sequential(_conv(k, in_channels, c, 3, padding=1), nn.BatchNorm2d(k * c))
        widths = [c] * num_cells + [2 * c] + [2 * c] * num_cells + [4 * c] + [4 * c] * num_cells
        reduce = [False] * num_cells + [True] + [False] * num_cells + [True] + [False] * num_cells
        cells, prev = [], c
        for width, red in zip(widths, reduce):
            cells.append(PackedResNetBlock(k, prev, width) if red else PackedSearchCell(k, width, self.ops, track_running_stats))
            prev = width
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(k * prev), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(prev, k * num_classes)  # rows: seed 0's classes, seed 1's, ...
        self.alpha = nn.Parameter(torch.zeros(k * len(nb201.EDGES), len(self.ops)))
        self.width = prev

    def arch_parameters(self) -> list[torch.Tensor]:
        return [self.alpha]

    def weight_parameters(self) -> list[torch.Tensor]:
        return [p for p in self.parameters() if p is not self.alpha]

    def mixing_weights(self, alpha: torch.Tensor | None = None) -> torch.Tensor:
        """softmax over the ops of each edge, per seed: (K, 6, ops) (SoftmaxMixer)."""
        a = self.alpha if alpha is None else alpha
        return torch.softmax(a.view(self.k, len(nb201.EDGES), len(self.ops)), dim=-1)

    def forward(self, x: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
        """x (K, B, C, H, W) -> logits (K, B, classes). `alpha`: use this tensor instead of the parameter
        (the per-seed Hessian differentiates w.r.t. one seed's rows)."""
        k, b = x.shape[0], x.shape[1]
        if k != self.k:
            raise DartsCoreError(f"packed supernet of {self.k} seeds got a batch of {k}")
        weights = self.mixing_weights(alpha)
        h = self.stem(x.transpose(0, 1).reshape(b, k * x.shape[2], *x.shape[3:]))
        for cell in self.cells:
            h = cell(h, weights) if isinstance(cell, PackedSearchCell) else cell(h)
        h = self.lastact(h).mean(dim=(2, 3)).view(b, k, self.width)
        w = self.classifier.weight.view(k, self.num_classes, self.width)
        # per seed: h_k @ W_k^T + b_k (nn.Linear of seed k)
        return torch.baddbmm(self.classifier.bias.view(k, 1, self.num_classes), h.transpose(0, 1), w.transpose(1, 2))


def pack_state(packed: PackedNB201Supernet, models: Sequence[nn.Module]) -> None:
    """Copy K NB201Supernet's (seed k = models[k]) into the packed model: every tensor by name, stacked on
    dim 0; counters (BN num_batches_tracked) must agree between seeds."""
    if len(models) != packed.k:
        raise DartsCoreError(f"packed supernet of {packed.k} seeds, {len(models)} models given")
    states = [m.state_dict() for m in models]
    with torch.no_grad():
        for name, target in packed.state_dict(keep_vars=True).items():
            parts = [s[name] for s in states]
            if target.dim() == 0:
                if any(not torch.equal(p, parts[0]) for p in parts):
                    raise DartsCoreError(f"packing: {name} differs between the seeds")
                target.copy_(parts[0])
            else:
                target.copy_(torch.cat([p.reshape(-1) for p in parts]).view_as(target))


def unpack_state(packed: PackedNB201Supernet, k: int, model: nn.Module) -> None:
    """Copy seed k's part of the packed model into an NB201Supernet (parameters, buffers, alpha grads)."""
    source = packed.state_dict(keep_vars=True)
    with torch.no_grad():
        for name, target in model.state_dict(keep_vars=True).items():
            t = source[name]
            target.copy_(t if t.dim() == 0 else t.view(packed.k, -1)[k].view_as(target))
    a = packed.alpha.grad
    model.alpha.grad = None if a is None else a.detach().view(packed.k, -1)[k].view_as(model.alpha).clone()


def build_packed_supernet(cfg, k: int, num_classes: int, input_shape: Sequence[int]) -> PackedNB201Supernet:
    """Packed factory of the `nb201` space (darts_core.spaces.nb201 `packed_supernet`)."""
    return PackedNB201Supernet(k, num_classes, cfg.channels, cfg.num_cells, cfg.ops, cfg.track_running_stats,
                               in_channels=int(input_shape[0]))
