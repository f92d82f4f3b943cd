"""Evaluation networks built from a DARTS genotype: NetworkCIFAR (auxiliary head, drop path) and
NetworkImageNet (mobile setting), as quark0/darts cnn/model.py. forward returns (logits, logits_aux);
logits_aux is None unless the auxiliary head is on and the model is training. The trainer sets
`model.drop_path_prob` each epoch.
"""

from __future__ import annotations

import torch
from torch import nn

from darts_core.nn.darts_ops import FactorizedReduce, Identity, ReLUConvBN, drop_path, make_op
from darts_core.spaces.darts_genotype import Genotype


class Cell(nn.Module):
    """quark0 model.py `Cell`: node 2+i = op(states[idx 2i]) + op(states[idx 2i+1]); drop path on non-identity ops."""

    def __init__(self, genotype: Genotype, C_prev_prev: int, C_prev: int, C: int, reduction: bool, reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        self.preprocess0 = FactorizedReduce(C_prev_prev, C) if reduction_prev else ReLUConvBN(C_prev_prev, C, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(C_prev, C, 1, 1, 0)
        pairs = genotype.reduce if reduction else genotype.normal
        self._concat = genotype.reduce_concat if reduction else genotype.normal_concat
        self.multiplier = len(self._concat)
        self._indices = [j for _, j in pairs]
        self._steps = len(pairs) // 2
        self._ops = nn.ModuleList(make_op(name, C, 2 if reduction and j < 2 else 1, True) for name, j in pairs)

    def forward(self, s0, s1, drop_prob: float):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(self._steps):
            hs = []
            for k in (2 * i, 2 * i + 1):
                h = self._ops[k](states[self._indices[k]])
                if self.training and drop_prob > 0.0 and not isinstance(self._ops[k], Identity):
                    h = drop_path(h, drop_prob)
                hs.append(h)
            states.append(hs[0] + hs[1])
        return torch.cat([states[i] for i in self._concat], dim=1)


def _aux_head(C: int, num_classes: int, imagenet: bool) -> nn.Module:
    """quark0 AuxiliaryHeadCIFAR (8x8 input, pool 5/3) / AuxiliaryHeadImageNet (14x14, pool 5/2, and
    no BN after the 768-channel conv, kept out "for consistency with the experiments in the paper")."""
    layers = [nn.ReLU(inplace=True), nn.AvgPool2d(5, stride=2 if imagenet else 3, padding=0, count_include_pad=False),
              nn.Conv2d(C, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
              nn.Conv2d(128, 768, 2, bias=False)]
    layers += [nn.ReLU(inplace=True)] if imagenet else [nn.BatchNorm2d(768), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(768, num_classes))


class _Network(nn.Module):
    def _build_cells(self, genotype, C, layers, C_prev_prev, C_prev, reduction_prev, num_classes, auxiliary, imagenet):
        self._layers, self._auxiliary, self.drop_path_prob = layers, auxiliary, 0.0
        self.cells = nn.ModuleList()
        C_curr, C_aux = C, None
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            C_curr *= 2 if reduction else 1
            cell = Cell(genotype, C_prev_prev, C_prev, C_curr, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            C_prev_prev, C_prev = C_prev, cell.multiplier * C_curr
            if i == 2 * layers // 3:
                C_aux = C_prev
        if auxiliary:
            self.auxiliary_head = _aux_head(C_aux, num_classes, imagenet)
        self.classifier = nn.Linear(C_prev, num_classes)

    def _cells_forward(self, s0, s1):
        logits_aux = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if i == 2 * self._layers // 3 and self._auxiliary and self.training:
                logits_aux = self.auxiliary_head(s1)
        return s1, logits_aux


class NetworkCIFAR(_Network):
    """quark0 model.py NetworkCIFAR: stem 3x3 conv (3C) + BN; reductions at layers//3 and 2*layers//3."""

    def __init__(self, C: int, num_classes: int, layers: int, auxiliary: bool, genotype: Genotype, in_channels: int = 3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 3 * C, 3, padding=1, bias=False), nn.BatchNorm2d(3 * C))
        self._build_cells(genotype, C, layers, 3 * C, 3 * C, False, num_classes, auxiliary, imagenet=False)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        s = self.stem(x)
        s1, logits_aux = self._cells_forward(s, s)
        return self.classifier(self.global_pooling(s1).flatten(1)), logits_aux


class NetworkImageNet(_Network):
    """quark0 model.py NetworkImageNet: stem0 (two stride-2 convs to C), stem1 (stride-2 conv), cells as
    after a reduction, 7x7 average pool (224x224 input)."""

    def __init__(self, C: int, num_classes: int, layers: int, auxiliary: bool, genotype: Genotype, in_channels: int = 3):
        super().__init__()
        self.stem0 = nn.Sequential(
            nn.Conv2d(in_channels, C // 2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(C // 2), nn.ReLU(inplace=True),
            nn.Conv2d(C // 2, C, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(C))
        self.stem1 = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(C, C, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(C))
        self._build_cells(genotype, C, layers, C, C, True, num_classes, auxiliary, imagenet=True)
        self.global_pooling = nn.AvgPool2d(7)

    def forward(self, x):
        s0 = self.stem0(x)  # stem1 opens with an in-place ReLU, so the first cell sees relu(s0), as in quark0
        s1, logits_aux = self._cells_forward(s0, self.stem1(s0))
        return self.classifier(self.global_pooling(s1).flatten(1)), logits_aux


def count_parameters_in_mb(model: nn.Module) -> float:
    """quark0 cnn/utils.py `count_parameters_in_MB`: parameters whose name lacks 'auxiliary', in millions."""
    return sum(p.numel() for name, p in model.named_parameters() if "auxiliary" not in name) / 1e6
