"""DrNAS (xiangning-chen/DrNAS 201-space): Dirichlet(ELU(alpha) + 1) mixing by reparameterised samples,
the L2 (Adam weight decay) and KL regularisers, one architecture step against Adam's first-step rule,
the first/second-half data split, presets, and a demo run."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import DirichletMixer, dirichlet_concentration
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.drnas import DrNas, kl_to_uniform
from darts_core.search.loop import run_search
from darts_core.stops.criteria import evaluate
from darts_core.stops.magnitudes import magnitudes


def test_concentration_and_logged_weight_by_hand():
    alpha = torch.tensor([[-1.0, 0.0, 1.0]])
    beta = dirichlet_concentration(alpha)
    assert beta[0].tolist() == pytest.approx([math.exp(-1), 1.0, 2.0], abs=1e-6)  # ELU(a) + 1
    s = math.exp(-1) + 3.0
    assert DirichletMixer().expected(alpha)[0].tolist() == pytest.approx([math.exp(-1) / s, 1 / s, 2 / s], abs=1e-6)


def test_samples_lie_on_the_simplex_and_differ_per_forward():
    mixer, alpha = DirichletMixer(), torch.zeros(6, 5)
    torch.manual_seed(0)
    a, b = mixer(alpha), mixer(alpha)
    assert torch.allclose(a.sum(-1), torch.ones(6), atol=1e-6) and (a > 0).all() and not torch.equal(a, b)


def test_gradient_flows_through_rsample_without_bias():
    """d/dalpha E[w . c] estimated through rsample matches the gradient of the Dirichlet mean."""
    torch.manual_seed(0)
    alpha = torch.tensor([0.3, -0.5, 1.2, 0.0], requires_grad=True)
    c = torch.tensor([1.0, -2.0, 0.5, 3.0])
    w = torch.distributions.Dirichlet(dirichlet_concentration(alpha).expand(200000, 4)).rsample()
    (w @ c).mean().backward()
    mc = alpha.grad.clone()
    ref_alpha = alpha.detach().clone().requires_grad_()
    (DirichletMixer().expected(ref_alpha) @ c).backward()
    assert torch.allclose(mc, ref_alpha.grad, atol=0.01), (mc, ref_alpha.grad)
    assert ref_alpha.grad.abs().max() > 0.3  # a real gradient, not a trivially small one


def test_kl_regulariser_by_hand_pulls_concentration_to_uniform():
    # beta = (2, 1) vs Dir(1, 1): ln G(3) - ln G(2) - ln G(1) + (psi(2) - psi(3)) = ln 2 - 1/2
    alpha = torch.tensor([[1.0, 0.0]], requires_grad=True)
    kl = kl_to_uniform(alpha)
    assert float(kl.detach()) == pytest.approx(math.log(2) - 0.5, abs=1e-6)
    kl.backward()
    # dKL/dbeta0 = psi'(2) - psi'(3) = 1/4; dKL/dbeta1 = -psi'(3) = -(pi^2/6 - 1 - 1/4); dbeta/dalpha = 1 here
    assert alpha.grad[0].tolist() == pytest.approx([0.25, -(math.pi ** 2 / 6 - 1.25)], abs=1e-5)
    assert float(kl_to_uniform(torch.zeros(3, 5))) == pytest.approx(0.0, abs=1e-6)


def test_l2_is_adam_weight_decay_and_kl_is_not():
    l2 = DrNas.make_alpha_optimizer([nn.Parameter(torch.zeros(2))], resolve_config({"preset": "drnas"}))
    kl = DrNas.make_alpha_optimizer([nn.Parameter(torch.zeros(2))], resolve_config({"preset": "drnas", "drnas_reg": "kl"}))
    assert l2.defaults["weight_decay"] == 1e-3 and kl.defaults["weight_decay"] == 0.0
    assert l2.defaults["betas"] == (0.5, 0.999) and l2.defaults["lr"] == 3e-4
    # L2 alone (zero loss gradient) shrinks alpha, i.e. moves beta = ELU(alpha) + 1 towards 1 (uniform)
    a = nn.Parameter(torch.tensor([0.5, -0.5]))
    opt = DrNas.make_alpha_optimizer([a], resolve_config({"preset": "drnas"}))
    a.grad = torch.zeros(2)
    opt.step()
    assert a.detach().tolist() == pytest.approx([0.5 - 3e-4, -0.5 + 3e-4], abs=1e-7)  # Adam step 1: lr * sign


def _tiny(reg="l2", seed=0):
    torch.manual_seed(seed)
    cfg = resolve_config({"preset": "drnas", "drnas_reg": reg})
    model = NB201Supernet(10, channels=4, num_cells=1, track_running_stats=True, mixer=DirichletMixer())
    with torch.no_grad():
        model.alpha.copy_(0.5 * torch.randn(6, 5))
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    method = DrNas(model, nn.CrossEntropyLoss(), w_opt, DrNas.make_alpha_optimizer(model.arch_parameters(), cfg), 5.0)
    method.configure(cfg)
    x = torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    return model, method, x, torch.arange(8) % 10


@pytest.mark.parametrize("reg", ["l2", "kl"])
def test_one_alpha_step_is_adams_first_step_on_the_sampled_gradient(reg):
    """Replaying the RNG gives the same Dirichlet sample: g = dL/dalpha through rsample (+ KL); Adam's
    first step is alpha - lr * g_eff / (|g_eff| + eps), g_eff = g + wd * alpha for l2."""
    model, method, x, y = _tiny(reg)
    a0 = model.alpha.detach().clone()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.random.fork_rng(devices=[]):
        loss = nn.CrossEntropyLoss()(model(x), y)
        if reg == "kl":
            loss = loss + 1e-3 * kl_to_uniform(model.alpha)
        (g,) = torch.autograd.grad(loss, [model.alpha])
    model.load_state_dict(state)
    method.alpha_step(x, y)
    g_eff = g + 1e-3 * a0 if reg == "l2" else g
    expected = a0 - 3e-4 * g_eff / (g_eff.abs() + 1e-8)
    assert torch.allclose(model.alpha.detach(), expected, atol=1e-7)
    assert g.abs().sum() > 0  # the gradient reached alpha through the samples


def test_step_zeroes_alpha_gradients_around_the_weight_step():
    model, method, x, y = _tiny()
    method.step(x, y, x, y)
    assert model.alpha.grad is None or float(model.alpha.grad.abs().sum()) == 0.0


def test_presets_and_split():
    cfg = resolve_config({"preset": "drnas"})
    assert (cfg.method, cfg.epochs, cfg.batch_size, cfg.w_wd, cfg.w_nesterov, cfg.a_lr, cfg.a_wd, cfg.drnas_reg) == \
        ("drnas", 100, 64, 3e-4, False, 3e-4, 1e-3, "l2")
    assert cfg.search_split == "darts" and cfg.track_running_stats and (cfg.channels, cfg.num_cells) == (16, 5)
    with pytest.raises(DartsCoreError, match="drnas_reg 'l1' is not one of l2, kl"):
        resolve_config({"preset": "drnas", "drnas_reg": "l1"})
    from darts_core.data.loaders import search_loaders

    search, valid, _, _ = search_loaders("digits", "data", 64, 0, 0, split="darts")
    tr, va = search.batches.train_idx.tolist(), search.batches.valid_idx.tolist()
    assert len(tr) == len(va) == 750 and max(tr) < min(va)  # first half / second half (train_portion 0.5)
    assert valid.batches.indices.tolist() == va


def test_demo_run_produces_alpha_log_magnitudes_and_stops(tmp_path):
    cfg = resolve_config({"preset": "drnas", "dataset": "digits", "epochs": 2, "channels": 4, "num_cells": 1,
                          "batch_size": 128, "device": "cpu"})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]
    beta = np.where(alphas["alpha"] > 0, alphas["alpha"] + 1, np.exp(alphas["alpha"]))
    sums = alphas.assign(beta=beta).groupby(["epoch", "edge"])["beta"].transform("sum")
    assert np.allclose(alphas["weight"], beta / sums, atol=1e-6)  # logged weight = Dirichlet mean
    assert np.allclose(magnitudes(alphas).groupby("epoch")["magnitude"].sum(), 1.0, atol=1e-5)
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "ss_peak:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"])
    assert not stops["note"].str.startswith("not computable").any()
