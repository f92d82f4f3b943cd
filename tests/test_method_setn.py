"""SETN (AutoDL-Projects SETN.py, xautodl search_model_setn.py TinyNetworkSETN) against the official
modules in float64: one weight step through one sampled path and one arch step through the joint forward
(logits, alpha gradient, updated alphas and weights), the top-K of the learned distribution and the pick
scored on validation batches; a perturbed piece breaks the parity; preset, run products and resume."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint
from darts_core.nn.mixing import SetnMixer
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search import setn as setn_module
from darts_core.search.config import resolve_config
from darts_core.search.loop import run_search
from darts_core.search.setn import Setn, top_k
from darts_core.spaces import nb201
from darts_core.stops.criteria import evaluate

official_setn = pytest.importorskip("xautodl.models.cell_searchs.search_model_setn")
from xautodl.models.cell_searchs.genotypes import Structure  # noqa: E402

C, N, CLASSES, LR, WD, MOM = 4, 1, 10, 0.025, 5e-4, 0.9


def pair():
    """(official, ours) in float64, ours holding a copy of the official weights, buffers and alphas."""
    torch.manual_seed(1)
    official = official_setn.TinyNetworkSETN(C, N, 4, CLASSES, list(nb201.OPS), False, False).double()
    with torch.no_grad():
        official.arch_parameters.normal_(0, 0.3)  # away from uniform, so the candidates really differ
    ours = NB201Supernet(CLASSES, C, N, nb201.OPS, False, mixer=SetnMixer()).double()
    theirs, mine = official.state_dict(), ours.state_dict()
    assert len(theirs) == len(mine)
    with torch.no_grad():
        for t, m in zip(theirs.values(), mine.values()):
            m.copy_(t)
    return official, ours


def batches(seed=3, n=6, size=8, count=4):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, 3, size, size, generator=g, dtype=torch.float64), torch.randint(0, CLASSES, (n,), generator=g))
            for _ in range(count)]


def optimisers(weights, alphas, betas=(0.5, 0.999)):
    # SETN.config (SGD 5e-4 nesterov) and SETN.py (Adam betas (0.5, 0.999), SETN.sh arch lr 3e-4, wd 1e-3)
    return (torch.optim.SGD(weights, LR, momentum=MOM, weight_decay=WD, nesterov=True),
            torch.optim.Adam(alphas, lr=3e-4, betas=betas, weight_decay=1e-3))


def structure(index) -> Structure:
    return Structure.str2structure(nb201.arch_string([nb201.OPS[int(k)] for k in index]))


def max_diffs(break_=None) -> dict:
    """Two SETN search steps on both implementations (SETN.py search_func), same paths; max |diff|s.
    `break_` perturbs one piece of ours (the check must then fail)."""
    official, ours = pair()
    ow, oa = optimisers(official.get_weights(), official.get_alphas())
    mw, ma = optimisers(list(ours.weight_parameters()), ours.arch_parameters(),
                        betas=(0.9, 0.999) if break_ == "adam_betas" else (0.5, 0.999))
    method = Setn(ours, torch.nn.CrossEntropyLoss(), mw, ma, 5.0 if break_ == "clip" else 0.0)
    crit = torch.nn.CrossEntropyLoss()
    data = batches()
    out = {k: 0.0 for k in ("weight_logits", "arch_logits", "alpha_grad", "alpha", "weights")}
    paths = [torch.tensor([3, 1, 2, 4, 0, 3]), torch.tensor([2, 3, 3, 1, 4, 2])]
    for (xt, yt), (xv, yv), index in zip(data[0:2], data[2:4], paths):
        official.set_cal_mode("dynamic", structure(index))  # the weight step, one path
        official.zero_grad()
        _, w_logits = official(xt)
        crit(w_logits, yt).backward()
        ow.step()
        official.set_cal_mode("joint")  # the arch step, all ops mixed by softmax(alpha)
        official.zero_grad()
        _, a_logits = official(xv)
        crit(a_logits, yv).backward()
        grad = official.arch_parameters.grad.clone()
        oa.step()

        _, our_w_logits = method.weight_step(xt, yt, index)
        if break_ == "hard_arch_step":
            ours.mixer.hard, ours.mixer.fixed = True, index
            ours.zero_grad()
            our_a_logits = ours(xv)
            crit(our_a_logits, yv).backward()
            ma.step()
            ours.mixer.hard, ours.mixer.fixed = False, None
        else:
            _, our_a_logits = method.alpha_step(xv, yv)
        our_grad = torch.zeros_like(grad) if ours.alpha.grad is None else ours.alpha.grad
        for key, a, b in (("weight_logits", our_w_logits, w_logits), ("arch_logits", our_a_logits, a_logits),
                          ("alpha_grad", our_grad, grad), ("alpha", ours.alpha, official.arch_parameters)):
            out[key] = max(out[key], float((a - b).detach().abs().max()))
    out["weights"] = max(float((p - q).abs().max()) for p, q in zip(ours.weight_parameters(), official.get_weights()))
    out["grad_scale"] = float(grad.abs().max())
    return out


def test_one_weight_step_and_one_arch_step_match_official():
    d = max_diffs()
    print("SETN parity max |diff|:", d)
    assert d["grad_scale"] > 1e-3  # a real gradient
    for key in ("weight_logits", "arch_logits", "alpha_grad", "alpha", "weights"):
        assert d[key] < 1e-12, (key, d)


@pytest.mark.parametrize("piece", ["adam_betas", "clip", "hard_arch_step"])
def test_a_broken_piece_breaks_the_parity(piece):
    d = max_diffs(break_=piece)
    assert max(d[k] for k in ("arch_logits", "alpha_grad", "alpha", "weights")) > 1e-9, (piece, d)


def test_uniform_path_sampling_is_python_random_choice_as_dync_genotype():
    official, ours = pair()
    random.seed(11)
    theirs = official.dync_genotype(use_random=True)
    random.seed(11)
    _, index = ours.mixer.sample(ours.alpha)
    assert theirs.tostr() == nb201.arch_string([nb201.OPS[int(k)] for k in index])


@pytest.mark.parametrize("k", [1, 7, 100])
def test_top_k_is_return_topK(k):
    official, ours = pair()
    theirs = [a.tostr() for a in official.return_topK(k)]
    mine = [nb201.arch_string([nb201.OPS[int(i)] for i in index]) for index in top_k(ours.alpha, k)]
    assert mine == theirs


def test_pick_scores_each_candidate_on_one_batch_in_eval_mode_first_maximum():
    official, ours = pair()
    method = Setn(ours, torch.nn.CrossEntropyLoss(), *optimisers(list(ours.weight_parameters()), ours.arch_parameters()), 0.0)
    method.select_num, method.eval_batch_size = 12, 6
    loader = batches(seed=5, count=3)
    best, acc = method.find_best(loader, torch.device("cpu"))
    # replay of SETN.py get_best_arch on the official network: top-K, next batch (cycling), top-1, argmax
    official.eval()
    accs, archs = [], official.return_topK(12)
    with torch.no_grad():
        for i, arch in enumerate(archs):
            official.set_cal_mode("dynamic", arch)
            x, y = loader[i % len(loader)]
            accs.append(100.0 * float((official(x)[1].argmax(1) == y).double().mean()))
    k = int(np.argmax(accs))
    assert nb201.arch_string([nb201.OPS[int(i)] for i in best]) == archs[k].tostr() and acc == pytest.approx(accs[k])
    assert ours.training and not ours.mixer.hard and ours.mixer.fixed is None
    method.end_epoch(0, loader, torch.device("cpu"))
    assert method.genotype() == archs[k].tostr()


def test_preset_is_the_official_defaults():
    cfg = resolve_config({"preset": "setn"})
    assert (cfg.method, cfg.epochs, cfg.batch_size, cfg.w_lr, cfg.w_lr_min, cfg.w_wd, cfg.w_nesterov, cfg.grad_clip,
            cfg.a_lr, cfg.a_betas, cfg.a_wd, cfg.setn_select_num, cfg.setn_eval_batch_size, cfg.channels, cfg.num_cells) == \
        ("setn", 250, 64, 0.025, 0.001, 5e-4, True, 0.0, 3e-4, (0.5, 0.999), 1e-3, 100, 512, 16, 5)


TINY = {"preset": "setn", "dataset": "digits", "channels": 2, "num_cells": 1, "batch_size": 250, "device": "cpu",
        "setn_select_num": 6, "setn_eval_batch_size": 100}


def test_run_products_alpha_log_and_criteria(tmp_path):
    out = run_search(resolve_config({**TINY, "epochs": 2}), tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas.epoch.unique()) == [0, 1, 2]
    soft = np.exp(alphas.alpha) / alphas.assign(e=np.exp(alphas.alpha)).groupby(["epoch", "edge"]).e.transform("sum")
    assert np.allclose(alphas.weight, soft, atol=1e-9)
    assert not np.allclose(alphas[alphas.epoch == 2].alpha, alphas[alphas.epoch == 0].alpha)
    metrics = pd.read_csv(out / runlog.METRICS)
    assert (metrics.alpha_lr == 3e-4).all()
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"])
    assert not stops.note.str.startswith("not computable").any()


def test_killed_run_resumes_to_identical_alphas(tmp_path, monkeypatch):
    settings = {**TINY, "epochs": 3, "seed": 4, "track_running_stats": True}
    whole = run_search(resolve_config(settings), tmp_path / "whole")
    real, calls = Setn.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # second step of epoch 2
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(Setn, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_search(resolve_config(settings), tmp_path / "killed")
    assert load_checkpoint(tmp_path / "killed" / "checkpoint.pt")["epoch"] == 1
    monkeypatch.setattr(Setn, "step", real)
    torch.manual_seed(999)
    random.seed(999)
    resumed = run_search(resolve_config(settings), tmp_path / "killed")
    assert (resumed / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    assert (resumed / runlog.GENOTYPES).read_bytes() == (whole / runlog.GENOTYPES).read_bytes()
    assert json.loads((resumed / runlog.RUN_INFO).read_text())["resumed_after_epoch"] == 1
    assert setn_module  # the module under test
