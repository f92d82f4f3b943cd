"""The NAS-Bench-201 supernet (xautodl `search_model_darts.py` TinyNetworkDarts, `search_cells.py`
NAS201SearchCell) implementing the supernet protocol of `darts_core.search`.

Modules are created in the official order (stem, cells edge by edge and op by op, head, alphas), so
parameters() lines up one to one with TinyNetworkDarts and the same seed draws the same initial values.
Two exact shortcuts: ReLU and pooling of a node are computed once for all edges leaving it, and `none`
(x * 0) is not added (it contributes exact zeros).

Partial channels (DrNAS progressive, xiangning-chen/DrNAS 201-space/search_cells.py
NAS201SearchCell_PartialChannel): with `partial_channels` k > 1 every edge's ops see the first C/k
channels of their input node, the other channels pass through, and the edge output is
channel_shuffle(cat(mixed, rest), k). Pruned ops (`set_op_mask`) are not run: the mixer gives them weight
0 (the official MixedOp skips `w == 0`); `widen(k)` widens every conv op to C/k channels (darts_core.nn.widen).

The fast path (`fast=True`, the default; issue 18) computes the same function with fewer, larger kernels:
the same-shaped convs of all edges leaving a node run as one conv (their weights concatenated along the
output channels) followed by one BatchNorm over the concatenated channels (per channel, so exact) whose
scale is the edges' mixing weights (w * BN(y) = BN(y) with gamma w), and each node's sum over its edges
and ops is one fused sum (`mixing.weighted_sum`: skip and pooling terms weighted, conv terms as they
are). The parameters,
their order and the BN buffers are those of the straightforward path (`fast=False`, kept as the reference
for tests and benchmarks); results agree up to float rounding (the order of additions differs).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.darts_ops import drop_path
from darts_core.nn.mixing import SoftmaxMixer, weighted_sum
from darts_core.nn.nb201_ops import AvgPool3x3, ReLUConvBN, ResNetBasicBlock, make_op
from darts_core.nn.widen import Widened, widen_relu_conv_bn
from darts_core.spaces import nb201


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, C, H, W) -> channel c' * groups + g takes channel g * C/groups + c' (search_cells.channel_shuffle)."""
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)



_CONVS = ("nor_conv_1x1", "nor_conv_3x3")


def _edge_index(i: int, j: int) -> int:
    """Position of edge `i<-j` in nb201.EDGES (node-major, source-minor)."""
    return i * (i - 1) // 2 + j


def batched_conv_bn(ops: Sequence[ReLUConvBN], relu_x: torch.Tensor, scale: torch.Tensor | None = None) -> torch.Tensor:
    """[op[2](op[1](relu_x)) for op in ops] concatenated along channels, as one conv and one BatchNorm;
    `scale` (one value per output channel): each channel's output times it, inside the BatchNorm.

    Exact: a conv's output channels are independent, and BatchNorm normalises each channel by its own
    statistics, so stacking the convs' weights (and biases) and the BNs' buffers changes no value. Running
    statistics (track_running_stats) are updated in the concatenated copy and written back to each BN, as
    nn.BatchNorm2d.forward would (momentum, num_batches_tracked). The scale is BN's affine weight (w *
    BN(y) = BN(y) with gamma w; with an affine BN, gamma * w and beta * w): the mixing weight costs no pass
    of its own either way, and its gradient comes out of BN's backward, which sums g * x_hat per channel
    anyway."""
    convs, bns = [op[1] for op in ops], [op[2] for op in ops]
    c0, b0 = convs[0], bns[0]
    weight = torch.cat([c.weight for c in convs]) if len(convs) > 1 else c0.weight
    bias = None if c0.bias is None else (torch.cat([c.bias for c in convs]) if len(convs) > 1 else c0.bias)
    y = F.conv2d(relu_x, weight, bias, c0.stride, c0.padding, c0.dilation, c0.groups)
    factor = 0.0 if b0.momentum is None else b0.momentum
    update = b0.training and b0.track_running_stats
    if update and b0.num_batches_tracked is not None:
        for b in bns:
            b.num_batches_tracked.add_(1)
        if b0.momentum is None:
            factor = 1.0 / float(b0.num_batches_tracked)
    use_batch_stats = b0.training or (b0.running_mean is None and b0.running_var is None)
    keep = b0.running_mean is not None and (not b0.training or b0.track_running_stats)
    mean = torch.cat([b.running_mean for b in bns]) if keep else None
    var = torch.cat([b.running_var for b in bns]) if keep else None
    gamma = torch.cat([b.weight for b in bns]) if b0.affine else None
    beta = torch.cat([b.bias for b in bns]) if b0.affine else None
    if scale is not None:
        gamma = scale if gamma is None else gamma * scale
        beta = None if beta is None else beta * scale
    out = F.batch_norm(y, mean, var, gamma, beta, use_batch_stats, factor, b0.eps)
    if keep and update:
        with torch.no_grad():
            for b, m, v in zip(bns, mean.split(b0.num_features), var.split(b0.num_features)):
                b.running_mean.copy_(m)
                b.running_var.copy_(v)
    return out


class NB201SearchCell(nn.Module):
    """4 nodes, 6 edges `i<-j` (nb201.EDGES order); node i = sum_j sum_op w * op(node j); output node 3."""

    def __init__(self, channels: int, ops: Sequence[str], track_running_stats: bool, partial_channels: int = 1,
                 conv_bias: bool | None = None, fast: bool = True):
        super().__init__()
        self.ops, self.fast = tuple(ops), bool(fast)
        self.channels, self.k = channels, partial_channels
        self._index_cache: dict = {}
        # affine=False in searching cells (DARTS-V1.py model_config "affine": False)
        c = channels // partial_channels
        self.edges = nn.ModuleDict(
            {e.replace("<-", "_"): nn.ModuleList(make_op(o, c, False, track_running_stats, conv_bias) for o in ops)
             for e in nb201.EDGES}
        )
        self.pool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fast_pool = AvgPool3x3()  # same math, a faster kernel (nb201_ops.AvgPool3x3)
        self.has_conv = bool({"nor_conv_1x1", "nor_conv_3x3"} & set(self.ops))
        self.has_pool = "avg_pool_3x3" in self.ops

    def _edge(self, ops: nn.ModuleList, x, relu_x, pool_x, weights, kept=None):
        out = None
        for o in range(len(self.ops)) if kept is None else kept:
            name, op, w = self.ops[o], ops[o], weights[o]
            if name == "none":
                continue
            if name == "skip_connect":
                y = x
            elif name == "avg_pool_3x3":
                y = pool_x
            else:  # ReLUConvBN: its ReLU is shared by all edges leaving the node
                y = op[2](op[1](relu_x))
            y = y * w
            out = y if out is None else out + y
        return out if out is not None else x.mul(0.0)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, drop_prob: float = 0.0, kept=None) -> torch.Tensor:
        """`kept`: per edge, the indices of the ops not pruned (None: all). Drop path (per edge), partial
        channels and pruned ops take the reference path."""
        if self.fast and self.k == 1 and kept is None and not (drop_prob > 0.0 and self.training):
            return self.forward_fast(x, weights)
        return self.forward_reference(x, weights, drop_prob, kept)

    def forward_fast(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Node by node: once node j is known, the convs of all edges leaving it run batched
        (`batched_conv_bn`, their mixing weights as the BN scale); node j+1 is then one sum
        (`weighted_sum`): the skip and pooling terms weighted, the conv terms as they are."""
        n, ops, c = nb201.MAX_NODES, self.ops, self.channels
        flat = weights.reshape(-1)
        weighted: list[list[torch.Tensor]] = [[] for _ in range(n)]
        plain: list[list[torch.Tensor]] = [[] for _ in range(n)]
        nodes = [x]
        for j in range(n - 1):
            h, dests = nodes[j], range(j + 1, n)
            relu = torch.relu(h) if self.has_conv else None
            pool = self.fast_pool(h) if self.has_pool else None
            conv = {}
            for o, name in enumerate(ops):
                if name in _CONVS:
                    scale = flat[self._conv_index(j, o, flat.device)].repeat_interleave(c)
                    conv[o] = batched_conv_bn([self.edges[f"{i}_{j}"][o] for i in dests], relu, scale).split(c, dim=1)
            for d, i in enumerate(dests):
                for o, name in enumerate(ops):
                    if name == "skip_connect":
                        weighted[i].append(h)
                    elif name == "avg_pool_3x3":
                        weighted[i].append(pool)
                    elif name in _CONVS:
                        plain[i].append(conv[o][d])
            i = j + 1
            if weighted[i] or plain[i]:
                nodes.append(weighted_sum(flat[self._term_index(i, flat.device)], weighted[i], plain[i]))
            else:  # only `none`: zeros, as the reference's x.mul(0)
                nodes.append(h.mul(0.0))
        return nodes[-1]

    def _term_index(self, i: int, device) -> torch.Tensor:
        """Flat (edge * len(ops) + op) index of every weighted (skip, pooling) term entering node i, in
        forward_fast's order."""
        key = ("terms", i, str(device))
        if key not in self._index_cache:
            idx = [_edge_index(i, j) * len(self.ops) + o for j in range(i) for o, name in enumerate(self.ops)
                   if name in ("skip_connect", "avg_pool_3x3")]
            self._index_cache[key] = torch.tensor(idx, dtype=torch.long, device=device)
        return self._index_cache[key]

    def _conv_index(self, j: int, o: int, device) -> torch.Tensor:
        """Flat index of op o on every edge leaving node j (batched_conv_bn's order: destination-major)."""
        key = ("conv", j, o, str(device))
        if key not in self._index_cache:
            idx = [_edge_index(i, j) * len(self.ops) + o for i in range(j + 1, nb201.MAX_NODES)]
            self._index_cache[key] = torch.tensor(idx, dtype=torch.long, device=device)
        return self._index_cache[key]

    def forward_reference(self, x: torch.Tensor, weights: torch.Tensor, drop_prob: float = 0.0, kept=None) -> torch.Tensor:
        """The straightforward path: edge by edge, op by op (ReLU and pooling shared per node); `kept`: per
        edge, the indices of the ops not pruned (None: all)."""
        nodes, shared, k = [x], [], 0
        part = self.channels // self.k
        for i in range(1, nb201.MAX_NODES):
            h = nodes[-1] if self.k == 1 else nodes[-1][:, :part]  # what the ops see (MixedOp xtemp)
            # ReLU and pooling of node i-1, computed once for all edges leaving it
            shared.append((h, torch.relu(h) if self.has_conv else None, self.pool(h) if self.has_pool else None))
            total = None
            for j in range(i):
                s = self._edge(self.edges[f"{i}_{j}"], *shared[j], weights[k], None if kept is None else kept[k])
                if self.k > 1:  # MixedOp: cat([mixed, xtemp2]) then channel_shuffle(ans, k)
                    s = channel_shuffle(torch.cat([s, nodes[j][:, part:]], dim=1), self.k)
                if drop_prob > 0.0 and self.training:  # ScheduledDropPath on each edge (RobustDARTS Cell)
                    s = drop_path(s, drop_prob)
                total = s if total is None else total + s
                k += 1
            nodes.append(total)
        return nodes[-1]

    def widen(self, k: int) -> list[Widened]:
        """Partial channels k_old -> k (k < k_old): every conv op widened to C/k channels (ReLUConvBN.wider,
        edges and ops in construction order, as NAS201SearchCell_PartialChannel.wider)."""
        c = self.channels // k
        out = []
        for ops in self.edges.values():
            for op in ops:
                if isinstance(op, ReLUConvBN):
                    out += widen_relu_conv_bn(op, c, c)
        self.k = k
        return out

    def _one_op(self, name: str, op: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if name == "none":
            return x.mul(0.0)
        if name == "skip_connect":
            return x
        if name == "avg_pool_3x3":
            return self.pool(x)
        return op(x)

    def forward_hard(self, x: torch.Tensor, weights: torch.Tensor, index: list[int], drop_prob: float = 0.0) -> torch.Tensor:
        """One op per edge (GDAS, RSPS; xautodl NAS201SearchCell.forward_gdas): edge output =
        w[sel] * op_sel(x) + sum of the other weights (zero in value; with straight-through weights they
        carry the gradient of the soft probabilities, exactly as the official forward)."""
        nodes, k = [x], 0
        for i in range(1, nb201.MAX_NODES):
            total = None
            for j in range(i):
                ops, w, sel = self.edges[f"{i}_{j}"], weights[k], index[k]
                s = w[sel] * self._one_op(self.ops[sel], ops[sel], nodes[j])
                for other in range(len(self.ops)):
                    if other != sel:
                        s = s + w[other]
                if drop_prob > 0.0 and self.training:
                    s = drop_path(s, drop_prob)
                total = s if total is None else total + s
                k += 1
            nodes.append(total)
        return nodes[-1]


class NB201Supernet(nn.Module):
    """Stem -> N cells (C) -> ResNet block -> N cells (2C) -> block -> N cells (4C) -> BN-ReLU-pool-linear."""

    cell_types = ("normal",)

    def __init__(self, num_classes: int, channels: int = 16, num_cells: int = 5, ops: Sequence[str] = nb201.OPS,
                 track_running_stats: bool = False, in_channels: int = 3, mixer=None, partial_channels: int = 1,
                 conv_bias: bool | None = None, fast: bool = True, channels_last: bool | str = False, amp: str = "off"):
        super().__init__()
        # NHWC activations (faster convs on some CPUs/GPUs); "auto": on the CPU only (measured faster there)
        self.channels_last = channels_last if channels_last == "auto" else bool(channels_last)
        self.amp = amp  # "bf16": the forward under bfloat16 autocast, logits returned in float32
        self.ops = nb201.check_ops(ops)
        self.mixer = mixer or SoftmaxMixer()
        if partial_channels != 1 and getattr(self.mixer, "hard", False):
            raise DartsCoreError(f"the {self.mixer.name} mixer runs one op per edge; partial channels are for mixed edges")
        if channels % partial_channels:
            raise DartsCoreError(f"partial channels {partial_channels} do not divide channels ({channels})")
        self.kept: tuple[tuple[int, ...], ...] | None = None  # per edge, the ops not pruned (set_op_mask)
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        widths = [c] * num_cells + [2 * c] + [2 * c] * num_cells + [4 * c] + [4 * c] * num_cells
        reduce = [False] * num_cells + [True] + [False] * num_cells + [True] + [False] * num_cells
        cells, prev = [], c
        for width, red in zip(widths, reduce):
            cells.append(ResNetBasicBlock(prev, width) if red else
                         NB201SearchCell(width, self.ops, track_running_stats, partial_channels, conv_bias, fast))
            prev = width
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(prev), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(prev, num_classes)
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(nb201.EDGES), len(self.ops)))
        self.drop_path_prob = 0.0  # ScheduledDropPath, set per epoch by darts_core.search.regularisation

    # --- supernet protocol -------------------------------------------------------------------
    def arch_parameters(self) -> list[torch.Tensor]:
        return [self.alpha]

    def weight_parameters(self) -> list[torch.Tensor]:
        return [p for p in self.parameters() if p is not self.alpha]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.amp == "bf16":
            with torch.autocast(x.device.type, dtype=torch.bfloat16):
                return self._forward(x).float()
        return self._forward(x)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        p, hard = self.drop_path_prob, getattr(self.mixer, "hard", False)
        if hard:  # one op per edge (GDAS, RSPS): one draw per forward, shared by all cells
            weights, index = self.mixer.sample(self.alpha)
            index = index.tolist()
        else:
            weights = self.mixer(self.alpha)  # once per forward, shared by all cells
        if self.channels_last is True or (self.channels_last == "auto" and x.device.type == "cpu"):
            x = x.contiguous(memory_format=torch.channels_last)
        h = self.stem(x)
        for cell in self.cells:
            if isinstance(cell, NB201SearchCell):
                h = cell.forward_hard(h, weights, index, p) if hard else cell(h, weights, p, self.kept)
            else:
                h = cell(h)
        h = self.lastact(h).mean(dim=(2, 3))
        return self.classifier(h)

    # --- DrNAS progressive: pruning and widening between stages ------------------------------
    def set_op_mask(self, mask: torch.Tensor) -> None:
        """Keep only the ops marked in `mask` (edges x ops, bool): the mixer gives the others weight 0 (and
        renormalises), the cells no longer run them."""
        if not hasattr(self.mixer, "mask"):
            raise DartsCoreError(f"the {self.mixer.name} mixer cannot mask pruned ops")
        mask = torch.as_tensor(mask, dtype=torch.bool, device=self.alpha.device)
        if mask.shape != self.alpha.shape or not mask.any(dim=-1).all():
            raise DartsCoreError(f"op mask of shape {tuple(mask.shape)} must be {tuple(self.alpha.shape)}, "
                                 "with at least one op per edge")
        self.mixer.mask = mask
        self.kept = tuple(tuple(int(o) for o in row.nonzero().flatten()) for row in mask.cpu())

    def widen(self, k: int) -> list[Widened]:
        """Every searching cell to partial channels k (TinyNetwork.wider); the replaced parameters, in order."""
        return [w for cell in self.cells if isinstance(cell, NB201SearchCell) for w in cell.widen(k)]

    def logged_weights(self) -> torch.Tensor:
        with torch.no_grad():
            return self.mixer.expected(self.alpha)

    def alpha_log(self, epoch: int) -> pd.DataFrame:
        w = self.logged_weights().detach().cpu().double().numpy()
        a = self.alpha.detach().cpu().double().numpy()
        return runlog.alpha_rows(epoch, "normal", nb201.EDGES, self.ops, a, w)

    def genotype(self) -> str:
        """Argmax over all ops, `none` included (TinyNetworkDarts.genotype)."""
        return nb201.derive_arch(self.logged_weights().cpu().numpy(), self.ops)


COMPILE_BACKEND = "inductor"  # torch.compile's backend for the `compile` switch


def build_supernet(cfg, num_classes: int, input_shape: Sequence[int], mixer=None, partial_channels: int = 1,
                   conv_bias: bool | None = None) -> NB201Supernet:
    """Space factory registered as `nb201` (see darts_core.spaces); `partial_channels`, `conv_bias`: what a
    method may ask for (its supernet_options). The speed switches (fast_path, channels_last, compile) are
    read with defaults, so configs without them build the default."""
    model = NB201Supernet(num_classes, cfg.channels, cfg.num_cells, cfg.ops, cfg.track_running_stats,
                          in_channels=int(input_shape[0]), mixer=mixer, partial_channels=partial_channels,
                          conv_bias=conv_bias, fast=getattr(cfg, "fast_path", True),
                          channels_last=getattr(cfg, "channels_last", "auto"), amp=getattr(cfg, "amp", "off"))
    if getattr(cfg, "compile", False):
        # in place (nn.Module.compile): the module object, its parameters and state_dict keys stay as they are
        model.compile(backend=COMPILE_BACKEND)
    return model
