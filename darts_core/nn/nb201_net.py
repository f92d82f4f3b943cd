"""A NAS-Bench-201 architecture as a stand-alone network with fixed ops (for training from scratch).

Mirrors xautodl `models/cell_infers/tiny_network.py` (TinyNetwork) and `cells.py` (InferCell), the network
NAS-Bench-201 trained for every entry (main.py `evaluate_for_seed`, 'infer.tiny', C=16, N=5): stem
Conv3x3 (no bias) + BN; cells `[C]*N + [2C] + [2C]*N + [4C] + [4C]*N`, the two reductions
`ResNetBasicblock(stride 2)`; head BN + ReLU, global average pooling, Linear. Every cell applies the arch's
op on each edge (affine BN with running statistics) and sums a node's inputs; `none` stays a zero op, as
in InferCell. Modules are created in TinyNetwork's order, so parameters() line up one to one with it.
`forward` returns logits only (TinyNetwork returns (features, logits)).
"""

from __future__ import annotations

import torch
from torch import nn

from darts_core.nn.nb201_ops import ResNetBasicBlock, make_op
from darts_core.spaces import nb201


class NB201InferCell(nn.Module):
    """Fixed-op cell: node i = sum over j < i of op_ij(node j); output node 3 (EDGES order)."""

    def __init__(self, edge_ops: tuple[str, ...], channels: int):
        super().__init__()
        self.edge_ops = tuple(edge_ops)
        self.layers = nn.ModuleList(make_op(op, channels, True, True) for op in self.edge_ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes, k = [x], 0
        for i in range(1, nb201.MAX_NODES):
            total = self.layers[k](nodes[0])
            for j in range(1, i):
                total = total + self.layers[k + j](nodes[j])
            nodes.append(total)
            k += i
        return nodes[-1]


class NB201Network(nn.Module):
    """TinyNetwork(C, N, arch, num_classes) for an arch string; `in_channels` for non-RGB inputs."""

    def __init__(self, arch: str, num_classes: int, channels: int = 16, num_cells: int = 5, in_channels: int = 3):
        super().__init__()
        self.arch = arch
        edge_ops = nb201.parse_arch(arch)
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        widths = [c] * num_cells + [2 * c] + [2 * c] * num_cells + [4 * c] + [4 * c] * num_cells
        reductions = [False] * num_cells + [True] + [False] * num_cells + [True] + [False] * num_cells
        self.cells = nn.ModuleList()
        c_prev = c
        for width, reduction in zip(widths, reductions):
            self.cells.append(ResNetBasicBlock(c_prev, width) if reduction else NB201InferCell(edge_ops, width))
            c_prev = width
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return self.classifier(self.global_pooling(self.lastact(x)).flatten(1))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
