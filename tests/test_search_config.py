"""SearchConfig: official defaults, presets (EX-DARTS), validation messages, lr schedule, command line."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.search import cli
from darts_core.search.config import FIELDS, PRESETS, resolve_config
from darts_core.search.schedule import weight_lr
from darts_core.spaces import nb201


def test_defaults_are_the_official_darts_config():
    cfg = resolve_config({})
    # xautodl configs/nas-benchmark/algos/DARTS.config + DARTS-V1.sh
    assert (cfg.epochs, cfg.batch_size, cfg.w_lr, cfg.w_lr_min, cfg.w_lr_schedule) == (50, 64, 0.025, 0.001, "cosine")
    assert (cfg.w_momentum, cfg.w_nesterov, cfg.w_wd, cfg.grad_clip) == (0.9, True, 0.0005, 5.0)
    assert (cfg.a_lr, cfg.a_betas, cfg.a_wd) == (0.0003, (0.5, 0.999), 0.001)
    assert (cfg.channels, cfg.num_cells, cfg.track_running_stats, cfg.ops) == (16, 5, False, nb201.OPS)
    assert cfg.preset == "darts" and cfg.warmup_epochs == 0


def test_ex_darts_preset_resolves_to_exchanged_learning_rates():
    cfg = resolve_config({"preset": "ex-darts", "method": "darts-v1"})
    assert cfg.w_lr == 0.0003 and cfg.w_lr_schedule == "constant" and cfg.a_lr == 0.025
    assert cfg.batch_size == 256 and cfg.a_wd == 0.001 and cfg.epochs == 50
    assert {weight_lr(cfg, e, f) for e in (0, 17, 49) for f in (0.0, 0.5)} == {0.0003}
    exp7 = resolve_config({"preset": "ex-darts", "a_lr": 0.001, "epochs": 500})  # explicit keys win
    assert (exp7.a_lr, exp7.w_lr, exp7.epochs) == (0.001, 0.0003, 500)
    assert {"darts", "ex-darts"} <= set(PRESETS)  # + the other methods (gaea, drnas, gdas, rsps, ...)


def test_ops_subset_keeps_official_order_and_to_dict_round_trips():
    cfg = resolve_config({"ops": ["avg_pool_3x3", "none", "nor_conv_3x3", "nor_conv_1x1"], "dataset": "imagenet16-120"})
    assert cfg.ops == ("none", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3") and cfg.dataset == "ImageNet16-120"
    d = cfg.to_dict()
    assert json.loads(json.dumps(d)) == d and resolve_config(d) == cfg


@pytest.mark.parametrize("settings, message", [
    ({"ops": ["none", "conv_7x7"]}, "unknown NAS-Bench-201 op 'conv_7x7'"),
    ({"dataset": "mnist"}, "dataset 'mnist' is not one of cifar10, cifar100, ImageNet16-120, digits"),
    ({"method": "snas"}, "method 'snas' is not one of darts-v1, darts-v2"),
    ({"w_lr": -0.1}, "w_lr must be > 0.0, got -0.1"),
    ({"a_lr": 0}, "a_lr must be > 0.0, got 0"),
    ({"a_wd": float("nan")}, "a_wd must be a finite number, got nan"),
    ({"epochs": 0}, "epochs must be >= 1, got 0"),
    ({"epochs": 2.5}, "epochs must be an integer, got 2.5"),
    ({"warmup_epochs": 50}, r"warmup_epochs \(50\) must be < epochs \(50"),
    ({"w_lr_schedule": "step"}, "w_lr_schedule 'step' is not one of cosine, constant"),
    ({"preset": "fast"}, "preset 'fast' is not one of darts, ex-darts"),
    ({"lr": 0.1}, "unknown search setting 'lr'"),
    ({"a_betas": [0.5]}, r"a_betas must be two numbers"),
    ({"track_running_stats": "yes"}, "track_running_stats must be true or false"),
    ({"device": "tpu"}, "device 'tpu' is not one of auto, cpu, cuda, cuda:N"),
    ({"space": "nb101"}, "space 'nb101' is not one of"),
])
def test_bad_settings_name_the_key(settings, message):
    with pytest.raises(DartsCoreError, match=message):
        resolve_config(settings)


@pytest.mark.parametrize("warm", [0, 10, 20, 30, 100])
def test_cosine_schedule_matches_xautodl_scheduler_with_warmup(warm, xautodl_optimizers):
    """Against xautodl's own CosineAnnealingLR built as `get_optim_scheduler` builds it from the authors'
    SP-DARTS setup/warmup/DARTS.config{W} (`epochs 50`, `warmup W`, T_max = epochs = 50) and driven as
    DARTS-V1.py drives it for its epochs + warmup epochs (update(epoch, 0), then update(None, it))."""
    optim = xautodl_optimizers
    cfg = resolve_config({"epochs": 50 + warm, "warmup_epochs": warm})
    sgd = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.025)
    sched = optim.CosineAnnealingLR(sgd, warm, 50, 50, 0.001)
    for epoch in range(50 + warm):
        sched.update(epoch, 0.0)
        for frac in (0.0, 0.4):
            sched.update(None, frac)
            assert weight_lr(cfg, epoch, frac) == pytest.approx(sched.get_lr()[0], rel=1e-12, abs=1e-15), epoch
    if warm:  # the authors' scheduler stops its cosine at absolute epoch 50: the rest runs at eta_min
        assert [weight_lr(cfg, e) for e in range(50, 50 + warm)] == [0.001] * warm
    cfg = resolve_config({})
    assert weight_lr(cfg, 25) == pytest.approx(0.001 + 0.024 * (1 + math.cos(math.pi / 2)) / 2)


def parse(argv):
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_every_setting_has_a_command_line_option():
    args = parse(["search", "--out", "x", "--no-w-nesterov", "--ops", "none", "skip_connect", "--a-betas", "0.4", "0.9",
                  "--warmup_epochs", "3", "--w-lr", "0.01", "--online-stop", "final"])
    given = {k: getattr(args, k) for k in FIELDS if getattr(args, k) is not None}
    assert given == {"w_nesterov": False, "ops": ["none", "skip_connect"], "a_betas": [0.4, 0.9], "warmup_epochs": 3,
                     "w_lr": 0.01, "online_stop": "final"}
    assert set(FIELDS) <= set(vars(args))


def test_cli_runs_a_search_with_config_file_and_overrides(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("dataset: digits\nchannels: 2\nnum_cells: 1\nbatch_size: 500\nepochs: 5\npreset: ex-darts\n")
    out = tmp_path / "run"
    args = parse(["search", "--config", str(tmp_path / "s.yaml"), "--epochs", "1", "--seed", "4", "--device", "cpu", "--out", str(out)])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert args.func(args) == 0
    finally:
        torch.set_num_threads(threads)
    info = json.loads((out / runlog.RUN_INFO).read_text())
    assert info["config"]["epochs"] == 1 and info["config"]["batch_size"] == 500 and info["config"]["a_lr"] == 0.025
    assert len(runlog.read_alphas(out / runlog.ALPHAS)) == 2 * 6 * 5
    assert str(out) in capsys.readouterr().out
    (tmp_path / "bad.yaml").write_text("- a list\n")
    with pytest.raises(DartsCoreError, match="bad.yaml must hold a mapping"):
        cli.load_settings(tmp_path / "bad.yaml")


@pytest.mark.parametrize("method, extra", [
    ("setn", ["--setn-select-num", "5", "--setn-eval-batch-size", "100"]),
    ("enas", ["--enas-ctl-train-steps", "2", "--enas-ctl-num-aggregate", "3", "--enas-num-samples", "4",
              "--enas-ctl-betas", "0", "0.999", "--w-lr-t-max", "10"]),
])
def test_cli_one_epoch_search_of_setn_and_enas_writes_the_run_products(tmp_path, method, extra):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / method
    cmd = [sys.executable, "-m", "darts_core", "search", "--preset", method, "--dataset", "digits", "--epochs", "1",
           "--channels", "2", "--num-cells", "1", "--batch-size", "250", "--device", "cpu", "--out", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=repo, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in (runlog.ALPHAS, runlog.METRICS, runlog.GENOTYPES, runlog.RUN_INFO, "checkpoint.pt"):
        assert (out / name).is_file(), name
    info = json.loads((out / runlog.RUN_INFO).read_text())
    assert info["status"] == "finished" and info["config"]["method"] == method and info["epochs_done"] == 1
    assert len(runlog.read_alphas(out / runlog.ALPHAS)) == 2 * 6 * 5
    assert len(pd.read_csv(out / runlog.GENOTYPES)) == 2
