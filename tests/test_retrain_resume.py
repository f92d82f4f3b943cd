"""A retrain interrupted after epoch 1 and restarted continues from its checkpoint and ends bit-identical
to an uninterrupted run (CPU, digits, tiny DARTS_V2 network, 3 epochs with cutout and drop path)."""

import json

import pandas as pd
import pytest
import torch

from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.spaces import darts
from darts_core.train.protocols import get_protocol
from darts_core.train.retrain import retrain

CFG = get_protocol("demo", epochs=3, init_channels=4, layers=3, batch_size=256)
V2 = darts.published("DARTS_V2")


class Preempted(Exception):
    pass


def preempt_after(n):
    def callback(epoch, row):
        if epoch + 1 == n:
            raise Preempted
    return callback


def test_interrupted_retrain_resumes_and_matches(tmp_path):
    full = retrain(V2, "digits", CFG, tmp_path / "full", seed=3)
    with pytest.raises(Preempted):
        retrain(V2, "digits", CFG, tmp_path / "cut", seed=3, on_epoch_end=preempt_after(1))
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["epoch"] == 1
    assert not (tmp_path / "cut" / "results.json").exists()
    seen = []
    resumed = retrain(V2, "digits", CFG, tmp_path / "cut", seed=3, on_epoch_end=lambda e, r: seen.append(e))
    assert seen == [1, 2]  # continued from its last epoch, did not start over

    drop = ["seconds"]
    a = pd.read_csv(tmp_path / "full" / "metrics.csv").drop(columns=drop)
    b = pd.read_csv(tmp_path / "cut" / "metrics.csv").drop(columns=drop)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a["epoch"]) == [0, 1, 2] and a["drop_path_prob"].iloc[2] > 0
    sa = load_checkpoint(tmp_path / "full" / "checkpoint.pt")["model"]
    sb = load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["model"]
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    keep = ("params_m", "test_top1", "test_top5", "test_error", "epochs")
    assert {k: full[k] for k in keep} == {k: resumed[k] for k in keep}
    on_disk = json.loads((tmp_path / "cut" / "results.json").read_text())
    assert on_disk["genotype"] == darts.genotype_string(V2) and on_disk["epochs"] == 3


def test_checkpoint_of_another_run_is_refused(tmp_path):
    cfg1 = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256)
    retrain(V2, "digits", cfg1, tmp_path, seed=0)
    with pytest.raises(DartsCoreError, match="different run .*genotype"):
        retrain(darts.published("DARTS_V1"), "digits", cfg1, tmp_path, seed=0)


def test_retrain_subcommand(tmp_path, capsys):
    import argparse

    from darts_core.train import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["retrain", "DARTS_V1", "--dataset", "digits", "--protocol", "demo", "--out", str(tmp_path),
                              "--device", "cpu", "--epochs", "1", "--layers", "3", "--batch-size", "256"])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["epochs"] == 1 and 0 < printed["params_m"] < 0.1
    assert json.loads((tmp_path / "results.json").read_text())["protocol"] == "demo"
    bad = parser.parse_args(["retrain", "DARTS_V1", "--dataset", "digits", "--protocol", "darts-imagenet",
                             "--out", str(tmp_path / "x"), "--device", "cpu"])
    with pytest.raises(DartsCoreError, match="imagenet network; it does not fit dataset digits"):
        bad.func(bad)


def test_a_finished_checkpoint_rewrites_the_outputs_snakemake_removed(tmp_path):
    """Snakemake deletes a job's outputs before rerunning it (e.g. after a code change): the finished
    checkpoint trains nothing more and gives the same metrics.csv and results.json back."""
    cfg1 = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256)
    first = retrain(V2, "digits", cfg1, tmp_path, seed=0)
    metrics = (tmp_path / "metrics.csv").read_text()
    for name in ("metrics.csv", "results.json"):
        (tmp_path / name).unlink()
    seen = []
    again = retrain(V2, "digits", cfg1, tmp_path, seed=0, on_epoch_end=lambda e, r: seen.append(e))
    assert seen == []
    assert (tmp_path / "metrics.csv").read_text() == metrics
    assert again["test_error"] == first["test_error"] and (tmp_path / "results.json").is_file()
