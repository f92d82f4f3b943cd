"""The DARTS-space search loop follows quark0/darts cnn/train_search.py (`loop: quark0`, preset
darts-space): the alpha step comes before the weight step, the clip covers the weights only, and epoch e
runs at the cosine's step e + 1. The NAS-Bench-201 loop (xautodl) is unchanged."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from darts_core.nn.darts_supernet import DartsSupernet
from darts_core.search.config import resolve_config
from darts_core.search.darts import DartsV1
from darts_core.search.schedule import weight_lr


def test_the_darts_space_preset_takes_quark0s_loop():
    assert resolve_config({"preset": "darts-space"}).loop == "quark0"
    assert resolve_config({}).loop == "xautodl"
    assert resolve_config({"preset": "darts-space", "loop": "xautodl"}).loop == "xautodl"
    with pytest.raises(Exception, match="loop"):
        resolve_config({"loop": "pc-darts"})


def test_quark0_learning_rate_is_the_cosine_one_step_ahead():
    cfg = resolve_config({"preset": "darts-space"})  # 50 epochs, 0.025 -> 0.001
    first = 0.001 + 0.024 * (1 + math.cos(math.pi * 1 / 50)) / 2  # scheduler.step() before epoch 0
    assert weight_lr(cfg, 0) == pytest.approx(first)
    assert weight_lr(cfg, 0, 0.7) == pytest.approx(first)  # one lr per epoch
    assert weight_lr(cfg, 49) == pytest.approx(0.001)  # the last epoch reaches eta_min
    xautodl = resolve_config({"preset": "darts-space", "loop": "xautodl"})
    assert weight_lr(xautodl, 0) == pytest.approx(0.025)


def setup(loop: str, grad_clip: float = 5.0):
    torch.manual_seed(0)
    cfg = resolve_config({"preset": "darts-space", "loop": loop, "grad_clip": grad_clip, "w_momentum": 0.0,
                          "w_wd": 0.0})
    net = DartsSupernet(C=4, num_classes=10, layers=3).double()
    w_opt = torch.optim.SGD(net.weight_parameters(), lr=0.1)
    a_opt = DartsV1.make_alpha_optimizer(net.arch_parameters(), cfg)
    method = DartsV1(net, torch.nn.CrossEntropyLoss(), w_opt, a_opt, cfg.grad_clip)
    method.configure(cfg)
    return net, method


def batches():
    g = torch.Generator().manual_seed(1)
    return (torch.randn(6, 3, 8, 8, generator=g, dtype=torch.float64), torch.randint(0, 10, (6,), generator=g),
            torch.randn(6, 3, 8, 8, generator=g, dtype=torch.float64), torch.randint(0, 10, (6,), generator=g))


def test_quark0_takes_the_alpha_step_on_the_weights_before_their_update():
    xt, yt, xv, yv = batches()
    net, method = setup("quark0")
    before = copy.deepcopy(net)
    method.step(xt, yt, xv, yv)
    # the alpha step alone, on the untouched weights, gives the same alphas
    ref, ref_method = setup("quark0")
    ref.load_state_dict(before.state_dict())
    ref_method.alpha_step(xv, yv)
    for a, b in zip(net.arch_parameters(), ref.arch_parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # xautodl's order (weights first) moves the alphas differently
    other, other_method = setup("xautodl")
    other.load_state_dict(before.state_dict())
    other_method.step(xt, yt, xv, yv)
    assert not torch.equal(other.alphas_normal, net.alphas_normal)


@pytest.mark.parametrize("loop, clipped_exactly", [("quark0", True), ("xautodl", False)])
def test_the_clip_covers_the_weights_only_under_quark0(loop, clipped_exactly):
    xt, yt, _, _ = batches()
    net, method = setup(loop, grad_clip=1e-3)  # far below the gradient norm: the clip always acts
    for a in net.arch_parameters():  # an alpha gradient the weight step's clip may count (xautodl)
        a.grad = torch.full_like(a, 0.5)
    w0 = [p.detach().clone() for p in net.weight_parameters()]
    method.weight_step(xt, yt)
    step = torch.cat([(p.detach() - q).reshape(-1) for p, q in zip(net.weight_parameters(), w0)]).norm()
    # SGD without momentum or decay: the update is lr x the clipped gradient, of norm lr x clip when the
    # clip counts only the weights, smaller when the alphas share the norm
    assert (abs(float(step) - 0.1 * 1e-3) < 1e-9) == clipped_exactly
