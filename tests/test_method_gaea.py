"""GAEA: the exponentiated-gradient step of liamcli/gaea_release architect_edarts.py (p <- normalize(p *
exp(-lr * dL/dp)), clamp 1e-5), uniform start, no softmax, bilevel and ERM data, presets, and a demo run
whose alpha log, magnitudes and stops are produced."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import SimplexMixer
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.gaea import ExponentiatedGradient, Gaea, entropic_regulariser, eg_update, normalize
from darts_core.search.loop import run_search
from darts_core.stops.criteria import evaluate
from darts_core.stops.magnitudes import magnitudes


def test_eg_update_by_hand():
    p = torch.tensor([[0.2, 0.3, 0.5]])
    g = torch.tensor([[1.0, 0.0, -1.0]])
    u = [0.2 * math.exp(-0.1), 0.3, 0.5 * math.exp(0.1)]
    expected = [x / sum(u) for x in u]  # 0.180967, 0.3, 0.552585 over 1.033552
    assert eg_update(p, g, 0.1)[0].tolist() == pytest.approx(expected, abs=1e-6)
    assert expected[0] == pytest.approx(0.175093, abs=1e-6) and expected[2] == pytest.approx(0.534646, abs=1e-6)


def test_normalize_clamps_at_1e5_before_renormalising():
    p = torch.tensor([[1e-9, 0.5, 0.5]])
    out = normalize(p)
    s = 1e-5 + 1.0
    assert out[0].tolist() == pytest.approx([1e-5 / s, 0.5 / s, 0.5 / s], rel=1e-6)
    assert float(out.sum()) == pytest.approx(1.0, abs=1e-6)


def test_optimizer_on_log_p_applies_the_official_update_to_p():
    """The parameter holds log p; autograd gives dL/dlog p = p dL/dp; the step still is the EG step on p."""
    p0 = torch.tensor([[0.1, 0.2, 0.7], [0.25, 0.25, 0.5]])
    c = torch.tensor([[3.0, -1.0, 0.5], [0.0, 2.0, -2.0]])  # L = sum(c * p): dL/dp = c
    a = nn.Parameter(p0.log())
    opt = ExponentiatedGradient([a], lr=0.3)
    (SimplexMixer()(a) * c).sum().backward()
    opt.step()
    expected = normalize(p0 * torch.exp(-0.3 * c))
    assert torch.allclose(a.detach().exp(), expected, atol=1e-6)


def test_entropic_regulariser_is_kl_to_uniform():
    p = torch.tensor([[0.5, 0.25, 0.25]])
    want = 0.5 * math.log(0.5 * 3) + 2 * 0.25 * math.log(0.25 * 3)
    assert float(entropic_regulariser(p.log())) == pytest.approx(want, abs=1e-6)
    assert float(entropic_regulariser(torch.full((2, 4), 0.25).log())) == pytest.approx(0.0, abs=1e-7)


def _tiny(ops=("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")):
    torch.manual_seed(0)
    model = NB201Supernet(10, channels=4, num_cells=1, ops=ops, track_running_stats=True, mixer=SimplexMixer())
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = Gaea.make_alpha_optimizer(model.arch_parameters(), resolve_config({"preset": "gaea"}))
    method = Gaea(model, nn.CrossEntropyLoss(), w_opt, a_opt, grad_clip=5.0)
    method.configure(resolve_config({"preset": "gaea"}))
    x = torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    y = torch.arange(8) % 10
    return model, method, x, y


def test_weights_start_uniform_and_mix_the_ops_directly():
    model, _, _, _ = _tiny()
    w = model.logged_weights()
    assert torch.allclose(w, torch.full((6, 5), 0.2)) and torch.allclose(model.alpha.detach(), w.log())
    log = model.alpha_log(0)
    assert np.allclose(log["weight"], np.exp(log["alpha"]))


def test_one_step_moves_p_as_the_official_rule():
    """Architecture step first (on the valid batch), p1 = normalize(p0 exp(-0.1 dL/dp)); then the weights."""
    model, method, x, y = _tiny()
    p0 = model.logged_weights().clone()
    # reference dL/dp: the same forward with p as a leaf (what architect_edarts differentiates)
    leaf = p0.clone().requires_grad_()

    class Fixed:
        def __call__(self, alpha):
            return leaf

    state = {k: v.clone() for k, v in model.state_dict().items()}
    mixer, model.mixer = model.mixer, Fixed()
    nn.CrossEntropyLoss()(model(x), y).backward()
    model.mixer = mixer
    model.load_state_dict(state)  # BN running stats back
    grad_p = leaf.grad
    weights_before = [p.detach().clone() for p in model.weight_parameters()]

    method.step(x, y, x, y, update_alphas=True)
    p1 = model.logged_weights()
    assert torch.allclose(p1, normalize(p0 * torch.exp(-0.1 * grad_p)), atol=1e-6)
    assert torch.allclose(p1.sum(-1), torch.ones(6), atol=1e-6)
    # direction: on each edge the op with the most negative gradient gains, the most positive loses
    gain = p1 - p0
    assert torch.equal(gain.argmax(-1), grad_p.argmin(-1)) and torch.equal(gain.argmin(-1), grad_p.argmax(-1))
    assert any(not torch.equal(a, b) for a, b in zip(weights_before, model.weight_parameters()))


def test_frozen_alphas_during_warmup():
    model, method, x, y = _tiny()
    p0 = model.logged_weights().clone()
    method.step(x, y, x, y, update_alphas=False)
    assert torch.equal(model.logged_weights(), p0)


def test_presets_follow_the_official_configs():
    cfg = resolve_config({"preset": "gaea"})
    assert (cfg.method, cfg.a_lr, cfg.a_wd, cfg.w_lr, cfg.w_lr_min, cfg.w_wd, cfg.w_nesterov) == \
        ("gaea", 0.1, 0.0, 0.025, 0.001, 3e-4, False)
    assert (cfg.batch_size, cfg.channels, cfg.num_cells, cfg.track_running_stats) == (64, 24, 5, True)
    assert cfg.search_split == "nb201" and not cfg.single_level and "none" in cfg.ops
    erm = resolve_config({"preset": "gaea", "single_level": True, "exclude_zero": True})
    assert erm.search_split == "train" and erm.ops == ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    ex = resolve_config({"preset": "ex-gaea"})
    assert (ex.method, ex.w_lr, ex.w_lr_min, ex.w_lr_schedule, ex.a_lr) == ("gaea", 0.1, 0.1, "constant", 0.025)
    with pytest.raises(DartsCoreError, match="single_level .* is a GAEA option"):
        resolve_config({"method": "darts-v1", "single_level": True})


def test_erm_draws_architecture_batches_from_the_training_set():
    from darts_core.data.loaders import search_loaders

    bilevel, _, _, _ = search_loaders("digits", "data", 64, 0, 0, split="nb201")
    erm, _, _, _ = search_loaders("digits", "data", 64, 0, 0, split="train")
    b, e = bilevel.batches, erm.batches
    assert len(b.train_idx) == len(b.valid_idx) == 750 and not set(b.train_idx.tolist()) & set(b.valid_idx.tolist())
    assert len(e.train_idx) == 1500 and torch.equal(e.train_idx, e.valid_idx)


@pytest.mark.parametrize("single_level", [False, True])
def test_demo_run_produces_alpha_log_magnitudes_and_stops(tmp_path, single_level):
    cfg = resolve_config({"preset": "gaea", "single_level": single_level, "dataset": "digits", "epochs": 2,
                          "channels": 4, "num_cells": 1, "batch_size": 128, "device": "cpu"})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]
    assert np.allclose(alphas["weight"], np.exp(alphas["alpha"]))
    assert np.allclose(alphas.groupby(["epoch", "edge"])["weight"].sum(), 1.0, atol=1e-5)
    assert not np.allclose(alphas[alphas.epoch == 2]["weight"], 0.2)  # the EG steps moved p
    mags = magnitudes(alphas)
    assert np.allclose(mags.groupby("epoch")["magnitude"].sum(), 1.0, atol=1e-5)
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "ss_residual:nor_conv_1x1", "darts+_sc:2", "darts+_rt:2"])
    assert not stops["note"].str.startswith("not computable").any()
    assert stops.loc[stops.criterion == "final", "arch"].item() == pd.read_csv(out / runlog.GENOTYPES)["arch"].iloc[-1]
