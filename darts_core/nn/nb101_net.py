"""A NAS-Bench-101 cell as a stand-alone network, for training an architecture from scratch (the digits
demo of the NAS-Bench-1Shot1 spaces; on CIFAR-10 the benchmark's table is looked up instead).

Mirrors google-research/nasbench @ b942470 nasbench/lib/model_builder.py (`build_model_fn`, `build_module`,
`compute_vertex_channels`, `truncate`, `projection`) and base_ops.py (`conv_bn_relu`, the three ops):
stem conv3x3-bn-relu, `num_stacks` stacks of `modules_per_stack` cells, before every stack but the first
a 2x2 max-pool (stride 2, 'same') and twice the channels; global average pooling, a linear layer.
In a cell, vertex t sums the (truncated) outputs of its interior predecessors and a 1x1 conv-bn-relu
projection of the cell input if the input feeds it, then applies its op; the output concatenates the
vertices that feed it and adds a projection of the input if the input feeds it too. The channels of the
interior vertices split the output channels (`vertex_channels`).
BN: TF momentum (decay) 0.997 is torch momentum 0.003, eps 1e-5. Weights keep torch's default
initialisation (TF: variance scaling), a difference of no consequence for the demo it serves.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from darts_core.errors import DartsCoreError

BN_MOMENTUM, BN_EPSILON = 1.0 - 0.997, 1e-5


class ConvBnRelu(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel_size: int):
        super().__init__(nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm2d(c_out, momentum=BN_MOMENTUM, eps=BN_EPSILON), nn.ReLU(inplace=False))


def make_op(name: str, channels: int) -> nn.Module:
    if name == "conv3x3-bn-relu":
        return ConvBnRelu(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return ConvBnRelu(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise DartsCoreError(f"unknown NAS-Bench-101 op {name!r}")


def drop_isolated(matrix, ops) -> tuple[np.ndarray, list[str]]:
    """Remove interior vertices without any edge. For a spec without loose ends (a NAS-Bench-1Shot1
    discretisation: every vertex with edges lies on an input -> output path) this is NB101 ModelSpec's
    pruning; a vertex with inputs but no outputs (or the reverse) needs that pruning and is refused."""
    m = np.asarray(matrix, dtype=np.int64)
    n = len(m)
    if m.shape != (n, n) or len(ops) != n or np.tril(m).any():
        raise DartsCoreError(f"spec: a square upper-triangular matrix with one op per vertex expected, got "
                             f"{m.shape} and {len(ops)} ops")
    has_in, has_out = m.sum(axis=0) > 0, m.sum(axis=1) > 0
    keep = [0] + [v for v in range(1, n - 1) if has_in[v] or has_out[v]] + [n - 1]
    for v in keep[1:-1]:
        if has_in[v] != has_out[v]:
            raise DartsCoreError(f"spec: vertex {v} is a loose end (prune the spec first)")
    return m[np.ix_(keep, keep)], [ops[v] for v in keep]


def vertex_channels(input_channels: int, output_channels: int, matrix: np.ndarray) -> list[int]:
    """model_builder.py `compute_vertex_channels`: the output's channels split over the vertices that feed
    it (the first `remainder` get one more), every other interior vertex the max of its successors'."""
    n = len(matrix)
    channels = [0] * n
    channels[0], channels[-1] = input_channels, output_channels
    if n == 2:
        return channels
    in_degree = matrix[1:].sum(axis=0)
    interior, correction = divmod(output_channels, int(in_degree[-1]))
    for v in range(1, n - 1):
        if matrix[v, -1]:
            channels[v] = interior + (1 if correction else 0)
            correction -= 1 if correction else 0
    for v in range(n - 3, 0, -1):
        if not matrix[v, -1]:
            for dst in range(v + 1, n - 1):
                if matrix[v, dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


class Nb101Cell(nn.Module):
    def __init__(self, matrix: np.ndarray, ops: list[str], c_in: int, c_out: int):
        super().__init__()
        self.matrix = matrix
        self.channels = vertex_channels(c_in, c_out, matrix)
        n = len(matrix)
        self.ops = nn.ModuleList(make_op(ops[t], self.channels[t]) for t in range(1, n - 1))
        self.projections = nn.ModuleDict({str(t): ConvBnRelu(c_in, self.channels[t], 1)
                                          for t in range(1, n) if matrix[0, t]})

    def forward(self, x):
        n, m = len(self.matrix), self.matrix
        tensors, concat = [x], []
        for t in range(1, n - 1):
            add = [tensors[s][:, : self.channels[t]] for s in range(1, t) if m[s, t]]  # truncate
            if m[0, t]:
                add.append(self.projections[str(t)](x))
            tensors.append(self.ops[t - 1](sum(add)))
            if m[t, -1]:
                concat.append(tensors[t])
        if not concat:
            return self.projections[str(n - 1)](x)
        out = torch.cat(concat, dim=1)
        return out + self.projections[str(n - 1)](x) if m[0, -1] else out


class Nb101Network(nn.Module):
    def __init__(self, matrix, ops, num_classes: int, stem_channels: int = 128, modules_per_stack: int = 3,
                 num_stacks: int = 3, in_channels: int = 3):
        super().__init__()
        matrix, ops = drop_isolated(matrix, ops)
        self.stem = ConvBnRelu(in_channels, stem_channels, 3)
        self.stacks = nn.ModuleList()
        c = stem_channels
        for stack in range(num_stacks):
            c_out = c * 2 if stack > 0 else c
            cells = [Nb101Cell(matrix, ops, c if k == 0 else c_out, c_out) for k in range(modules_per_stack)]
            self.stacks.append(nn.Sequential(*cells))
            c = c_out
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for k, stack in enumerate(self.stacks):
            if k > 0:  # 2x2, stride 2, 'same' padding: ceil(size / 2)
                x = nn.functional.max_pool2d(x, 2, 2, ceil_mode=True)
            x = stack(x)
        return self.classifier(x.mean(dim=(2, 3)))


def build_network(arch: str, num_classes: int, channels: int = 128, num_cells: int = 3, in_channels: int = 3):
    """The stand-alone network of an arch string of a space with an NB101 spec (darts_core.spaces:
    `nb101_spec`): `channels` = the stem's (NB101: 128), `num_cells` = cells per stack (NB101: 3)."""
    from darts_core.spaces import space_of_arch

    matrix, ops = space_of_arch(arch).nb101_spec(arch)
    return Nb101Network(matrix, ops, num_classes, channels, num_cells, in_channels=in_channels)
