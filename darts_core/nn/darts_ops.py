"""DARTS-space operations, as quark0/darts cnn/operations.py (plus RobustDARTS src/operations.py `NoiseOp`).

`make_op(name, C, stride, affine)` builds one op; search cells use affine=False and follow each pool
with BatchNorm2d(C, affine=False) (`make_search_op`, quark0 cnn/model_search.py `MixedOp`).
"""

from __future__ import annotations

import contextlib
import contextvars

import torch
from torch import nn

# (first, end, total): the rows first:end of a global batch of `total` samples that this forward sees (one
# process of a multi-GPU job, or one BatchNorm group; darts_core.train.distributed)
_WINDOW: contextvars.ContextVar[tuple[int, int, int] | None] = contextvars.ContextVar("batch_window", default=None)


@contextlib.contextmanager
def batch_window(first: int, end: int, total: int):
    """Inside, `drop_path` draws its masks for the whole global batch and keeps rows first:end, so a forward
    over a shard drops the samples a forward over the whole batch would (every shard draws the same numbers
    from the same RNG state)."""
    token = _WINDOW.set((int(first), int(end), int(total)))
    try:
        yield
    finally:
        _WINDOW.reset(token)


class ReLUConvBN(nn.Sequential):
    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int, affine: bool = True):
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, bias=False),
                         nn.BatchNorm2d(C_out, affine=affine))


class DilConv(nn.Sequential):
    """ReLU, depthwise dilated conv, pointwise conv, BN."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, dilation, affine=True):
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, dilation=dilation,
                                   groups=C_in, bias=False),
                         nn.Conv2d(C_in, C_out, 1, padding=0, bias=False),
                         nn.BatchNorm2d(C_out, affine=affine))


class SepConv(nn.Sequential):
    """Two stacked (ReLU, depthwise conv, pointwise conv, BN); only the first is strided."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, affine=True):
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, groups=C_in, bias=False),
                         nn.Conv2d(C_in, C_in, 1, padding=0, bias=False),
                         nn.BatchNorm2d(C_in, affine=affine),
                         nn.ReLU(inplace=False),
                         nn.Conv2d(C_in, C_in, kernel_size, stride=1, padding=padding, groups=C_in, bias=False),
                         nn.Conv2d(C_in, C_out, 1, padding=0, bias=False),
                         nn.BatchNorm2d(C_out, affine=affine))


class Identity(nn.Module):
    def forward(self, x):
        return x


class Zero(nn.Module):
    """`none`: zeros shaped like the (strided) input."""

    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class NoiseOp(nn.Module):
    """RobustDARTS `noise` (S4): fresh N(mean, std) noise shaped like the (strided) input, in train and eval."""

    def __init__(self, stride: int, mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.stride, self.mean, self.std = stride, mean, std

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return torch.empty_like(x).normal_(self.mean, self.std)


class FactorizedReduce(nn.Module):
    """Halve the resolution: two 1x1 stride-2 convs on offset grids, concatenated, then BN."""

    def __init__(self, C_in: int, C_out: int, affine: bool = True):
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even C_out, got {C_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_op(name: str, C: int, stride: int, affine: bool) -> nn.Module:
    """quark0 cnn/operations.py `OPS[name](C, stride, affine)` for the DARTS set and `noise`."""
    if name == "none":
        return Zero(stride)
    if name == "noise":
        return NoiseOp(stride, 0.0, 1.0)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "skip_connect":
        return Identity() if stride == 1 else FactorizedReduce(C, C, affine=affine)
    convs = {"sep_conv_3x3": (SepConv, 3, 1), "sep_conv_5x5": (SepConv, 5, 2),
             "dil_conv_3x3": (DilConv, 3, 2), "dil_conv_5x5": (DilConv, 5, 4)}
    if name not in convs:
        raise ValueError(f"unknown DARTS op {name!r}")
    cls, k, pad = convs[name]
    return cls(C, C, k, stride, pad, affine=affine) if cls is SepConv else cls(C, C, k, stride, pad, 2, affine=affine)


def make_search_op(name: str, C: int, stride: int) -> nn.Module:
    """Op inside a search MixedOp: affine=False, pools followed by a non-affine BN (quark0 model_search.py)."""
    op = make_op(name, C, stride, affine=False)
    if "pool" in name:
        op = nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
    return op


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """quark0 cnn/utils.py `drop_path`: zero whole samples with prob p, scale survivors by 1/(1-p).
    Out of place (the official in-place version would also rescale a tensor autograd still needs)."""
    if drop_prob <= 0.0:
        return x
    keep = 1.0 - drop_prob
    first, end, total = _WINDOW.get() or (0, x.size(0), x.size(0))
    if end - first != x.size(0):
        raise ValueError(f"drop_path: batch window {first}:{end} of {total} does not match {x.size(0)} samples")
    mask = torch.empty(total, 1, 1, 1, dtype=x.dtype, device=x.device).bernoulli_(keep)[first:end]
    return x / keep * mask
