"""The search proxy: CSV approximation, the faithful per-seed proxy from an official-format .pth, files, draws."""

import hashlib
import random

import numpy as np
import pandas as pd
import pytest
import torch
from nas_201_api import ArchResults, ResultsCount
from tabular_synth import synthetic_proxy

from darts_core.benchmark.nb201_index import all_archs
from darts_core.errors import DartsCoreError
from darts_core.tabular.proxy import CSV_NOTE, Proxy, load_proxy, proxy_from_csv, save_proxy
from darts_core.tabular.proxy_pth import proxy_from_pth

ARCHS = {1462: [777, 888, 999], 1835: [777], 6111: [888, 777]}  # index -> 12-epoch seeds in the file


def test_csv_proxy_values(nb201_csv_dir):
    proxy = proxy_from_csv(nb201_csv_dir)
    # row 1 of nats_tss_cifar10-valid_avg.csv: valid-accuracy 90.76933332, train-per-time 10.84820688, valid-per-time 3.754198977
    acc, cost = proxy.evaluate(1, random.Random(0))
    assert acc == pytest.approx(90.76933332) and cost == pytest.approx(12 * 10.84820688 + 3.754198977)
    assert proxy.note == CSV_NOTE and "approximation" in proxy.source and proxy.dataset == "cifar10"
    assert proxy.info()["archs"] == 15625 and proxy.info()["trials_max"] == 1
    assert load_proxy(nb201_csv_dir).valid[6111, 0] == pytest.approx(91.606667, abs=1e-4)  # the best C10 valid


def test_draws_follow_the_api_random_choice():
    proxy = synthetic_proxy(trials=3)
    rng, mirror = random.Random(5), random.Random(5)
    for index in (1462, 0, 1462, 77):
        acc, cost = proxy.evaluate(index, rng)
        t = mirror.choice([777, 888, 999])  # what the API's random.choice(seeds) would draw
        t = [777, 888, 999].index(t)
        assert acc == proxy.valid[index, 0] + t and cost == 1.0 + t
    single, a, b = synthetic_proxy(), random.Random(1), random.Random(1)
    single.evaluate(3, a)
    b.choice([0])  # one trial still consumes a draw, as random.choice(seeds) does
    assert a.random() == b.random()


def test_proxy_file_roundtrip_and_errors(tmp_path):
    proxy = synthetic_proxy(trials=2)
    valid = proxy.valid.copy()
    valid[5, 1] = np.nan  # index 5 has one trial only
    cost = proxy.cost.copy()
    cost[5, 1] = np.nan
    path = save_proxy(Proxy(valid, cost, "synthetic", "cifar10", "a note", {"source_sha256": "ab"}), tmp_path / "p.parquet")
    back = load_proxy(path)
    assert np.array_equal(back.valid, valid, equal_nan=True) and np.array_equal(back.cost, cost, equal_nan=True)
    assert (back.source, back.dataset, back.note, back.extra) == ("synthetic", "cifar10", "a note", {"source_sha256": "ab"})
    assert back.count[5] == 1 and back.count[6] == 2
    with pytest.raises(DartsCoreError, match="does not exist"):
        load_proxy(tmp_path / "nope.parquet")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(DartsCoreError, match="expected a directory"):
        load_proxy(tmp_path / "x.txt")
    pd.DataFrame({"index": [1]}).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DartsCoreError, match="missing column"):
        load_proxy(tmp_path / "bad.parquet")
    with pytest.raises(DartsCoreError, match="neither|not found"):
        load_proxy(tmp_path)  # a directory without the CSV
    holes = valid.copy()
    holes[7, 0] = np.nan
    with pytest.raises(DartsCoreError, match="NaN only after"):
        Proxy(holes, cost, "s", "cifar10", "")
    with pytest.raises(DartsCoreError, match="no result for NB201 index 7"):
        Proxy(np.where(np.arange(15625)[:, None] == 7, np.nan, valid[:, :1]), cost[:, :1], "s", "cifar10", "").evaluate(7, random.Random(0))


def _arch_results(index, arch, epochs, seeds):
    """ArchResults state of cifar10-valid runs: accuracy index/100 + seed/1000 - (12 ep: 20); train 2 s/epoch,
    x-valid eval 0.5 s/epoch (seed 888: 3 and 1 s)."""
    res = ArchResults(index, arch)
    for seed in seeds:
        tr, ev = (3.0, 1.0) if seed == 888 else (2.0, 0.5)
        rc = ResultsCount("cifar10-valid", None, {e: 50.0 for e in range(epochs)}, {e: 1.0 for e in range(epochs)},
                          0.5, 80.0, {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": 10}, seed, epochs, [0.01])
        rc.update_train_info(rc.train_acc1es, None, rc.train_losses, {e: tr for e in range(epochs)})
        acc = np.float64(index / 100 + seed / 1000 - (20 if epochs == 12 else 0))
        keys = [f"{s}@{e}" for s in ("x-valid", "ori-test") for e in range(epochs)]
        rc.update_eval({k: acc for k in keys}, {k: 0.5 for k in keys}, {k: ev for k in keys})
        res.update("cifar10-valid", seed, rc)
    return res.state_dict()


@pytest.fixture(scope="module")
def official_pth(tmp_path_factory):
    meta = all_archs()
    data = {"meta_archs": meta, "total_archs": len(meta), "basestr": "C16-N5", "evaluated_indexes": set(ARCHS),
            "arch2infos": {i: {"less": _arch_results(i, meta[i], 12, seeds), "full": _arch_results(i, meta[i], 200, [777])}
                           for i, seeds in ARCHS.items()}}
    tmp = tmp_path_factory.mktemp("nb201") / "tmp.pth"
    torch.save(data, tmp)
    tag = hashlib.md5(tmp.read_bytes()).hexdigest()[-6:]
    return tmp.rename(tmp.with_name(f"NAS-Bench-201-v1_1-{tag}.pth"))


def test_pth_proxy_keeps_every_12_epoch_seed(official_pth):
    proxy = proxy_from_pth(official_pth, trust_unverified=True)
    assert proxy.extra["source_file"] == official_pth.name and len(proxy.extra["source_sha256"]) == 64
    assert "hp='12'" in proxy.source and proxy.note.startswith("official")
    assert proxy.valid.shape == (15625, 3) and proxy.info()["archs"] == 3
    for index, seeds in ARCHS.items():
        for t, seed in enumerate(sorted(seeds)):  # sorted, like ArchResults.get_dataset_seeds
            assert proxy.valid[index, t] == pytest.approx(index / 100 + seed / 1000 - 20)
            tr, ev = (3.0, 1.0) if seed == 888 else (2.0, 0.5)
            assert proxy.cost[index, t] == pytest.approx(12 * tr + ev)  # train-all-time + valid-per-time
        assert proxy.count[index] == len(seeds)
    assert proxy.count.sum() == 6
    with pytest.raises(DartsCoreError, match="choose from"):
        proxy_from_pth(official_pth, dataset="mnist", trust_unverified=True)
