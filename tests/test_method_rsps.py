"""RSPS (AutoDL-Projects RANDOM-NAS.py, xautodl search_model_random.py): uniform sampling of one op per
edge per step, weight training only, the per-epoch pick of the best of N sampled architectures on
validation batches, what its alpha log holds, and which stop criteria apply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.nn.mixing import UniformPathMixer
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.config import resolve_config
from darts_core.search.loop import run_search
from darts_core.search.rsps import Rsps, eval_batches
from darts_core.stops.criteria import evaluate
from darts_core.stops.magnitudes import magnitudes


def test_sampling_is_uniform_per_edge_and_ignores_alpha():
    mixer = UniformPathMixer()
    alpha = torch.tensor([[100.0, 0, 0, 0, 0]] * 6)  # would dominate any softmax
    torch.manual_seed(0)
    counts = torch.zeros(6, 5)
    n = 20000
    for _ in range(n):
        w, index = mixer.sample(alpha)
        counts += w
        assert torch.equal(w.argmax(-1), index) and not w.requires_grad
    freq = counts / n
    assert torch.allclose(freq, torch.full((6, 5), 0.2), atol=0.012)  # 4 sigma of a binomial(20000, 0.2)
    mixer.fixed = torch.tensor([3, 1, 4, 0, 2, 3])
    assert torch.equal(mixer.sample(alpha)[1], mixer.fixed)


def _tiny(select_num=10, eval_bs=16):
    torch.manual_seed(0)
    model = NB201Supernet(10, channels=4, num_cells=1, mixer=UniformPathMixer())
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    method = Rsps(model, nn.CrossEntropyLoss(), w_opt, Rsps.make_alpha_optimizer(model.arch_parameters(), None), 5.0)
    method.configure(resolve_config({"preset": "rsps", "rsps_select_num": select_num, "rsps_eval_batch_size": eval_bs}))
    return model, method


def test_step_trains_weights_through_one_path_and_never_alpha():
    model, method = _tiny()
    assert torch.allclose(model.alpha, torch.full((6, 5), 0.2))  # epoch 0: the sampling distribution
    x, y = torch.randn(8, 3, 8, 8), torch.arange(8) % 10
    before = [p.detach().clone() for p in model.weight_parameters()]
    method.step(x, y, x * 0, y, update_alphas=True)
    assert model.alpha.grad is None and torch.allclose(model.alpha, torch.full((6, 5), 0.2))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.weight_parameters()))


def test_eval_batches_regroup_to_the_exact_size_and_cycle():
    loader = [(torch.full((5, 1), float(i)), torch.full((5,), i)) for i in range(3)]  # 15 images
    got = eval_batches(loader, 7)
    sizes, firsts = [], []
    for _ in range(5):
        x, y = next(got)
        sizes.append(len(y))
        firsts.append(int(y[0]))
    # batch k starts at image 7k of the cycled stream: images 0, 7, 14, 21 = 6, 28 = 13 (labels = image // 5)
    assert sizes == [7] * 5 and firsts == [0, 1, 2, 1, 2]


def test_find_best_is_the_first_maximum_of_the_sampled_architectures():
    model, method = _tiny(select_num=12, eval_bs=16)
    gen = torch.Generator().manual_seed(3)
    loader = [(torch.randn(8, 3, 8, 8, generator=gen), torch.randint(0, 10, (8,), generator=gen)) for _ in range(3)]
    with torch.random.fork_rng(devices=[]):
        best, acc = method.find_best(loader, torch.device("cpu"))
    # replay: the same draws, each architecture scored on its 16-image batch in eval mode
    model.eval()
    batches, scores, archs = eval_batches(loader, 16), [], []
    with torch.no_grad():
        for _ in range(12):
            index = torch.randint(0, 5, (6,))
            x, y = next(batches)
            model.mixer.fixed = index
            scores.append(100.0 * float((model(x).argmax(1) == y).float().mean()))
            archs.append(index)
    model.mixer.fixed = None
    k = int(np.argmax(scores))
    assert torch.equal(best, archs[k]) and acc == pytest.approx(scores[k])
    assert model.mixer.fixed is None


def test_end_epoch_logs_the_pick_one_hot_and_the_genotype_follows():
    model, method = _tiny()
    loader = [(torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))) for _ in range(2)]
    method.end_epoch(0, loader, torch.device("cpu"))
    pick = method.picks[-1]
    w = model.logged_weights()
    assert torch.equal(w.argmax(-1), torch.tensor(pick["index"])) and torch.equal(w.sum(-1), torch.ones(6))
    ops = model.ops
    assert model.genotype().count("~") == 6 and ops[pick["index"][0]] in model.genotype()


def test_config_refuses_criteria_that_do_not_apply():
    cfg = resolve_config({"preset": "rsps"})
    assert (cfg.method, cfg.epochs, cfg.rsps_select_num, cfg.rsps_eval_batch_size, cfg.w_wd, cfg.w_nesterov) == \
        ("rsps", 250, 100, 512, 5e-4, True)
    with pytest.raises(DartsCoreError, match="not applicable to rsps"):
        resolve_config({"preset": "rsps", "online_stop": "ss_residual:nor_conv_3x3", "online_patience": 3})
    with pytest.raises(DartsCoreError, match="no architecture parameters"):
        resolve_config({"preset": "rsps", "hessian_every": 2})
    resolve_config({"preset": "rsps", "online_stop": "darts+_sc:2"})  # sc reads the picked cells: fine


def test_demo_run_alpha_log_magnitudes_and_stops(tmp_path):
    cfg = resolve_config({"preset": "rsps", "dataset": "digits", "epochs": 2, "channels": 4, "num_cells": 1,
                          "batch_size": 128, "rsps_select_num": 8, "rsps_eval_batch_size": 128, "device": "cpu"})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]
    assert np.allclose(alphas[alphas.epoch == 0]["weight"], 0.2)
    later = alphas[alphas.epoch > 0]
    assert set(later["weight"].unique()) <= {0.0, 1.0} and (later["alpha"] == later["weight"]).all()
    assert np.allclose(later.groupby(["epoch", "edge"])["weight"].sum(), 1.0)
    mags = magnitudes(alphas)  # op shares of the picked cell
    assert np.allclose(mags[mags.epoch > 0]["magnitude"] * 6, np.round(mags[mags.epoch > 0]["magnitude"] * 6))
    genotypes = pd.read_csv(out / runlog.GENOTYPES)
    stops = evaluate(out, ["final", "ss_residual:nor_conv_3x3", "ss_peak:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"])
    by = stops.set_index("criterion")
    assert by.loc["final", "arch"] == genotypes["arch"].iloc[-1]
    for c in ("ss_residual:nor_conv_3x3", "ss_peak:nor_conv_3x3", "darts+_rt:2"):
        assert by.loc[c, "note"].startswith("not computable: not applicable to rsps") and pd.isna(by.loc[c, "epoch"])
    assert not by.loc["darts+_sc:2", "note"].startswith("not computable")
