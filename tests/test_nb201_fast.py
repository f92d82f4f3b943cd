"""The fast NB201 supernet path (issue 18) against the straightforward one, in float64: same logits, same
gradients, same BN statistics; the alpha step's alpha-only gradient; the same search on both paths; the
speed switches (bfloat16 autocast, torch.compile) on the CPU. Parity with xautodl itself runs on the fast
path, the default, in tests/test_nb201_supernet.py."""

from __future__ import annotations

import copy
import os

import pytest
import torch
import torch.nn.functional as F

from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import weighted_sum
from darts_core.nn.nb201_ops import AvgPool3x3
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.darts import DartsV1, DartsV2
from darts_core.search.loop import run_search
from darts_core.spaces import nb201


def two_paths(ops=nb201.OPS, track=False, channels_last=False, C=4, N=2):
    torch.manual_seed(0)
    fast = NB201Supernet(10, C, N, ops, track, channels_last=channels_last).double()
    with torch.no_grad():
        fast.alpha.normal_(0, 0.5)
    slow = copy.deepcopy(fast)
    for cell in slow.cells:
        if hasattr(cell, "fast"):
            cell.fast = False
    return fast, slow


def data(n=5, size=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g, dtype=torch.float64), torch.randint(0, 10, (n,), generator=g)


def close(a, b, tol=1e-12):
    assert a.shape == b.shape
    assert float((a - b).abs().max()) <= tol * max(1.0, float(b.abs().max())), float((a - b).abs().max())


@pytest.mark.parametrize("ops", [nb201.OPS, ("none", "skip_connect", "nor_conv_3x3"), ("avg_pool_3x3", "nor_conv_1x1"),
                                 ("none", "skip_connect")])
@pytest.mark.parametrize("track", [False, True])
def test_fast_path_equals_the_straightforward_path_in_float64(ops, track):
    fast, slow = two_paths(ops, track)
    x, y = data()
    grads = []
    for model in (fast, slow):
        model.train()
        loss = F.cross_entropy(model(x), y)
        grads.append((loss.detach(), torch.autograd.grad(loss, list(model.parameters()), allow_unused=True)))
    close(grads[0][0], grads[1][0])
    for gf, gs in zip(grads[0][1], grads[1][1]):
        if gs is None:  # e.g. a conv bias whose only effect BN removes: unused on both paths
            continue
        close(gf, gs, 1e-10)
    state_f, state_s = fast.state_dict(), slow.state_dict()
    assert list(state_f) == list(state_s)
    for k in state_s:  # running statistics and num_batches_tracked updated alike
        close(state_f[k].double(), state_s[k].double())
    fast.eval(), slow.eval()
    close(fast(x), slow(x))


def test_channels_last_gives_the_same_logits_and_gradients():
    fast, slow = two_paths(channels_last=True)
    slow.channels_last = False
    x, y = data()
    out = [torch.autograd.grad(F.cross_entropy(m(x), y), [m.alpha])[0] for m in (fast, slow)]
    close(out[0], out[1], 1e-10)


def test_fast_pool_is_the_official_pool_and_twice_differentiable():
    x = torch.randn(2, 3, 5, 6, dtype=torch.float64, requires_grad=True)
    close(AvgPool3x3()(x), F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
    assert torch.autograd.gradcheck(AvgPool3x3(), (x,))
    assert torch.autograd.gradgradcheck(AvgPool3x3(), (x,))


def test_weighted_sum_and_its_gradients_are_twice_differentiable():
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    big = torch.randn(2, 6, 3, 3, dtype=torch.float64, requires_grad=True)
    ts = [big[:, :2], big[:, 4:], torch.randn(2, 2, 3, 3, dtype=torch.float64, requires_grad=True)]
    close(weighted_sum(w, ts), w[0] * ts[0] + w[1] * ts[1] + w[2] * ts[2])
    assert torch.autograd.gradcheck(lambda w, b, t: weighted_sum(w, [b[:, :2], b[:, 4:], t]), (w, big, ts[2]))
    assert torch.autograd.gradgradcheck(lambda w, b, t: weighted_sum(w, [b[:, :2], b[:, 4:], t]), (w, big, ts[2]))
    with pytest.raises(ValueError, match="2 weights for 3 tensors"):
        weighted_sum(w[:2], ts)


def steppers(method_cls, model):
    crit = torch.nn.CrossEntropyLoss()
    w = torch.optim.SGD(model.weight_parameters(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    a = torch.optim.Adam(model.arch_parameters(), lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3)
    return method_cls(model, crit, w, a, 5.0)


@pytest.mark.parametrize("loop", ["xautodl", "quark0"])
@pytest.mark.parametrize("method_cls", [DartsV1, DartsV2])
def test_alpha_only_gradients_take_the_same_steps_as_backward_into_everything(method_cls, loop):
    fast, slow = two_paths(track=True)
    mf, ms = steppers(method_cls, fast), steppers(method_cls, slow)
    for m in (mf, ms):
        m.configure(resolve_config({"loop": loop}))
    ms.alpha_grads_only = False
    for seed in range(3):
        xt, yt = data(seed=10 + seed)
        xv, yv = data(seed=20 + seed)
        lf, _ = mf.step(xt, yt, xv, yv)
        ls, _ = ms.step(xt, yt, xv, yv)
        close(lf, ls, 1e-10)
    for pf, ps in zip(fast.parameters(), slow.parameters()):
        close(pf.detach(), ps.detach(), 1e-9)
    if loop == "xautodl":  # the clip rule reads it at the next weight step; quark0's loop never reads it
        close(fast.alpha.grad, slow.alpha.grad, 1e-9)


def test_alpha_step_computes_no_weight_gradient():
    fast, _ = two_paths()
    m = steppers(DartsV1, fast)
    x, y = data()
    m.alpha_step(x, y)
    assert fast.alpha.grad is not None
    assert all(p.grad is None for p in fast.weight_parameters())


TINY = {"dataset": "digits", "channels": 2, "num_cells": 1, "batch_size": 250, "device": "cpu", "epochs": 2, "seed": 5}


def test_same_search_on_both_paths_gives_float_equal_alpha_logs(tmp_path):
    """Float-tolerance-equal, not identical: the fast path adds the same terms in another order (and
    sums a BN over more channels at once), so float32 rounding differs in the last bits; each path on
    its own is bit-for-bit repeatable."""
    import pandas as pd

    torch.set_num_threads(1)
    logs = {}
    for name, fast in (("fast", True), ("fast-again", True), ("reference", False)):
        out = run_search(resolve_config({**TINY, "fast_path": fast}), tmp_path / name)
        logs[name] = pd.read_parquet(out / "alphas.parquet")
    pd.testing.assert_frame_equal(logs["fast"], logs["fast-again"], check_exact=True)
    pd.testing.assert_frame_equal(logs["fast"], logs["reference"], check_exact=False, rtol=1e-4, atol=1e-6)


def test_bf16_autocast_runs_a_step_close_to_float32():
    torch.manual_seed(0)
    model = NB201Supernet(10, 4, 1)
    x, y = data()
    x = x.float()
    ref = model(x).detach()
    model.amp = "bf16"
    out = model(x).detach()
    assert out.dtype == torch.float32
    assert float((out - ref).abs().max()) < 0.05 * float(ref.abs().max()) + 0.05
    m = steppers(DartsV1, model)
    loss, _ = m.step(x, y, x, y)
    assert torch.isfinite(loss) and model.alpha.grad is not None and torch.isfinite(model.alpha.grad).all()


def test_speed_switches_are_checked():
    assert resolve_config({"amp": False}).amp == "off"  # YAML's bare `off`
    with pytest.raises(DartsCoreError, match="amp 'fp16' is not one of off, bf16"):
        resolve_config({"amp": "fp16"})
    with pytest.raises(DartsCoreError, match="channels_last: the darts supernet does not implement"):
        resolve_config({"space": "darts", "channels_last": True})
    with pytest.raises(DartsCoreError, match="compile: gdas runs a new one-op-per-edge graph"):
        resolve_config({"method": "gdas", "compile": True})


INDUCTOR = pytest.mark.skipif(os.environ.get("DARTS_TEST_INDUCTOR") != "1",
                              reason="inductor's C++ compilation: set DARTS_TEST_INDUCTOR=1 (3.5 minutes for this tiny "
                                     "supernet on 2 lightly loaded cores, over 20 under heavy load)")


@pytest.mark.parametrize("backend", ["aot_eager", pytest.param("inductor", marks=[pytest.mark.slow, INDUCTOR])])
def test_compile_switch_runs_a_step_and_matches_eager(backend, monkeypatch):
    """aot_eager captures the same forward and backward graphs as inductor (dynamo + AOTAutograd) without
    generating C++; inductor itself is the opt-in variant."""
    from darts_core.nn import nb201_supernet
    from darts_core.nn.nb201_supernet import build_supernet

    monkeypatch.setattr(nb201_supernet, "COMPILE_BACKEND", backend)
    torch._dynamo.reset()
    cfg = resolve_config({"channels": 2, "num_cells": 1, "compile": True})
    torch.manual_seed(0)
    compiled = build_supernet(cfg, 10, (3, 8, 8))
    eager = copy.deepcopy(compiled)
    eager._compiled_call_impl = None  # nn.Module.compile's hook: the deep copy runs eagerly
    x, y = data()
    x = x.float()
    me, mc = steppers(DartsV1, eager), steppers(DartsV1, compiled)
    for _ in range(2):
        le, _ = me.step(x, y, x, y)
        lc, _ = mc.step(x, y, x, y)
    assert float((le - lc).abs()) < 1e-4
    assert float((eager.alpha - compiled.alpha).abs().max()) < 1e-5


def test_weighted_sum_with_unweighted_terms_is_twice_differentiable():
    w = torch.randn(2, dtype=torch.float64, requires_grad=True)
    big = torch.randn(2, 6, 3, 3, dtype=torch.float64, requires_grad=True)
    t = torch.randn(2, 2, 3, 3, dtype=torch.float64, requires_grad=True)

    def f(w, b, t):
        return weighted_sum(w, [b[:, :2], t], [b[:, 2:4], b[:, 4:]])

    close(f(w, big, t), w[0] * big[:, :2] + w[1] * t + big[:, 2:4] + big[:, 4:])
    assert torch.autograd.gradcheck(f, (w, big, t))
    assert torch.autograd.gradgradcheck(f, (w, big, t))
    # only unweighted terms (a cell whose ops are all convs)
    empty = torch.zeros(0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda e, b: weighted_sum(e, [], [b[:, :2], b[:, 2:4]]), (empty, big))
    with pytest.raises(ValueError, match="no terms"):
        weighted_sum(empty, [])


@pytest.mark.parametrize("layouts", [("nchw", "nchw"), ("cl", "cl"), ("cl", "nchw"), ("slice", "slice")])
def test_dot_is_the_elementwise_inner_product_whatever_the_layouts(layouts):
    from darts_core.nn.mixing import _dot

    g = torch.Generator().manual_seed(3)
    a, b = (torch.randn(2, 6, 4, 5, generator=g, dtype=torch.float64) for _ in range(2))
    expect = float((a * b).sum())

    def layout(t, kind):
        if kind == "cl":
            return t.contiguous(memory_format=torch.channels_last)
        if kind == "slice":  # a channel slice of a bigger NCHW tensor
            return torch.cat([t, t], dim=1)[:, 3:9]
        return t

    if layouts == ("slice", "slice"):
        a, b = torch.cat([a, a], 1)[:, 3:9], torch.cat([b, b], 1)[:, 3:9]
        expect = float((a * b).sum())
    else:
        a, b = layout(a, layouts[0]), layout(b, layouts[1])
    assert abs(float(_dot(a, b)) - expect) <= 1e-12 * max(1.0, abs(expect))


def test_the_mixing_weight_inside_the_batchnorm_is_the_weight_times_the_batchnorm():
    """batched_conv_bn's `scale` (w * BN(conv(x)) as BN's gamma), for the searching cells' BN without affine
    parameters and for an affine one."""
    from darts_core.nn.nb201_ops import ReLUConvBN
    from darts_core.nn.nb201_supernet import batched_conv_bn

    torch.manual_seed(0)
    x = torch.relu(torch.randn(4, 3, 5, 5, dtype=torch.float64))
    for affine in (False, True):
        ops = [ReLUConvBN(3, 3, 3, 1, 1, affine, True).double() for _ in range(2)]
        if affine:
            for op in ops:
                torch.nn.init.normal_(op[2].weight), torch.nn.init.normal_(op[2].bias)
        w = torch.tensor([0.3, 1.7], dtype=torch.float64)
        ref = [copy.deepcopy(op) for op in ops]
        out = batched_conv_bn(ops, x, w.repeat_interleave(3))
        expect = torch.cat([wk * op[2](op[1](x)) for wk, op in zip(w, ref)], dim=1)
        close(out, expect)
        for op, r in zip(ops, ref):  # running statistics as each BN's own forward leaves them
            close(op[2].running_mean, r[2].running_mean)
            close(op[2].running_var, r[2].running_var)


def test_fast_pool_on_channels_last_inputs():
    x = torch.randn(2, 3, 5, 6, dtype=torch.float64).contiguous(memory_format=torch.channels_last).requires_grad_()
    close(AvgPool3x3()(x), F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
    assert torch.autograd.gradcheck(AvgPool3x3(), (x,))


def test_channels_last_auto_is_nhwc_on_the_cpu_and_allowed_for_every_space():
    assert resolve_config({}).channels_last == "auto"
    assert resolve_config({"space": "darts", "preset": "darts-space"}).channels_last == "auto"
    assert resolve_config({"channels_last": "auto"}).channels_last == "auto"
    torch.manual_seed(0)
    auto = NB201Supernet(10, 4, 1, channels_last="auto").double()
    nchw = copy.deepcopy(auto)
    nchw.channels_last = False
    seen = {}
    def hook(module, inputs, out):
        seen["cl"] = out.is_contiguous(memory_format=torch.channels_last)

    auto.stem.register_forward_hook(hook)
    x, _ = data()
    close(auto(x), nchw(x), 1e-10)
    assert seen["cl"] and not x.is_contiguous(memory_format=torch.channels_last)
