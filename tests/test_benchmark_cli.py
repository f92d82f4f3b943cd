import argparse
import json

import numpy as np
import pandas as pd
import pytest

from darts_core import cli as main_cli
from darts_core.benchmark.cli import register
from darts_core.benchmark.nb201_index import index_to_arch
from darts_core.benchmark.table import long_table, save_table
from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import arch_string

ALL_SKIP = arch_string(["skip_connect"] * 6)


def run(argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def table_path(tmp_path):
    idx = np.array([1835, 1462])
    acc = {("cifar10", "valid"): np.array([39.77, 91.0]), ("cifar10", "test"): np.array([54.3, 94.0])}
    return save_table(long_table(acc, idx, [index_to_arch(i) for i in idx]), tmp_path / "t.parquet")


def test_registered_in_the_main_dispatcher():
    assert "darts_core.benchmark.cli" in main_cli.COMMAND_MODULES


def test_lookup_prints_index_and_every_metric(table_path, capsys):
    assert run(["lookup", ALL_SKIP, "--table", str(table_path)]) == 0
    out = capsys.readouterr().out
    assert "index  1835" in out and "39.77" in out and "54.30" in out
    assert out.count("missing") >= 4  # the four metrics this table lacks, shown as missing


def test_lookup_json(table_path, capsys):
    run(["lookup", ALL_SKIP, "--table", str(table_path), "--json"])
    got = json.loads(capsys.readouterr().out)
    assert got["rows"][0]["index"] == 1835 and got["rows"][0]["cifar10_valid"] == 39.77
    assert got["rows"][0]["cifar100_test"] is None and "cifar100_test" in got["missing"]


def test_lookup_run_stops_references_write_files(table_path, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    pd.DataFrame({"epoch": [0, 1], "arch": [index_to_arch(1462), ALL_SKIP]}).to_csv(run_dir / "genotypes.csv", index=False)
    run(["lookup", "--run", str(run_dir), "--table", str(table_path), "--out", str(tmp_path / "curve.csv")])
    assert pd.read_csv(tmp_path / "curve.csv")["cifar10_test"].tolist() == [94.0, 54.3]
    pd.DataFrame({"criterion": ["final"], "epoch": [1], "arch": [ALL_SKIP]}).to_csv(tmp_path / "stops.csv", index=False)
    run(["lookup", "--stops", str(tmp_path / "stops.csv"), "--table", str(table_path), "--out", str(tmp_path / "s.csv")])
    assert pd.read_csv(tmp_path / "s.csv").loc[0, "cifar10_valid"] == 39.77
    run(["lookup", "--references", "--table", str(table_path), "--out", str(tmp_path / "r.csv")])
    refs = pd.read_csv(tmp_path / "r.csv").set_index("row")
    assert refs.loc["optimal", "cifar10_test"] == 94.0 and np.isnan(refs.loc["ResNet", "cifar10_test"])


@pytest.mark.parametrize("argv, words", [
    (["lookup", "|bad~0|", "--table", "T"], "arch string"),
    (["lookup", "--table", "T"], "exactly one"),
    (["lookup", ALL_SKIP, "--table", "nope.parquet"], "does not exist"),
    (["benchmark-table", "--csv-dir", ".", "--out", "x.parquet"], "neither"),
])
def test_bad_input_raises_darts_core_error(argv, words, table_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [str(table_path) if a == "T" else a for a in argv]
    with pytest.raises(DartsCoreError, match=words):
        run(argv)


def test_benchmark_table_from_csv(nb201_csv_dir, tmp_path, capsys):
    out = tmp_path / "nb201.parquet"
    assert run(["benchmark-table", "--csv-dir", str(nb201_csv_dir), "--out", str(out)]) == 0
    assert "15625 architectures" in capsys.readouterr().out
    run(["lookup", ALL_SKIP, "--table", str(out), "--json"])
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert round(row["ImageNet16-120_test"], 2) == 16.32 and row["ImageNet16-120_valid"] is None


def test_train_arch_subcommand(tmp_path, capsys):
    import torch

    before = torch.get_num_threads()
    argv = ["train-arch", ALL_SKIP, "--dataset", "digits", "--cache", str(tmp_path), "--epochs", "1", "--batch-size", "256",
            "--channels", "2", "--num-cells", "1", "--no-valid-split", "--threads", "1", "--json"]
    assert run(argv) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["index"] == 1835 and res["valid_accuracy"] is None and 0 <= res["test_accuracy"] <= 100
    assert res["protocol"]["epochs"] == 1 and res["protocol"]["valid_split"] is False
    assert torch.get_num_threads() == before
    run(argv[:-1])
    assert "cached" in capsys.readouterr().out
