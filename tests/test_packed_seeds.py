"""K seeds in one packed search (darts_core.search.packed_loop) equal K separate run_search calls in float64:
alpha logs, metrics, genotypes, Hessian eigenvalues, checkpoints (weights, BN buffers, optimiser states,
stale alpha gradients, RNG) and run.json (apart from `packed_seeds`); packed checkpoints resume as single
runs; what cannot be packed is refused in one line before any work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.search import packed as packed_methods
from darts_core.search.config import resolve_config
from darts_core.search.loop import run_search
from darts_core.search.packed_loop import run_packed_search
from darts_core.search.packing import check_pack, packing_problem

# digits, 3 steps per epoch; a small clip so that it is active on every step (a per-seed norm matters)
TINY = {"dataset": "digits", "channels": 2, "num_cells": 1, "batch_size": 250, "device": "cpu", "grad_clip": 0.05}
TOL = 1e-10


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # supernets and (via the transform's mean) the batches
    yield
    torch.set_default_dtype(old)


def _cfgs(seeds, **kw):
    return [resolve_config({**TINY, **kw, "seed": s}) for s in seeds]


def _close_tensors(a, b, where):
    if torch.is_tensor(a):
        assert a.shape == b.shape and a.dtype == b.dtype, where
        if a.is_floating_point():
            assert (a - b).abs().max().item() <= TOL, where
        else:
            assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            _close_tensors(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close_tensors(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert a == pytest.approx(b, abs=TOL), where
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b, where


def assert_same_run(single, packed, seeds, resumed=None):
    for name in (runlog.ALPHAS,):
        a, b = pd.read_parquet(single / name), pd.read_parquet(packed / name)
        pd.testing.assert_frame_equal(a, b, check_exact=False, atol=TOL, rtol=0)
    for name in (runlog.METRICS, runlog.GENOTYPES):
        a, b = pd.read_csv(single / name), pd.read_csv(packed / name)
        drop = [c for c in ("seconds",) if c in a]
        pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop), check_exact=False, atol=TOL, rtol=0)
    assert sorted(p.name for p in single.iterdir()) == sorted(p.name for p in packed.iterdir())  # same files
    ca, cb = load_checkpoint(single / "checkpoint.pt"), load_checkpoint(packed / "checkpoint.pt")
    cb["record"]["metrics"] = [{**m, "seconds": 0.0} for m in cb["record"]["metrics"]]
    ca["record"]["metrics"] = [{**m, "seconds": 0.0} for m in ca["record"]["metrics"]]
    _close_tensors({k: v for k, v in ca.items() if k != "record"}, {k: v for k, v in cb.items() if k != "record"}, "checkpoint")
    for key in ("metrics", "genotypes", "hessian", "stop"):
        _close_tensors(ca["record"][key], cb["record"][key], f"record.{key}")
    ia, ib = json.loads((single / runlog.RUN_INFO).read_text()), json.loads((packed / runlog.RUN_INFO).read_text())
    assert ib.pop("packed_seeds") == seeds and ib["resumed_after_epoch"] == resumed
    assert ia == {**ib, "resumed_after_epoch": ia["resumed_after_epoch"]}


@pytest.mark.parametrize("method", ["darts-v1", "darts-v2"])
def test_packed_equals_separate_runs_float64(tmp_path, float64, method):
    """3 seeds, a warm-up epoch (V1: train-loss alpha gradients accumulate into the clip), running BN
    statistics, an active clip; V2: the unrolled step with per-seed finite-difference radius."""
    seeds = [0, 3, 7]
    settings = dict(method=method, epochs=2, warmup_epochs=1 if method == "darts-v1" else 0, track_running_stats=True)
    for cfg in _cfgs(seeds, **settings):
        run_search(cfg, tmp_path / f"single{cfg.seed}")
    dirs = [tmp_path / f"packed{s}" for s in seeds]
    run_packed_search(_cfgs(seeds, **settings), dirs)
    for s, d in zip(seeds, dirs):
        assert_same_run(tmp_path / f"single{s}", d, seeds)
    # the seeds really differ (their own initialisation and data order), and the alphas moved
    a = [pd.read_parquet(d / runlog.ALPHAS) for d in dirs]
    assert not np.allclose(a[0].alpha, a[1].alpha)
    assert not np.allclose(a[0].alpha[a[0].epoch == 2], a[0].alpha[a[0].epoch == 0])


def test_packed_hessian_per_seed(tmp_path, float64):
    seeds = [1, 2]
    settings = dict(epochs=1, hessian_every=1)
    for cfg in _cfgs(seeds, **settings):
        run_search(cfg, tmp_path / f"single{cfg.seed}")
    run_packed_search(_cfgs(seeds, **settings), [tmp_path / f"packed{s}" for s in seeds])
    for s in seeds:
        a, b = pd.read_csv(tmp_path / f"single{s}" / runlog.HESSIAN), pd.read_csv(tmp_path / f"packed{s}" / runlog.HESSIAN)
        pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-9, rtol=0)
        assert_same_run(tmp_path / f"single{s}", tmp_path / f"packed{s}", seeds)


def test_killed_packed_run_resumes_packed_or_single(tmp_path, float64, monkeypatch):
    """A packed job killed in epoch 2: its checkpoints are single-run checkpoints (run_search resumes
    them), and a packed job resumes them too; both end equal to uninterrupted separate runs."""
    seeds, settings = [0, 5], dict(epochs=3, method="darts-v2", track_running_stats=True)
    for cfg in _cfgs(seeds, **settings):
        run_search(cfg, tmp_path / f"single{cfg.seed}")
    real, calls = packed_methods.PackedDartsV2.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # second step of epoch 2
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    for name in ("a", "b"):
        calls["n"] = 0
        monkeypatch.setattr(packed_methods.PackedDartsV2, "step", dying_step)
        with pytest.raises(KeyboardInterrupt):
            run_packed_search(_cfgs(seeds, **settings), [tmp_path / f"{name}{s}" for s in seeds])
        monkeypatch.setattr(packed_methods.PackedDartsV2, "step", real)
        assert load_checkpoint(tmp_path / f"{name}{seeds[0]}" / "checkpoint.pt")["epoch"] == 1
    torch.manual_seed(999)  # the resuming process starts from another RNG state
    run_packed_search(_cfgs(seeds, **settings), [tmp_path / f"a{s}" for s in seeds])
    for cfg in _cfgs(seeds, **settings):
        run_search(cfg, tmp_path / f"b{cfg.seed}")
    for s in seeds:
        assert_same_run(tmp_path / f"single{s}", tmp_path / f"a{s}", seeds, resumed=1)
        ia = json.loads((tmp_path / f"single{s}" / runlog.RUN_INFO).read_text())
        ib = json.loads((tmp_path / f"b{s}" / runlog.RUN_INFO).read_text())
        assert ib["resumed_after_epoch"] == 1 and "packed_seeds" not in ib
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"single{s}" / runlog.ALPHAS),
                                      pd.read_parquet(tmp_path / f"b{s}" / runlog.ALPHAS), check_exact=False, atol=TOL, rtol=0)


def test_packed_clip_is_per_seed():
    """Each seed's rows are clipped by that seed's own total norm (clip_grad_norm_ of its own model)."""
    g = torch.Generator().manual_seed(0)
    k, shapes = 3, [(6, 4), (9,), (3, 2, 2)]
    singles = [[(torch.randn(*s, generator=g) * (10.0 ** i)).requires_grad_() for s in shapes] for i in range(k)]
    for ps in singles:
        for p in ps:
            p.grad = p.detach().clone()
    packed = [torch.cat([singles[i][j].detach().reshape(-1) for i in range(k)]).view(k * shapes[j][0], *shapes[j][1:])
              for j in range(len(shapes))]
    packed = [p.requires_grad_() for p in packed]
    for p in packed:
        p.grad = p.detach().clone()
    method = packed_methods.PackedDartsV1.__new__(packed_methods.PackedDartsV1)
    method.k, method.grad_clip = k, 2.0
    method._clip(packed)
    for i, ps in enumerate(singles):
        norm = torch.nn.utils.clip_grad_norm_(ps, 2.0)
        assert norm > 2.0 or i == 0  # seeds 1, 2 are clipped, with different coefficients
        for j, p in enumerate(ps):
            torch.testing.assert_close(packed[j].grad.view(k, -1)[i], p.grad.reshape(-1))


def test_what_cannot_be_packed_is_refused_in_one_line(tmp_path):
    with pytest.raises(DartsCoreError, match=r"^packed search of seeds \[0, 1\]: method gdas has no packed"):
        run_packed_search(_cfgs([0, 1], method="gdas", preset="gdas"), [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(DartsCoreError, match=r"seed 1 has a_lr=0.001, seed 0 a_lr=0.0003; only the seed may differ"):
        check_pack([resolve_config({**TINY, "seed": 0}), resolve_config({**TINY, "seed": 1, "a_lr": 0.001})])
    with pytest.raises(DartsCoreError, match="repeat a seed"):
        check_pack(_cfgs([2, 2]))
    assert "drop_path_prob" in packing_problem(_cfgs([0], drop_path_prob=0.2)[0])
    assert packing_problem(_cfgs([0], method="darts-v2")[0]) is None
    assert not list(tmp_path.iterdir())  # refused before any folder was made


def test_folders_at_different_epochs_are_searched_one_by_one(tmp_path):
    """Seed 0 already searched by a one-seed job: the packed job leaves it as it is and searches seed 1
    alone, as a one-seed job would (its run.json then says nothing of packing)."""
    cfgs = _cfgs([0, 1], epochs=1)
    run_search(cfgs[0], tmp_path / "p0")
    before = (tmp_path / "p0" / runlog.ALPHAS).read_bytes()
    run_search(cfgs[1], tmp_path / "single1")
    run_packed_search(cfgs, [tmp_path / "p0", tmp_path / "p1"])
    assert (tmp_path / "p0" / runlog.ALPHAS).read_bytes() == before
    assert (tmp_path / "p1" / runlog.ALPHAS).read_bytes() == (tmp_path / "single1" / runlog.ALPHAS).read_bytes()
    assert "packed_seeds" not in json.loads((tmp_path / "p1" / runlog.RUN_INFO).read_text())


def test_a_diverged_seed_is_marked_and_named(tmp_path):
    dirs = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(DartsCoreError, match=r"^seed (3|4): (train|valid \(alpha\)) loss is nan: the run diverged in epoch 1; no checkpoint"):
        run_packed_search(_cfgs([3, 4], epochs=1, w_lr=1e12, grad_clip=0.0), dirs)
    status = [json.loads((d / runlog.RUN_INFO).read_text())["status"] for d in dirs]
    assert sorted(status) == ["diverged", "running"]
