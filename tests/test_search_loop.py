"""run_search on the digits demo with a tiny supernet: run products, resume equality, stops, NaN, Hessian."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.search import darts as darts_methods
from darts_core.search.config import resolve_config
from darts_core.search.loop import run_search
from darts_core.spaces import nb201

TINY = {"dataset": "digits", "channels": 2, "num_cells": 1, "batch_size": 250, "device": "cpu"}  # 3 steps/epoch


def cfg(**kw):
    return resolve_config({**TINY, **kw})


def test_run_products_schema_and_rows(tmp_path):
    out = run_search(cfg(epochs=2, seed=3), tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS, nb201.OPS)
    assert tuple(alphas.columns) == runlog.ALPHA_COLUMNS
    assert len(alphas) == (2 + 1) * 6 * 5
    assert list(alphas.epoch.unique()) == [0, 1, 2] and set(alphas.cell) == {"normal"}
    first = alphas[alphas.epoch == 0]
    assert np.abs(first.alpha).max() < 0.01 and np.allclose(first.weight, 0.2, atol=1e-3)  # 1e-3 * randn
    sums = alphas.groupby(["epoch", "edge"]).weight.sum()
    np.testing.assert_allclose(sums, 1.0)
    assert not np.allclose(alphas[alphas.epoch == 2].alpha, first.alpha)  # the alphas moved
    metrics = pd.read_csv(out / runlog.METRICS)
    assert tuple(metrics.columns) == runlog.METRIC_COLUMNS and list(metrics.epoch) == [1, 2]
    assert metrics.weight_lr.tolist() == pytest.approx([0.025, 0.013])  # cosine over 2 epochs
    assert (metrics.alpha_lr == 3e-4).all() and metrics.valid_acc.between(0, 100).all()
    genotypes = pd.read_csv(out / runlog.GENOTYPES)
    assert list(genotypes.epoch) == [0, 1, 2]
    assert all(len(nb201.parse_arch(a)) == 6 for a in genotypes.arch)
    info = json.loads((out / runlog.RUN_INFO).read_text())
    assert info["status"] == "finished" and info["seed"] == 3 and info["device"] == "cpu"
    assert info["config"]["dataset"] == "digits" and {"python", "torch", "numpy", "darts_core"} <= set(info["versions"])
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 2


@pytest.mark.parametrize("method", ["darts-v1", "darts-v2"])
def test_killed_run_resumes_to_identical_alphas(tmp_path, monkeypatch, method):
    """Kill mid-epoch (after the checkpoint of epoch 1), restart: same products as an uninterrupted run.
    The warm-up epoch and an active clip make the resumed state non-trivial: stale alpha gradients (V1
    clips them with the weights), momentum buffers (V2 unrolls with them), BN running statistics."""
    settings = dict(epochs=3, warmup_epochs=1, method=method, seed=5, track_running_stats=True, grad_clip=0.5)
    whole = run_search(cfg(**settings), tmp_path / "whole")
    cls = darts_methods.DartsV2 if method == "darts-v2" else darts_methods.DartsV1
    real, calls = cls.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # second step of epoch 2
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(cls, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_search(cfg(**settings), tmp_path / "killed")
    assert load_checkpoint(tmp_path / "killed" / "checkpoint.pt")["epoch"] == 1
    monkeypatch.setattr(cls, "step", real)
    torch.manual_seed(999)  # the resumed process starts from another RNG state
    resumed = run_search(cfg(**settings), tmp_path / "killed")

    pd.testing.assert_frame_equal(pd.read_parquet(resumed / runlog.ALPHAS), pd.read_parquet(whole / runlog.ALPHAS))
    assert (resumed / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    drop = ["seconds"]
    pd.testing.assert_frame_equal(pd.read_csv(resumed / runlog.METRICS).drop(columns=drop),
                                  pd.read_csv(whole / runlog.METRICS).drop(columns=drop))
    assert json.loads((resumed / runlog.RUN_INFO).read_text())["resumed_after_epoch"] == 1


def test_changed_config_refuses_to_resume(tmp_path):
    run_search(cfg(epochs=1), tmp_path / "r")
    with pytest.raises(DartsCoreError, match=r"checkpoint.pt was written with a_lr=0.0003, this run has a_lr=0.001"):
        run_search(cfg(epochs=1, a_lr=0.001), tmp_path / "r")


def test_stop_callback_ends_the_run_and_is_recorded(tmp_path):
    seen = []

    def stop_at_two(epoch, alphas):
        seen.append((epoch, int(alphas.epoch.max()), len(alphas)))
        return "enough" if epoch == 2 else None

    out = run_search(cfg(epochs=4), tmp_path / "r", on_epoch_end=stop_at_two)
    assert seen == [(1, 1, 60), (2, 2, 90)]
    assert runlog.read_alphas(out / runlog.ALPHAS).epoch.max() == 2
    info = json.loads((out / runlog.RUN_INFO).read_text())
    assert info["status"] == "stopped" and info["stop"]["epoch"] == 2 and info["stop"]["reason"] == "enough"
    run_search(cfg(epochs=4), out, on_epoch_end=stop_at_two)  # a stopped run stays stopped
    assert len(seen) == 2 and runlog.read_alphas(out / runlog.ALPHAS).epoch.max() == 2


def test_nan_loss_stops_at_once_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    real, calls = darts_methods.DartsV1.step, {"n": 0}

    def poisoned_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 4:  # first step of epoch 2
            with torch.no_grad():
                self.model.classifier.weight.fill_(float("nan"))
        return real(self, *args, **kw)

    monkeypatch.setattr(darts_methods.DartsV1, "step", poisoned_step)
    with pytest.raises(DartsCoreError, match=r"train loss is nan: the run diverged in epoch 2; .*checkpoint.pt keeps epoch 1"):
        run_search(cfg(epochs=3), tmp_path / "r")
    assert calls["n"] == 4
    state = load_checkpoint(tmp_path / "r" / "checkpoint.pt")
    assert state["epoch"] == 1 and all(torch.isfinite(t).all() for t in state["model"].values() if t.is_floating_point())
    assert json.loads((tmp_path / "r" / runlog.RUN_INFO).read_text())["status"] == "diverged"


def fake_module(monkeypatch, name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    monkeypatch.setitem(sys.modules, name, module)


def test_hessian_every_writes_hessian_csv_without_changing_the_search(tmp_path, monkeypatch):
    calls = []

    def dominant_eigenvalue(loss_fn, params, weight_decay, method):
        loss = loss_fn()
        loss.backward()  # dirties alpha grads and BN buffers: the loop must restore both
        calls.append((len(params), tuple(params[0].shape), weight_decay, method))
        return float(loss.detach()) * 10

    fake_module(monkeypatch, "darts_core.search.hessian", dominant_eigenvalue=dominant_eigenvalue)
    plain = run_search(cfg(epochs=3, seed=1), tmp_path / "plain")
    es = run_search(cfg(epochs=3, seed=1, hessian_every=2, hessian_method="lanczos"), tmp_path / "es")
    hessian = pd.read_csv(es / runlog.HESSIAN)
    assert tuple(hessian.columns) == runlog.HESSIAN_COLUMNS
    assert list(hessian.epoch) == [1, 3]  # RobustDARTS: 0-based epochs 0, 2 (every 2) and the last and (hessian.method == "lanczos").all() and (hessian.eigenvalue > 0).all()
    assert calls == [(1, (6, 5), 0.001, "lanczos")] * 2
    assert not (plain / runlog.HESSIAN).exists()
    pd.testing.assert_frame_equal(pd.read_parquet(es / runlog.ALPHAS), pd.read_parquet(plain / runlog.ALPHAS))


def test_online_stop_is_built_from_the_config(tmp_path, monkeypatch):
    made = []

    def make_online_stop(spec, patience, ops, total_epochs=None):
        made.append((spec, patience, ops, total_epochs))
        return lambda epoch, alphas, hessian=None: f"{spec} met" if epoch == 1 else None

    fake_module(monkeypatch, "darts_core.stops.online", make_online_stop=make_online_stop)
    out = run_search(cfg(epochs=3, online_stop="ss_residual:nor_conv_3x3", online_patience=2,
                         ops=["none", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]), tmp_path / "r")
    assert made == [("ss_residual:nor_conv_3x3", 2, ("none", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"), 3)]
    info = json.loads((out / runlog.RUN_INFO).read_text())
    assert info["stop"]["reason"] == "ss_residual:nor_conv_3x3 met" and info["epochs_done"] == 1
    assert len(pd.read_parquet(out / runlog.ALPHAS)) == 2 * 6 * 4
