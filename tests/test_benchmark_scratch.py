"""The train-from-scratch fallback: the stand-alone NB201 network and the cached trainer (digits, tiny protocol)."""

import threading

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core.benchmark import scratch
from darts_core.benchmark.nb201_index import index_to_arch
from darts_core.errors import DartsCoreError
from darts_core.nn.nb201_net import NB201Network, count_parameters

ALL_CONV3, ALL_SKIP, RESNET = index_to_arch(1462), index_to_arch(1835), index_to_arch(11472)
TINY = {"epochs": 1, "batch_size": 128, "channels": 4, "num_cells": 1}


@pytest.mark.parametrize("index", [1462, 1835, 11472, 9])
def test_network_is_xautodl_tiny_network(index):
    from xautodl.models.cell_infers.tiny_network import TinyNetwork
    from xautodl.models.cell_searchs.genotypes import Structure

    arch = index_to_arch(index)
    torch.manual_seed(3)
    ref = TinyNetwork(16, 5, Structure.str2structure(arch), 10)
    torch.manual_seed(3)
    ours = NB201Network(arch, 10)
    assert count_parameters(ours) == count_parameters(ref)  # e.g. 1,531,546 for all-conv3x3 (NB201: 1.53 MB)
    ref_state, our_state = list(ref.state_dict().values()), list(ours.state_dict().values())
    assert len(ref_state) == len(our_state)
    for a, b in zip(ref_state, our_state):  # same creation order: the same seed gives the same weights
        assert torch.equal(a, b)
    x = torch.randn(2, 3, 32, 32)
    ref.eval(), ours.eval()
    assert torch.allclose(ref(x)[1], ours(x), atol=1e-5)


def test_network_sizes_and_input_channels():
    assert count_parameters(NB201Network(ALL_CONV3, 10)) == 1_531_546
    net = NB201Network(ALL_SKIP, 7, channels=4, num_cells=1, in_channels=1)
    assert net(torch.randn(3, 1, 8, 8)).shape == (3, 7)
    with pytest.raises(DartsCoreError, match="unknown op"):
        NB201Network("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", 10)


def test_protocol_defaults_are_nb201_200e():
    p = scratch.resolve_protocol(None)
    assert (p["epochs"], p["batch_size"], p["lr"], p["eta_min"], p["weight_decay"], p["nesterov"]) == (200, 256, 0.1, 0.0, 5e-4, True)
    assert scratch.resolve_protocol({"epochs": "3"})["epochs"] == 3
    with pytest.raises(DartsCoreError, match="unknown scratch-protocol key"):
        scratch.resolve_protocol({"epoch": 3})
    with pytest.raises(DartsCoreError, match="must be positive"):
        scratch.resolve_protocol({"epochs": 0})


def test_train_digits_then_cached(tmp_path, monkeypatch):
    res = scratch.train_arch(RESNET, "digits", None, TINY, 0, tmp_path)
    assert not res["cached"] and res["index"] == 11472 and res["dataset"] == "digits"
    assert 0 <= res["valid_accuracy"] <= 100 and 0 <= res["test_accuracy"] <= 100
    assert res["params"] == count_parameters(NB201Network(RESNET, 10, 4, 1))
    entry = tmp_path / "digits"
    assert any(entry.glob("11472-s0-*/test/checkpoint.pt")) and any(entry.glob("11472-s0-*/valid/checkpoint.pt"))

    def no_training(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(scratch, "_train", no_training)
    again = scratch.train_arch(" " + RESNET + " ", "digits", None, dict(TINY), 0, tmp_path, threads=1)
    assert again["cached"] and again["test_accuracy"] == res["test_accuracy"]


def test_cache_key_separates_seed_protocol_and_arch(tmp_path, monkeypatch):
    calls = []

    def fake(arch, dataset, data_dir, p, seed, out, device, workers, allow_download):
        calls.append((arch, p["epochs"], seed))
        return {"params": 1, "valid_accuracy": None, "test_accuracy": float(len(calls)), "train_seconds": 0.0}

    monkeypatch.setattr(scratch, "_train", fake)
    for arch, proto, seed in [(ALL_SKIP, TINY, 0), (ALL_SKIP, TINY, 0), (ALL_SKIP, TINY, 1),
                              (ALL_SKIP, {**TINY, "epochs": 2}, 0), (ALL_CONV3, TINY, 0)]:
        scratch.train_arch(arch, "digits", None, proto, seed, tmp_path)
    assert calls == [(ALL_SKIP, 1, 0), (ALL_SKIP, 1, 1), (ALL_SKIP, 2, 0), (ALL_CONV3, 1, 0)]


def test_concurrent_callers_train_once(tmp_path, monkeypatch):
    calls, started = [], threading.Event()

    def slow(*a, **k):
        calls.append(1)
        started.set()
        threading.Event().wait(0.3)
        return {"params": 1, "valid_accuracy": 1.0, "test_accuracy": 2.0, "train_seconds": 0.0}

    monkeypatch.setattr(scratch, "_train", slow)
    out = []
    workers = [threading.Thread(target=lambda: out.append(scratch.train_arch(ALL_SKIP, "digits", None, TINY, 0, tmp_path)))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(calls) == 1 and sorted(r["cached"] for r in out) == [False, True, True]


def test_lookup_run_scratch_trains_each_arch_once(tmp_path, monkeypatch):
    calls = []

    def fake(arch, dataset, *a, **k):
        calls.append(arch)
        return {"params": 5, "valid_accuracy": 10.0 * len(calls), "test_accuracy": 20.0 * len(calls), "train_seconds": 0.0}

    monkeypatch.setattr(scratch, "_train", fake)
    pd.DataFrame({"epoch": [0, 1, 2, 3], "arch": [ALL_SKIP, ALL_CONV3, ALL_CONV3, ALL_SKIP]}).to_csv(tmp_path / "genotypes.csv", index=False)
    curve = scratch.lookup_run_scratch(tmp_path, "digits", None, TINY, 0, tmp_path / "cache")
    assert calls == [ALL_SKIP, ALL_CONV3]
    assert list(curve.columns) == ["epoch", "arch", "index", "digits_valid", "digits_test", "params"]
    assert curve["digits_test"].tolist() == [20.0, 40.0, 40.0, 20.0] and curve["index"].tolist() == [1835, 1462, 1462, 1835]


def test_x_valid_and_x_test_halves_for_cifar100_style_data(tmp_path, monkeypatch):
    """CIFAR-100 / ImageNet16-120: valid and test are the x-valid / x-test halves scored by one model."""
    from darts_core.data import loaders, splits

    train, test, _, shape = loaders.eval_loaders("digits", None, 128, 0, 0)
    n_test = sum(len(y) for _, y in test)
    halves = {"xvalid": np.arange(0, n_test, 2), "xtest": np.arange(1, n_test, 2)}
    monkeypatch.setattr(loaders, "eval_loaders", lambda *a, **k: (train, test, 100, shape))
    monkeypatch.setattr(splits, "load_split", lambda name, *a, **k: halves if name == "cifar100-test-split.txt" else None)
    res = scratch.train_arch(ALL_SKIP, "cifar100", tmp_path, TINY, 0, tmp_path / "cache")
    hits = scratch._correct(_trained(tmp_path / "cache", "cifar100"), test, "cpu").float()
    assert res["valid_accuracy"] == pytest.approx(100 * hits[halves["xvalid"]].mean().item())
    assert res["test_accuracy"] == pytest.approx(100 * hits[halves["xtest"]].mean().item())
    assert not list((tmp_path / "cache" / "cifar100").glob("*/valid"))  # no second training


def _trained(cache, dataset):
    (entry,) = list((cache / dataset).glob("*/test/checkpoint.pt"))
    net = NB201Network(ALL_SKIP, 100, TINY["channels"], TINY["num_cells"])
    net.load_state_dict(torch.load(entry, weights_only=False)["model"])
    return net


def test_malformed_arch_and_dataset(tmp_path):
    with pytest.raises(DartsCoreError, match="arch string"):
        scratch.train_arch("|skip_connect~0|", "digits", None, TINY, 0, tmp_path)
    with pytest.raises(DartsCoreError, match="unknown dataset"):
        scratch.train_arch(ALL_SKIP, "mnist", None, TINY, 0, tmp_path)


@pytest.mark.parametrize("bn_momentum, expected", [(0.0, 1.0 - 0.997), (0.1, 0.1)])
def test_bn_momentum_of_the_protocol_reaches_every_batchnorm(tmp_path, monkeypatch, bn_momentum, expected):
    """NB101's BatchNorm keeps TF's decay 0.997 (torch momentum 0.003): over a 3-epoch demo protocol its
    running statistics stay near their initial values and evaluation is near chance (10.5 % valid on
    digits in one demo run, not a figure this test measures), so the demo sets bn_momentum 0.1; 0 keeps
    the network's own."""
    import darts_core.train.trainer as trainer

    arch = "nb1shot1-s1|1=maxpool3x3<-0|2=maxpool3x3<-0,1|3=conv3x3-bn-relu<-1,2|4=conv3x3-bn-relu<-1,2|out<-1,3"
    seen = []

    def record(model, *a, **k):
        seen.extend(m.momentum for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
        raise RuntimeError("recorded")

    monkeypatch.setattr(trainer, "fit", record)
    with pytest.raises(RuntimeError, match="recorded"):
        scratch.train_arch(arch, "digits", None, {**TINY, "bn_momentum": bn_momentum}, 0, tmp_path)
    assert seen and seen == pytest.approx([expected] * len(seen))
    with pytest.raises(DartsCoreError, match="bn_momentum"):
        scratch.resolve_protocol({"bn_momentum": 1.5})
