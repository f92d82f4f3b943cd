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


def _box3(x: torch.Tensor, ones: torch.Tensor) -> torch.Tensor:
    """Zero-padded 3x3 box sum (stride 1) as a depthwise convolution with a kernel of ones: one kernel on
    the CPU, where it timed faster than the pooling kernel and the shifted sums in a scratch comparison
    (benchmarks/bench_search_step.py measures the step it is part of)."""
    return F.conv2d(x, ones, None, 1, 1, 1, x.shape[1])


class _Box3(torch.autograd.Function):
    """The box sum is self-adjoint (its kernel is symmetric), so its backward is box3(g): one depthwise
    conv each way (autograd's depthwise-conv backward timed slower than the forward on the CPU, also in a
    scratch comparison), and differentiable again (double backward for the exact Hessian)."""

    @staticmethod
    def forward(ctx, x, ones):
        ctx.save_for_backward(ones)
        return _box3(x, ones)

    @staticmethod
    def backward(ctx, g):
        (ones,) = ctx.saved_tensors
        return _Box3.apply(g, ones), None


class AvgPool3x3(nn.Module):
    """Same math as nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False) (up to rounding): the
    box-sum form on the CPU, the native kernel elsewhere (one launch, not yet measured against the box
    sum on a GPU)."""

    def __init__(self):
        super().__init__()
        self._cache: dict = {}

    def _constants(self, x: torch.Tensor):
        cl = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
        key = (x.shape[1], x.shape[-2], x.shape[-1], x.device, x.dtype, cl)
        if key not in self._cache:
            c, h, w = key[:3]
            ones = torch.ones(c, 1, 3, 3, device=x.device, dtype=x.dtype)
            if cl:
                ones = ones.contiguous(memory_format=torch.channels_last)
            count = _box3(torch.ones(1, 1, h, w, device=x.device, dtype=x.dtype), ones[:1])
            self._cache[key] = (1.0 / count, ones)
        return self._cache[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu":
            return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        # avg_pool2d(x, 3, 1, 1, count_include_pad=False) = box3(x) / count, count = in-image cells of
        # each window (9, 6 at edges, 4 at corners)
        inv_count, ones = self._constants(x)
        return _Box3.apply(x, ones) * inv_count


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
