"""NAS-Bench-201 candidate operations and the ResNet reduction block.

Mirrors xautodl `models/cell_operations.py` (OPS, ReLUConvBN, POOLING, Zero, ResNetBasicblock). In the
NB201 supernet every searching cell keeps its width and stride 1, so the shape-changing variants
(FactorizedReduce skip, 1x1-conv pre-processing of pooling) are never built and are left out.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from darts_core.errors import DartsCoreError


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv2d (bias = not affine, as xautodl cell_operations.py; `bias` False: DrNAS's copy,
    201-space/cell_operations.py, has none) -> BatchNorm2d."""

    def __init__(self, c_in, c_out, kernel, stride, padding, affine, track_running_stats, bias: bool | None = None):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=not affine if bias is None else bias),
            nn.BatchNorm2d(c_out, affine=affine, track_running_stats=track_running_stats),
        )


class Zero(nn.Module):
    """`none`: zeros like the input (cell_operations.py Zero, stride 1, C_in == C_out: x.mul(0.))."""

    is_zero = True

    def forward(self, x):
        return x.mul(0.0)


def make_op(name: str, channels: int, affine: bool, track_running_stats: bool, bias: bool | None = None) -> nn.Module:
    """One candidate op of a width-preserving, stride-1 NB201 edge (`bias`: of the convs, see ReLUConvBN)."""
    c = channels
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1, 1, 0, affine, track_running_stats, bias)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3, 1, 1, affine, track_running_stats, bias)
    if name == "avg_pool_3x3":  # POOLING(mode="avg"): count_include_pad=False
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise DartsCoreError(f"unknown NAS-Bench-201 op {name!r}")


def _box3(x: torch.Tensor) -> torch.Tensor:
    """Zero-padded 3x3 box sum over the last two dims, as two 3-tap separable sums (stride 1)."""
    p = F.pad(x, (1, 1, 1, 1))
    h = p[..., :-2] + p[..., 1:-1]
    h = h + p[..., 2:]
    v = h[..., :-2, :] + h[..., 1:-1, :]
    return v + h[..., 2:, :]


class _AvgPool3x3(torch.autograd.Function):
    """avg_pool2d(x, 3, 1, 1, count_include_pad=False) = box3(x) / count, count = in-image cells of each
    window (9, 6 at edges, 4 at corners). The box sum is self-adjoint, so the backward is box3(g / count):
    one pass each way. (The CPU's NCHW avg_pool2d kernel with count_include_pad=False is several times
    slower.) The backward is itself differentiable (double backward for the exact Hessian)."""

    @staticmethod
    def forward(ctx, x, inv_count):
        ctx.save_for_backward(inv_count)
        return _box3(x) * inv_count

    @staticmethod
    def backward(ctx, g):
        (inv_count,) = ctx.saved_tensors
        return _box3(g * inv_count), None


class AvgPool3x3(nn.Module):
    """Same math as nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False) (up to rounding): the
    box-sum form on the CPU, the native kernel elsewhere (one kernel launch instead of six on a GPU)."""

    def __init__(self):
        super().__init__()
        self._inv: dict = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu":
            return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        key = (x.shape[-2], x.shape[-1], x.device, x.dtype)
        if key not in self._inv:
            ones = torch.ones(1, 1, *key[:2], device=x.device, dtype=x.dtype)
            self._inv[key] = 1.0 / _box3(ones)
        return _AvgPool3x3.apply(x, self._inv[key])


class ResNetBasicBlock(nn.Module):
    """The stride-2 reduction between stages (cell_operations.py ResNetBasicblock, affine BN with
    running statistics): two ReLU-Conv3x3-BN, shortcut AvgPool2d(2) + Conv1x1 without BN."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1, True, True)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1, True, True)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0), nn.Conv2d(c_in, c_out, 1, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))
