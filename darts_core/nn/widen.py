"""Widening a ReLU-Conv-BN op in place, and carrying the SGD state over to the widened parameters, as
DrNAS progressive does between its stages (xiangning-chen/DrNAS `net2wider.py`: InChannelWider,
OutChannelWider, BNWider, configure_optimizer; `201-space/cell_operations.py` ReLUConvBN.wider).

The new channels copy randomly chosen old ones, without rescaling: input channels first
(`torch.randint(0, c_in, (new_in - c_in,))` on the default generator), then output channels of the
input-widened kernel (`randint(0, c_out, ...)`), whose index the BatchNorm running statistics reuse. The
momentum buffer of a widened kernel is widened by the same indices (configure_optimizer); every other
parameter keeps its state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Widened:
    """One replaced parameter: `expand` maps a tensor shaped like `old` (its momentum) to `new`'s shape."""

    old: nn.Parameter
    new: nn.Parameter
    expand: Callable[[torch.Tensor], torch.Tensor]


def _cat_rows(t: torch.Tensor, index: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.cat([t, t.index_select(dim, index.to(t.device))], dim=dim)


def widen_relu_conv_bn(op: nn.Sequential, new_in: int, new_out: int) -> list[Widened]:
    """Widen `op` = (ReLU, Conv2d, BatchNorm2d without affine) to new_in -> new_out channels in place."""
    conv, bn = op[1], op[2]
    weight = conv.weight
    c_out, c_in = weight.shape[:2]
    in_index = torch.randint(0, c_in, (new_in - c_in,))  # InChannelWider
    out_index = torch.randint(0, c_out, (new_out - c_out,))  # OutChannelWider, on the widened kernel

    def expand_kernel(t: torch.Tensor) -> torch.Tensor:
        return _cat_rows(_cat_rows(t, in_index, 1), out_index, 0)

    def expand_rows(t: torch.Tensor) -> torch.Tensor:
        return _cat_rows(t, out_index, 0)

    out = []
    with torch.no_grad():
        conv.weight = nn.Parameter(expand_kernel(weight.detach()))
        out.append(Widened(weight, conv.weight, expand_kernel))
        if conv.bias is not None:  # xautodl's convs have one (DrNAS's have not)
            bias = conv.bias
            conv.bias = nn.Parameter(expand_rows(bias.detach()))
            out.append(Widened(bias, conv.bias, expand_rows))
        conv.in_channels, conv.out_channels = new_in, new_out
        if bn.running_mean is not None:  # BNWider: the running statistics follow the output channels
            bn.running_mean = expand_rows(bn.running_mean)
            bn.running_var = expand_rows(bn.running_var)
        bn.num_features = new_out
    return out


def carry_sgd_state(optimizer: torch.optim.Optimizer, widened: Sequence[Widened]) -> None:
    """Put the widened parameters into `optimizer` at the places of the old ones, with their momentum
    buffers widened alike (configure_optimizer); the other parameters' state stays as it is."""
    where = {id(p): (g, i) for g in optimizer.param_groups for i, p in enumerate(g["params"])}
    for w in widened:
        group, i = where[id(w.old)]
        group["params"][i] = w.new
        state = optimizer.state.pop(w.old, None)
        if state is not None:
            buf = state.get("momentum_buffer")
            optimizer.state[w.new] = {**state, "momentum_buffer": None if buf is None else w.expand(buf)}
