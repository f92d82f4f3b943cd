"""GDAS (xautodl search_model_gdas.py, GDAS.py): Gumbel-max sampling of one op per edge with
straight-through weights, exactly one op run per edge, the linear temperature 10 -> 0.1, one architecture
step against Adam's first-step rule, the preset, and a demo run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import GumbelHardMixer, SoftmaxMixer
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.gdas import Gdas, temperature
from darts_core.search.loop import run_search
from darts_core.stops.criteria import evaluate


def test_straight_through_value_is_one_hot_and_gradient_is_the_soft_one():
    alpha = torch.tensor([[0.3, -0.2, 0.9, 0.0, 0.1], [1.0, 0.5, -1.0, 0.2, 0.0]], requires_grad=True)
    c = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0], [-1.0, 0.5, 2.0, -3.0, 1.0]])
    mixer = GumbelHardMixer(tau=2.0)
    with torch.random.fork_rng(devices=[]):
        w, index = mixer.sample(alpha)
    # the official computation, by hand, on the same Gumbel noise
    gumbels = -torch.empty_like(alpha).exponential_().log()
    probs = torch.softmax((alpha.log_softmax(-1) + gumbels) / 2.0, dim=-1)
    assert torch.equal(index, probs.argmax(-1))
    assert torch.allclose(w.detach(), nn.functional.one_hot(index, 5).float(), atol=1e-6)
    (w * c).sum().backward()  # value: c[index]; gradient: that of sum(probs * c)
    (ref,) = torch.autograd.grad((probs * c).sum(), [alpha])
    assert torch.allclose(alpha.grad, ref, atol=1e-6) and ref.abs().sum() > 0


def _tiny(seed=0):
    torch.manual_seed(seed)
    model = NB201Supernet(10, channels=4, num_cells=1, mixer=GumbelHardMixer(tau=10.0))
    x = torch.randn(6, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    return model, x, torch.arange(6) % 10


def test_forward_runs_exactly_one_op_per_edge_and_equals_the_one_hot_mixture():
    model, x, _ = _tiny()
    calls = []
    for name, module in model.named_modules():
        if name.startswith("cells.") and ".edges." in name and name.count(".") == 4:  # an op of an edge
            module.register_forward_hook(lambda m, i, o, name=name: calls.append(name))
    with torch.random.fork_rng(devices=[]):
        _, index = model.mixer.sample(model.alpha)
    with torch.random.fork_rng(devices=[]):
        out = model(x)
    ops = model.ops
    edges = ["1_0", "2_0", "2_1", "3_0", "3_1", "3_2"]
    convs = {f"{e}.{k}" for e, k in zip(edges, index.tolist()) if ops[k].startswith("nor_conv")}
    # the edge ops that are modules and get called are the convolutions (skip, pool and none are computed
    # inline): exactly the selected convolutions ran, each once, and no other op module
    search_cells = [i for i, cell in enumerate(model.cells) if hasattr(cell, "edges")]  # 3 (N=1 per stage)
    expected = {f"cells.{i}.edges.{c}" for i in search_cells for c in convs}
    assert set(calls) == expected and len(calls) == len(expected)
    # the value equals the DARTS mixture with the one-hot weights of the selected ops
    soft = NB201Supernet(10, channels=4, num_cells=1, mixer=SoftmaxMixer())
    soft.load_state_dict(model.state_dict())

    class OneHot:
        def __call__(self, alpha):
            return nn.functional.one_hot(index, 5).float()

    soft.mixer = OneHot()
    assert torch.allclose(out, soft(x), atol=1e-5)


def test_temperature_schedule_10_to_01_linear():
    assert temperature(10, 0.1, 0, 250) == 10.0
    assert temperature(10, 0.1, 249, 250) == pytest.approx(0.1)
    assert temperature(10, 0.1, 125, 251) == pytest.approx(10 - 9.9 / 2)
    assert temperature(10, 0.1, 0, 1) == 10.0
    model, _, _ = _tiny()
    cfg = resolve_config({"preset": "gdas", "epochs": 5})
    method = Gdas(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.weight_parameters(), lr=0.1),
                  Gdas.make_alpha_optimizer(model.arch_parameters(), cfg), 5.0)
    method.configure(cfg)
    taus = []
    for epoch in range(5):
        method.begin_epoch(epoch)
        taus.append(model.mixer.tau)
    assert taus == pytest.approx([10.0, 7.525, 5.05, 2.575, 0.1])


def test_one_alpha_step_is_adams_first_step_on_the_straight_through_gradient():
    model, x, y = _tiny()
    cfg = resolve_config({"preset": "gdas"})
    method = Gdas(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.weight_parameters(), lr=0.1),
                  Gdas.make_alpha_optimizer(model.arch_parameters(), cfg), 5.0)
    a0 = model.alpha.detach().clone()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.random.fork_rng(devices=[]):
        (g,) = torch.autograd.grad(nn.CrossEntropyLoss()(model(x), y), [model.alpha])
    model.load_state_dict(state)
    method.alpha_step(x, y)
    g_eff = g + 1e-3 * a0  # Adam weight_decay = arch_weight_decay 1e-3
    assert torch.allclose(model.alpha.detach(), a0 - 3e-4 * g_eff / (g_eff.abs() + 1e-8), atol=1e-7)
    assert (g != 0).sum() > 6  # the soft probabilities of unselected ops get gradient too


def test_preset_and_space_check():
    cfg = resolve_config({"preset": "gdas"})
    assert (cfg.method, cfg.epochs, cfg.tau_max, cfg.tau_min, cfg.w_wd, cfg.w_nesterov, cfg.a_lr, cfg.a_wd) == \
        ("gdas", 250, 10.0, 0.1, 5e-4, True, 3e-4, 1e-3)
    with pytest.raises(DartsCoreError, match="tau_max .* must be >= tau_min"):
        resolve_config({"preset": "gdas", "tau_max": 0.05})
    with pytest.raises(DartsCoreError, match="one-op-per-edge forward"):
        resolve_config({"preset": "gdas", "space": "darts"})


def test_demo_run_produces_alpha_log_magnitudes_and_stops(tmp_path):
    cfg = resolve_config({"preset": "gdas", "dataset": "digits", "epochs": 2, "channels": 4, "num_cells": 1,
                          "batch_size": 128, "device": "cpu"})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]
    soft = np.exp(alphas["alpha"]) / alphas.assign(e=np.exp(alphas["alpha"])).groupby(["epoch", "edge"])["e"].transform("sum")
    assert np.allclose(alphas["weight"], soft, atol=1e-6)  # logged: softmax(alpha), P(op selected)
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"])
    assert not stops["note"].str.startswith("not computable").any()
