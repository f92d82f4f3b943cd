"""ENAS (AutoDL-Projects ENAS.py, xautodl search_model_enas.py TinyNetworkENAS and
search_model_enas_utils.py Controller) against the official modules in float64: the controller's samples,
log-probabilities and entropies, one shared step through a sampled path, the REINFORCE controller step
(gradient, baseline, entropy bonus, aggregation, clip, Adam) and the pick; a perturbed piece (entropy
weight, baseline decay, tanh constant, ...) breaks the parity; the exact per-edge marginals that the alpha
log holds; preset, run products, criteria and resume."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import ControllerPathMixer
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.enas import Enas
from darts_core.search.loop import run_search
from darts_core.search.schedule import weight_lr
from darts_core.search.setn import all_architectures
from darts_core.spaces import nb201
from darts_core.stops.criteria import evaluate

official_enas = pytest.importorskip("xautodl.models.cell_searchs.search_model_enas")
from xautodl.utils import obtain_accuracy  # noqa: E402

C, N, CLASSES = 4, 1, 10
CPU = torch.device("cpu")


def pair(ops=nb201.OPS):
    """(official shared CNN, official controller, our method) in float64, ours holding copies of both."""
    torch.manual_seed(1)
    shared = official_enas.TinyNetworkENAS(C, N, 4, CLASSES, list(ops), False, False).double()
    controller = shared.create_controller().double()
    with torch.no_grad():  # a less uniform policy than the init, so the samples and the gradient are not trivial
        controller.w_pred.weight.mul_(30.0)
    ours = NB201Supernet(CLASSES, C, N, ops, False, mixer=ControllerPathMixer()).double()
    mine = ours.state_dict()
    with torch.no_grad():
        for t, (k, m) in zip(shared.state_dict().values(), [(k, v) for k, v in mine.items() if k != "alpha"]):
            m.copy_(t)
    w_opt = torch.optim.SGD(ours.weight_parameters(), 0.05, momentum=0.9, weight_decay=2.5e-4, nesterov=True)
    method = Enas(ours, torch.nn.CrossEntropyLoss(), w_opt, Enas.make_alpha_optimizer(ours.arch_parameters(), None), 5.0)
    method.controller.load_state_dict(controller.state_dict())
    method.log_marginals()
    return shared, controller, method


def batches(seed=3, n=8, size=8, count=4):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, 3, size, size, generator=g, dtype=torch.float64), torch.randint(0, CLASSES, (n,), generator=g))
            for _ in range(count)]


def test_controller_samples_the_same_architectures_with_the_same_log_prob_and_entropy():
    _, controller, method = pair()
    for seed in range(5):
        torch.manual_seed(seed)
        lp, ent, arch = controller()
        torch.manual_seed(seed)
        our_lp, our_ent, our_arch = method.controller()
        assert our_arch.tolist() == arch
        assert abs(float((our_lp - lp).detach())) < 1e-12 and abs(float((our_ent - ent).detach())) < 1e-12
        lp_given, ent_given, _ = method.controller(our_arch)  # scoring a given architecture: the same
        assert abs(float((lp_given - lp).detach())) < 1e-12 and abs(float((ent_given - ent).detach())) < 1e-12


def test_one_shared_step_matches_official():
    shared, controller, method = pair()
    ow = torch.optim.SGD(shared.parameters(), 0.05, momentum=0.9, weight_decay=2.5e-4, nesterov=True)
    crit = torch.nn.CrossEntropyLoss()
    worst = {"logits": 0.0, "weights": 0.0}
    for seed, (x, y) in enumerate(batches()[:2]):
        torch.manual_seed(seed)
        with torch.no_grad():  # ENAS.py train_shared_cnn
            _, _, arch = controller()
        ow.zero_grad()
        shared.update_arch(arch)
        logits = shared(x)[1]
        crit(logits, y).backward()
        torch.nn.utils.clip_grad_norm_(shared.parameters(), 5)
        ow.step()
        torch.manual_seed(seed)  # ours samples its own path: the same one
        _, our_logits = method.step(x, y, x, y)
        worst["logits"] = max(worst["logits"], float((our_logits - logits.detach()).abs().max()))
    worst["weights"] = max(float((p - q).detach().abs().max()) for p, q in zip(method.model.weight_parameters(), shared.parameters()))
    print("ENAS shared-step parity max |diff|:", worst)
    assert worst["logits"] < 1e-12 and worst["weights"] < 1e-12


def official_train_controller(shared, controller, optimizer, loader, baseline, steps, aggregate, entropy_w, bl_dec):
    """ENAS.py train_controller, restated on the official modules (loader: a list of batches, cycled)."""
    shared.eval()
    controller.train()
    controller.zero_grad()
    grads = []
    for step in range(steps * aggregate):
        x, y = loader[step % len(loader)]
        log_prob, entropy, arch = controller()
        with torch.no_grad():
            shared.update_arch(arch)
            _, logits = shared(x)
            val_top1 = obtain_accuracy(logits.data, y.data, topk=(1,))[0].view(-1) / 100
        reward = val_top1 + entropy_w * entropy
        if baseline is None:
            current = val_top1
        else:
            current = baseline - (1 - bl_dec) * (baseline - reward)
        loss = -1 * log_prob * (reward - current) / aggregate
        loss.backward(retain_graph=True)
        if (step + 1) % aggregate == 0:
            grads.append([p.grad.clone() for p in controller.parameters()])
            torch.nn.utils.clip_grad_norm_(controller.parameters(), 5.0)
            optimizer.step()
            controller.zero_grad()
    return current.item(), grads


def controller_diffs(baseline, break_=None, steps=2, aggregate=3) -> dict:
    shared, controller, method = pair()
    method.num_aggregate, method.baseline = aggregate, baseline
    if break_ == "entropy_weight":
        method.entropy_weight = 2e-4
    elif break_ == "bl_dec":
        method.bl_dec = 0.9
    elif break_ == "tanh_constant":
        method.controller.tanh_constant = 2.0
    elif break_ == "temperature":
        method.controller.temperature = 4.0
    elif break_ == "adam_eps":
        method.ctl_optimizer.param_groups[0]["eps"] = 1e-8
    # ENAS.config: Adam(controller_lr 1e-3, betas (0, 0.999), eps 1e-3)
    optimizer = torch.optim.Adam(controller.parameters(), lr=1e-3, betas=(0.0, 0.999), eps=1e-3)
    loader = batches(seed=7, count=5)
    torch.manual_seed(42)
    their_baseline, their_grads = official_train_controller(shared, controller, optimizer, loader, baseline, steps,
                                                            aggregate, 1e-4, 0.99)
    our_grads, real_clip = [], torch.nn.utils.clip_grad_norm_

    def recording_clip(params, *a, **k):  # the aggregated gradient of each update, before its clip
        params = list(params)
        if params and params[0] is next(method.controller.parameters()):
            our_grads.append([p.grad.clone() for p in params])
        return real_clip(params, *a, **k)

    torch.nn.utils.clip_grad_norm_ = recording_clip
    try:
        torch.manual_seed(42)
        method.train_controller(loader, CPU, steps=steps * aggregate)
    finally:
        torch.nn.utils.clip_grad_norm_ = real_clip
    out = {"grad": max(float((a - b).abs().max()) for g, h in zip(our_grads, their_grads) for a, b in zip(g, h)),
           "params": max(float((p - q).detach().abs().max()) for p, q in zip(method.controller.parameters(), controller.parameters())),
           "baseline": abs(method.baseline - their_baseline),
           "grad_scale": max(float(a.abs().max()) for g in their_grads for a in g)}
    assert len(our_grads) == len(their_grads) == steps
    return out


@pytest.mark.parametrize("baseline", [None, 0.3])
def test_controller_step_matches_official(baseline):
    """First epoch (no baseline yet: the loss is the entropy term alone) and a later one."""
    d = controller_diffs(baseline)
    print(f"ENAS controller parity (baseline {baseline}) max |diff|:", d)
    assert d["grad_scale"] > 1e-6
    assert d["grad"] < 1e-12 and d["params"] < 1e-12 and d["baseline"] < 1e-12


@pytest.mark.parametrize("piece", ["entropy_weight", "bl_dec", "tanh_constant", "temperature", "adam_eps"])
def test_a_broken_piece_breaks_the_controller_parity(piece):
    d = controller_diffs(0.3, break_=piece)
    assert max(d["grad"], d["params"], d["baseline"]) > 1e-9, (piece, d)


def test_pick_is_get_best_arch():
    shared, controller, method = pair()
    loader = batches(seed=9, count=3)
    torch.manual_seed(5)
    best, acc = method.find_best(loader, CPU, 7)
    torch.manual_seed(5)  # ENAS.py get_best_arch on the official modules
    controller.eval()
    shared.eval()
    archs, accs = [], []
    with torch.no_grad():
        for i in range(7):
            x, y = loader[i % len(loader)]
            _, _, arch = controller()
            shared.update_arch(arch)
            accs.append(obtain_accuracy(shared(x)[1].cpu().data, y.data, topk=(1,))[0].item())
            archs.append(arch)
    k = int(np.argmax(accs))
    assert best.tolist() == archs[k] and acc == pytest.approx(accs[k])


def test_marginals_are_exact_and_are_what_is_logged():
    ops = ("none", "skip_connect", "nor_conv_3x3")
    _, _, method = pair(ops)
    marg = method.controller.edge_marginals()
    brute = torch.zeros(6, 3, dtype=torch.float64)
    total = 0.0
    for arch in all_architectures(6, 3):
        with torch.no_grad():
            lp, _, _ = method.controller(arch)
        p = float(lp.exp())
        total += p
        brute[torch.arange(6), arch] += p
    assert total == pytest.approx(1.0, abs=1e-12)
    assert float((marg - brute).abs().max()) < 1e-12
    w = method.model.logged_weights()
    assert float((w - marg).abs().max()) < 1e-12 and torch.allclose(w.sum(-1), torch.ones(6, dtype=w.dtype))
    # the controller is autoregressive: the marginals differ from the first-step distribution of later edges
    torch.manual_seed(0)
    counts = torch.zeros(6, 3, dtype=torch.float64)
    n = 4000
    with torch.no_grad():
        for _ in range(n):
            counts[torch.arange(6), method.controller()[2]] += 1
    assert float((counts / n - marg).abs().max()) < 4 * 0.5 / n ** 0.5  # 4 sigma


def test_preset_is_the_official_defaults_and_lr_is_periodic():
    cfg = resolve_config({"preset": "enas"})
    assert (cfg.method, cfg.epochs, cfg.batch_size, cfg.w_lr, cfg.w_lr_min, cfg.w_lr_t_max, cfg.w_wd, cfg.w_nesterov,
            cfg.grad_clip, cfg.enas_ctl_lr, cfg.enas_ctl_betas, cfg.enas_ctl_eps, cfg.enas_entropy_weight,
            cfg.enas_bl_dec, cfg.enas_ctl_train_steps, cfg.enas_ctl_num_aggregate, cfg.enas_num_samples) == \
        ("enas", 250, 128, 0.05, 0.0005, 10, 2.5e-4, True, 5.0, 1e-3, (0.0, 0.999), 1e-3, 1e-4, 0.99, 50, 20, 100)
    # xautodl CosineAnnealingLR with T_max 10 over 250 epochs: down to eta_min at epoch 10, back up at 20
    assert weight_lr(cfg, 0) == pytest.approx(0.05) and weight_lr(cfg, 10) == pytest.approx(0.0005)
    assert weight_lr(cfg, 20) == pytest.approx(0.05) and weight_lr(cfg, 5) == pytest.approx(0.0005 + 0.0495 / 2)
    with pytest.raises(DartsCoreError, match="not applicable to enas"):
        resolve_config({"preset": "enas", "online_stop": "ss_residual:nor_conv_3x3", "online_patience": 3})
    with pytest.raises(DartsCoreError, match="enas_bl_dec must be < 1.0"):
        resolve_config({"preset": "enas", "enas_bl_dec": 1.0})


TINY = {"preset": "enas", "dataset": "digits", "channels": 2, "num_cells": 1, "batch_size": 250, "device": "cpu",
        "enas_ctl_train_steps": 2, "enas_ctl_num_aggregate": 3, "enas_epoch_samples": 3, "enas_num_samples": 5}


def test_run_products_alpha_log_and_criteria(tmp_path):
    out = run_search(resolve_config({**TINY, "epochs": 2}), tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas.epoch.unique()) == [0, 1, 2]
    assert np.allclose(alphas.groupby(["epoch", "edge"]).weight.sum(), 1.0)
    assert np.allclose(np.exp(alphas.alpha), alphas.weight)  # alpha = log P(op on edge)
    assert not np.allclose(alphas[alphas.epoch == 2].weight, alphas[alphas.epoch == 0].weight)  # the policy moved
    metrics = pd.read_csv(out / runlog.METRICS)
    assert (metrics.alpha_lr == 0).all() and metrics.weight_lr.tolist() == pytest.approx([0.05, weight_lr(resolve_config({**TINY, "epochs": 2}), 1)])
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"]).set_index("criterion")
    assert stops.loc["final", "arch"] == pd.read_csv(out / runlog.GENOTYPES).arch.iloc[-1]
    assert not stops.loc["darts+_sc:2", "note"].startswith("not computable")
    assert stops.loc["ss_residual:nor_conv_3x3", "note"].startswith("not computable: not applicable to enas")


def test_killed_run_resumes_to_identical_alphas(tmp_path, monkeypatch):
    settings = {**TINY, "epochs": 3, "seed": 4, "track_running_stats": True}
    whole = run_search(resolve_config(settings), tmp_path / "whole")
    real, calls = Enas.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # second step of epoch 2
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(Enas, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_search(resolve_config(settings), tmp_path / "killed")
    assert "method" in load_checkpoint(tmp_path / "killed" / "checkpoint.pt")
    monkeypatch.setattr(Enas, "step", real)
    torch.manual_seed(999)
    resumed = run_search(resolve_config(settings), tmp_path / "killed")
    assert (resumed / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    assert (resumed / runlog.GENOTYPES).read_bytes() == (whole / runlog.GENOTYPES).read_bytes()
    assert json.loads((resumed / runlog.RUN_INFO).read_text())["resumed_after_epoch"] == 1
