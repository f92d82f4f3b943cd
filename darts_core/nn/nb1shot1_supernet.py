"""The NAS-Bench-1Shot1 one-shot model (automl/nasbench-1shot1 @ cb0f0ec, optimizers/darts/model_search.py
`Network`, ops from optimizers/darts/operations.py), for the spaces of darts_core.spaces.nb1shot1.

Network: stem conv3x3-bn-relu (3 -> C), `layers` cells (9 in train_search.py) in three stacks, before the
cells layers//3 and 2*layers//3 a 2x2 max-pool (stride 2, padding 1) and twice the channels; then a
ReLU-conv1x1-BN (affine off) from C_max*steps to C_max, global average pooling and a linear classifier.
Every cell is a NB101 cell with a single input s0 (there is no reduction cell):
- choice block k gets its own conv1x1-bn-relu projection of s0 plus the outputs of blocks 1..k-1; a block
  with input alphas weighs them by its input weights, every block sums them, then mixes the three ops
  (max-pool 3x3, conv3x3-bn-relu, conv1x1-bn-relu) by its op weights (`ChoiceBlock`);
- the output is w_0 * projection(s0) (conv1x1-bn-relu to C*steps channels) + concat_k(w_k * block_k),
  w the output weights (`Cell.forward`).
The BN layers of the NB101 ops take momentum 0.997, eps 1e-5 (operations.py: nasbench's TF decay used as
torch's momentum, so the running statistics follow the last batch almost entirely; mirrored, as the
one-shot model's eval-mode validation depends on it). cfg.track_running_stats is not used (the official
model tracks them), as in the DARTS-space supernet.

Alphas (`_initialize_alphas`, drawn after the weights, 1e-3 * randn): `alphas_mixed_op` (steps x 3),
`alphas_output` (1 x steps+1), `alphas_inputs` (1 x k for each searched block k), in that order in
`arch_parameters()`. The mixer (darts_core.nn.mixing; softmax for DARTS) maps each to its weights, once
per forward pass, shared by all cells (the official model softmaxes the same tensors in every cell).
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import SoftmaxMixer
from darts_core.spaces.nb1shot1 import OPS, OUT_EDGE, Nb1Shot1Space

BN_MOMENTUM, BN_EPSILON = 0.997, 1e-5  # operations.py


class ConvBnRelu(nn.Sequential):
    """operations.py `ConvBnRelu` (stride 1; padding 1 for 3x3, 0 for 1x1)."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int):
        super().__init__(nn.Conv2d(C_in, C_out, kernel_size, stride=1, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm2d(C_out, affine=True, momentum=BN_MOMENTUM, eps=BN_EPSILON),
                         nn.ReLU(inplace=False))


def make_op(name: str, C: int) -> nn.Module:
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    if name == "conv3x3-bn-relu":
        return ConvBnRelu(C, C, 3)
    if name == "conv1x1-bn-relu":
        return ConvBnRelu(C, C, 1)
    raise DartsCoreError(f"unknown NAS-Bench-101 op {name!r}; choose from {', '.join(OPS)}")


class ChoiceBlock(nn.Module):
    """Weighted (or plain) sum of the inputs, then the three ops mixed (model_search.py `ChoiceBlock`)."""

    def __init__(self, C: int):
        super().__init__()
        self._ops = nn.ModuleList(make_op(name, C) for name in OPS)

    def forward(self, inputs, input_weights, weights):
        if input_weights is not None:
            inputs = [w * t for w, t in zip(input_weights, inputs)]
        x = sum(inputs)
        return sum(w * op(x) for w, op in zip(weights, self._ops))


class Cell(nn.Module):
    def __init__(self, space: Nb1Shot1Space, C_in: int, C: int):
        super().__init__()
        self.steps, self.searched = space.steps, space.searched
        self.blocks, self.projections = nn.ModuleList(), nn.ModuleList()
        for _ in range(self.steps):  # created block, projection, block, ... as the official __init__
            self.blocks.append(ChoiceBlock(C))
            self.projections.append(ConvBnRelu(C_in, C, 1))
        self.projections.append(ConvBnRelu(C_in, C * self.steps, 1))  # input -> output edge

    def forward(self, s0, mixed, output, inputs: dict):
        """`mixed` (steps x 3), `output` (steps + 1), `inputs` block k -> its k input weights."""
        states = []
        for k, block in enumerate(self.blocks, 1):
            states.append(block([self.projections[k - 1](s0), *states], inputs.get(k), mixed[k - 1]))
        weighted = [w * t for w, t in zip(output[1:], states)]
        return output[0] * self.projections[-1](s0) + torch.cat(weighted, dim=1)


class Nb1Shot1Supernet(nn.Module):
    def __init__(self, space: Nb1Shot1Space, C: int = 16, num_classes: int = 10, layers: int = 9,
                 in_channels: int = 3, mixer=None):
        super().__init__()
        self.space, self._layers = space, layers
        self.mixer = mixer or SoftmaxMixer()
        steps = space.steps
        self.stem = ConvBnRelu(in_channels, C, 3)
        self.cells = nn.ModuleList()
        C_prev = C_curr = C
        for i in range(layers):
            if i in self.downsample_at:
                C_curr *= 2
            # the first cell sees the stem's C channels, every later one the previous cell's C_prev * steps
            self.cells.append(Cell(space, C_prev if i == 0 else C_prev * steps, C_curr))
            C_prev = C_curr
        self.postprocess = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(C_prev * steps, C_curr, 1, bias=False),
                                         nn.BatchNorm2d(C_curr, affine=False))  # operations.py ReLUConvBN
        self.classifier = nn.Linear(C_prev, num_classes)
        self.alphas_mixed_op = nn.Parameter(1e-3 * torch.randn(steps, len(OPS)))
        self.alphas_output = nn.Parameter(1e-3 * torch.randn(1, steps + 1))
        self.alphas_inputs = nn.ParameterList(nn.Parameter(1e-3 * torch.randn(1, k)) for k in space.searched)

    @property
    def downsample_at(self) -> tuple[int, int]:
        return (self._layers // 3, 2 * self._layers // 3)

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alphas_mixed_op, self.alphas_output, *self.alphas_inputs]

    def weight_parameters(self) -> list[nn.Parameter]:
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def forward(self, x):
        mixed = self.mixer(self.alphas_mixed_op)
        output = self.mixer(self.alphas_output)[0]
        inputs = {k: self.mixer(a)[0] for k, a in zip(self.space.searched, self.alphas_inputs)}
        s0 = self.stem(x)
        for i, cell in enumerate(self.cells):
            if i in self.downsample_at:
                s0 = nn.functional.max_pool2d(s0, kernel_size=2, stride=2, padding=1)
            s0 = cell(s0, mixed, output, inputs)
        s0 = self.postprocess(s0)
        return self.classifier(s0.flatten(2).mean(-1))

    @torch.no_grad()
    def logged_weights(self) -> dict:
        """`mixer.expected` weights (CPU, float64): `normal` (steps x 3), `inputs` [k-vectors], `output`."""
        e = self.mixer.expected
        return {"normal": e(self.alphas_mixed_op).double().cpu(),
                "inputs": [e(a)[0].double().cpu() for a in self.alphas_inputs],
                "output": e(self.alphas_output)[0].double().cpu()}

    def genotype(self) -> str:
        w = self.logged_weights()
        arch = self.space.discretise(w["normal"].numpy(), [v.numpy() for v in w["inputs"]], w["output"].numpy())
        return self.space.arch_string(arch)

    @torch.no_grad()
    def alpha_log(self, epoch: int) -> pd.DataFrame:
        """Tidy rows of the three cells (darts_core.spaces.nb1shot1: normal, inputs, output)."""
        w, sp = self.logged_weights(), self.space
        frames = [runlog.alpha_rows(epoch, "normal", sp.cell_edges("normal"), OPS,
                                    self.alphas_mixed_op.detach().double().cpu().numpy(), w["normal"].numpy())]
        for edge, a, v, ops in zip(sp.cell_edges("inputs"), self.alphas_inputs, w["inputs"], sp.fixed_ops("inputs")):
            frames.append(runlog.alpha_rows(epoch, "inputs", [edge], ops, a.detach().double().cpu().numpy(),
                                            v.numpy()[None]))
        frames.append(runlog.alpha_rows(epoch, "output", [OUT_EDGE], sp.fixed_ops("output")[0],
                                        self.alphas_output.detach().double().cpu().numpy(), w["output"].numpy()[None]))
        return pd.concat(frames, ignore_index=True)


def build_supernet(cfg, num_classes: int, input_shape, mixer=None) -> Nb1Shot1Supernet:
    """Space factory (darts_core.spaces): the space `cfg.space` names, C = cfg.channels, layers =
    cfg.num_cells (train_search.py: --init_channels 16, --layers 9)."""
    from darts_core.spaces import get_space

    space = get_space(cfg.space)
    if not isinstance(space, Nb1Shot1Space):
        raise DartsCoreError(f"space {cfg.space!r} is not a NAS-Bench-1Shot1 space")
    space.check_ops(tuple(getattr(cfg, "ops", None) or OPS))
    return Nb1Shot1Supernet(space, cfg.channels, num_classes, cfg.num_cells, in_channels=int(input_shape[0]), mixer=mixer)
