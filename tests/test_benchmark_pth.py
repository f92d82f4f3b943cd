"""A small benchmark file in the official format (exps/NAS-Bench-201/statistics.py: meta_archs, arch2infos
{index: {'less', 'full'}: ArchResults.state_dict()}, evaluated_indexes), read through the real API."""

import hashlib
import pickle

import numpy as np
import pytest
import torch
from nas_201_api import ArchResults, NASBench201API, ResultsCount

from darts_core.benchmark import pth_source
from darts_core.benchmark.cli import register
from darts_core.benchmark.lookup import lookup_archs
from darts_core.benchmark.nb201_index import all_archs
from darts_core.benchmark.table import build_from_pth, load_table
from darts_core.errors import DartsCoreError

ARCHS = [1462, 1835, 11472, 6111]
EVALS = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
         "cifar100": ("x-valid", "x-test", "ori-test"), "ImageNet16-120": ("x-valid", "x-test", "ori-test")}


def accuracy(index, dataset, setname, seed, epochs):
    """A distinct value per (arch, dataset, set, seed, hp), numpy-typed like the real file's."""
    base = {"cifar10-valid": 80, "cifar10": 85, "cifar100": 60, "ImageNet16-120": 30}[dataset]
    return np.float64(base + (index % 97) / 10 + {"x-valid": 0.11, "x-test": 0.22, "ori-test": 0.33}[setname]
                      + (seed - 777) / 1000 + (0 if epochs == 200 else -20))


def arch_results(index, arch, epochs, seeds):
    res = ArchResults(index, arch)
    for dataset, sets in EVALS.items():
        for seed in seeds:
            rc = ResultsCount(dataset, None, {e: 50.0 for e in range(epochs)}, {e: 1.0 for e in range(epochs)},
                              0.5, 80.0, {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": 10}, seed, epochs, [0.01])
            accs, losses, times = {}, {}, {}
            for name in sets:
                for e in range(epochs):
                    # accuracy rises over epochs; the last epoch holds the value we expect
                    accs[f"{name}@{e}"] = accuracy(index, dataset, name, seed, epochs) - (epochs - 1 - e) * 0.01
                    losses[f"{name}@{e}"], times[f"{name}@{e}"] = 0.5, 1.0
            rc.update_train_info(rc.train_acc1es, None, rc.train_losses, {e: 1.0 for e in range(epochs)})
            rc.update_eval(accs, losses, times)
            res.update(dataset, seed, rc)
    return res.state_dict()


@pytest.fixture(scope="module")
def official_pth(tmp_path_factory):
    meta = all_archs()
    data = {"meta_archs": meta, "total_archs": len(meta), "basestr": "C16-N5",
            "arch2infos": {i: {"full": arch_results(i, meta[i], 200, [777, 888] if i != 1835 else [777]),
                               "less": arch_results(i, meta[i], 12, [777])} for i in ARCHS},
            "evaluated_indexes": set(ARCHS)}
    tmp = tmp_path_factory.mktemp("nb201") / "tmp.pth"
    torch.save(data, tmp)
    tag = hashlib.md5(tmp.read_bytes()).hexdigest()[-6:]  # the API's name convention: hash digits in the name
    path = tmp.rename(tmp.with_name(f"NAS-Bench-201-v1_1-{tag}.pth"))
    return path


def expected(index, dataset, metric):
    source, setname = {("cifar10", "valid"): ("cifar10-valid", "x-valid"), ("cifar10", "test"): ("cifar10", "ori-test"),
                       }.get((dataset, metric), (dataset, "x-" + metric))
    seeds = [777] if index == 1835 else [777, 888]
    return float(np.mean([accuracy(index, source, setname, s, 200) for s in seeds]))


def test_table_from_official_format(official_pth):
    table = build_from_pth(official_pth, trust_unverified=True)
    assert sorted(table["index"].unique()) == sorted(ARCHS)
    assert len(table) == len(ARCHS) * 6 and table["accuracy"].notna().all()
    assert table.attrs["missing"] == "" and table.attrs["source"] == f"pth: {official_pth.name}"
    assert table.attrs["source_sha256"] == hashlib.sha256(official_pth.read_bytes()).hexdigest()
    for row in table.itertuples():
        # 200-epoch (hp='200'), last epoch, mean over seeds, the paper's valid/test convention
        assert row.accuracy == pytest.approx(expected(row.index, row.dataset, row.metric)), row


def test_same_numbers_as_the_api_queried_directly(official_pth):
    data = torch.load(official_pth, weights_only=False)
    api = NASBench201API(data, verbose=False)
    wide = lookup_archs([all_archs()[i] for i in ARCHS], build_from_pth(official_pth, trust_unverified=True)).set_index("index")
    for i in ARCHS:
        assert wide.loc[i, "cifar10_valid"] == api.get_more_info(i, "cifar10-valid", hp="200", is_random=False)["valid-accuracy"]
        assert wide.loc[i, "cifar10_test"] == api.get_more_info(i, "cifar10", hp="200", is_random=False)["test-accuracy"]
        info = api.get_more_info(i, "ImageNet16-120", hp="200", is_random=False)
        assert (wide.loc[i, "ImageNet16-120_valid"], wide.loc[i, "ImageNet16-120_test"]) == (info["valid-accuracy"], info["test-accuracy"])


def test_api_own_loader_fails_on_new_torch(official_pth):
    # why we load the file ourselves: the API calls torch.load without weights_only (default True on torch >= 2.6)
    if tuple(int(x) for x in torch.__version__.split(".")[:2]) < (2, 6):
        pytest.skip("torch < 2.6 loads pickles by default")
    with pytest.raises(pickle.UnpicklingError):
        NASBench201API(str(official_pth), verbose=False)


def test_checksum_checks(official_pth, tmp_path):
    bad = tmp_path / "NAS-Bench-201-v1_1-000000.pth"
    bad.write_bytes(official_pth.read_bytes())
    with pytest.raises(DartsCoreError, match="corrupt or incomplete"):
        build_from_pth(bad, trust_unverified=True)
    with pytest.raises(DartsCoreError, match="no full digest of the NAS-Bench-201 files is published"):
        build_from_pth(official_pth)  # its name's tag matches its own digest: that proves nothing
    renamed = tmp_path / "nb201.pth"
    renamed.write_bytes(official_pth.read_bytes())
    with pytest.raises(DartsCoreError, match="pin its sha256"):
        build_from_pth(renamed, trust_unverified=True)
    sha = hashlib.sha256(official_pth.read_bytes()).hexdigest()
    assert build_from_pth(renamed, sha256=sha)["index"].nunique() == len(ARCHS)
    with pytest.raises(DartsCoreError, match="differs from the pinned"):
        build_from_pth(renamed, sha256="0" * 64)


def test_wrong_meta_archs_order_is_rejected():
    meta = all_archs()
    meta[0], meta[1] = meta[1], meta[0]
    with pytest.raises(DartsCoreError, match=r"meta_archs\[0\]"):
        pth_source.table_from_dict({"meta_archs": meta, "arch2infos": {}, "evaluated_indexes": set()})


def test_cli_builds_once_and_caches(official_pth, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="cmd"))
    out = tmp_path / "nb201.parquet"
    args = parser.parse_args(["benchmark-table", "--pth", str(official_pth), "--trust-unverified", "--out", str(out)])
    assert args.func(args) == 0 and load_table(out)["index"].nunique() == len(ARCHS)
    mtime = out.stat().st_mtime_ns
    assert args.func(args) == 0
    assert "already built" in capsys.readouterr().out and out.stat().st_mtime_ns == mtime


def test_dataset_absent_for_an_arch_is_missing_not_invented():
    meta = all_archs()
    full = arch_results(1462, meta[1462], 200, [777])
    del full["dataset_seed"]["ImageNet16-120"]
    full["all_results"] = {k: v for k, v in full["all_results"].items() if k[0] != "ImageNet16-120"}
    data = {"meta_archs": meta, "evaluated_indexes": {1462, 1835},
            "arch2infos": {1462: {"full": full, "less": arch_results(1462, meta[1462], 12, [777])},
                           1835: {"full": arch_results(1835, meta[1835], 200, [777]),
                                  "less": arch_results(1835, meta[1835], 12, [777])}}}
    wide = lookup_archs([meta[1462], meta[1835]], pth_source.table_from_dict(data)).set_index("index")
    assert wide.loc[1462, ["ImageNet16-120_valid", "ImageNet16-120_test"]].isna().all()
    assert wide.loc[1835].drop("arch").notna().all()
    assert wide.loc[1462, "cifar100_test"] == pytest.approx(accuracy(1462, "cifar100", "x-test", 777, 200))
