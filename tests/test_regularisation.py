"""R-DARTS regularisation (automl/RobustDARTS): the weight-decay grid, ScheduledDropPath p * e / (epochs - 1)
and scheduled cutout (only with drop path), on the NB201 and DARTS-space supernets, usable with every
gradient method; the DARTS-space spaces of darts_core.spaces and the `darts-space` preset."""

from __future__ import annotations

import pytest
import torch

from darts_core import runlog
from darts_core.data.transforms import BatchTransform, cutout_mask
from darts_core.errors import DartsCoreError
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search import regularisation
from darts_core.search.config import resolve_config
from darts_core.search.loop import run_search
from darts_core.spaces import SPACES, get_space


def test_grids_and_schedules():
    assert regularisation.WEIGHT_DECAY_GRID == (3e-4, 9e-4, 27e-4, 81e-4, 243e-4)  # 3e-4 x 3^k to max_weight_decay
    assert regularisation.DROP_PATH_GRID == (0.0, 0.2, 0.4, 0.6)
    cfg = resolve_config({"drop_path_prob": 0.6, "epochs": 50})
    assert [regularisation.drop_path_prob(cfg, e) for e in (0, 1, 49)] == pytest.approx([0.0, 0.6 / 49, 0.6])
    assert [regularisation.cutout_prob(cfg, e) for e in (0, 49)] == pytest.approx([0.0, 1.0])
    off = resolve_config({"drop_path_prob": 0.0})
    assert regularisation.cutout_prob(off, 49) == 0.0  # args.py: no drop path -> no cutout
    with pytest.raises(DartsCoreError, match="drop_path_prob must be < 1.0"):
        resolve_config({"drop_path_prob": 1.0})


def test_cutout_mask_by_hand():
    gen = torch.Generator().manual_seed(5)
    with torch.random.fork_rng(devices=[]):
        mask = cutout_mask(3, 8, 8, 4, 1.0, gen)
    replay = torch.Generator().manual_seed(5)
    apply = torch.rand(3, generator=replay) < 1.0
    cy, cx = torch.randint(0, 8, (3,), generator=replay), torch.randint(0, 8, (3,), generator=replay)
    for k in range(3):
        want = torch.ones(8, 8)
        y1, y2 = max(int(cy[k]) - 2, 0), min(int(cy[k]) + 2, 8)
        x1, x2 = max(int(cx[k]) - 2, 0), min(int(cx[k]) + 2, 8)
        want[y1:y2, x1:x2] = 0.0  # RobustDARTS Cutout: [y - L/2, y + L/2) clipped
        assert bool(apply[k]) and torch.equal(mask[k, 0], want)
    assert torch.equal(cutout_mask(4, 8, 8, 4, 0.0, gen), torch.ones(4, 1, 8, 8))
    tf = BatchTransform((0.0,) * 3, (255.0,) * 3, cutout=4, cutout_prob=1.0)  # normalise to [0, 1], then cut
    x = tf(torch.full((2, 3, 8, 8), 255, dtype=torch.uint8), torch.Generator().manual_seed(0))
    assert set(x.unique().tolist()) == {0.0, 1.0} and (x == 0).all(dim=1).any()


def test_drop_path_on_nb201_edges_in_training_only():
    torch.manual_seed(0)
    model = NB201Supernet(10, channels=4, num_cells=1)
    x = torch.randn(16, 3, 8, 8)
    model.eval()
    ref = model(x)
    model.drop_path_prob = 0.5
    assert torch.equal(model(x), ref)  # eval: no drop path
    model.train()
    torch.manual_seed(1)
    a = model(x)
    model.drop_path_prob = 0.0
    torch.manual_seed(1)
    b = model(x)
    assert not torch.allclose(a, b)


def test_begin_epoch_sets_drop_path_and_cutout():
    from darts_core.data.loaders import search_loaders

    cfg = resolve_config({"dataset": "digits", "drop_path_prob": 0.4, "epochs": 5, "cutout_length": 4, "cutout_prob": 0.5})
    search, _, _, _ = search_loaders("digits", "data", 64, 0, 0)
    model = NB201Supernet(10, channels=4, num_cells=1)
    info = regularisation.begin_epoch(cfg, model, search, 2)
    assert model.drop_path_prob == pytest.approx(0.2) and info["cutout_prob"] == pytest.approx(0.25)
    tf = search.batches.transform
    assert (tf.cutout, tf.cutout_prob) == (4, pytest.approx(0.25))
    regularisation.begin_epoch(cfg, model, search, 0)
    assert search.batches.transform.cutout == 0 and model.drop_path_prob == 0.0


@pytest.mark.parametrize("preset", ["darts", "gaea", "drnas", "gdas"])
def test_every_gradient_method_runs_with_drop_path_and_weight_decay(tmp_path, preset):
    method = {"darts": "darts-v2"}.get(preset, preset)
    cfg = resolve_config({"preset": preset, "method": method, "dataset": "digits", "epochs": 2, "channels": 4,
                          "num_cells": 1, "batch_size": 256, "device": "cpu", "drop_path_prob": 0.4,
                          "cutout_length": 4, "w_wd": regularisation.WEIGHT_DECAY_GRID[2]})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]


def test_darts_space_registered_with_its_preset(tmp_path):
    assert {"darts", "s1", "s2", "s3", "s4"} <= set(SPACES)
    cfg = resolve_config({"preset": "darts-space"})
    assert (cfg.space, cfg.w_wd, cfg.w_nesterov, cfg.num_cells, cfg.channels, cfg.search_split, cfg.epochs) == \
        ("darts", 3e-4, False, 8, 16, "darts", 50)
    assert resolve_config({"preset": "darts-space", "space": "darts-s3"}).space == "s3"
    net = get_space("s2").build_supernet(resolve_config({"preset": "darts-space", "space": "s2", "channels": 2,
                                                         "num_cells": 3}), 10, (3, 8, 8))
    assert net.alphas_normal.shape == (14, 2)  # S2: skip_connect, sep_conv_3x3
    # the schedule reaches the DARTS-space supernet's drop path
    from darts_core.data.loaders import search_loaders

    sched = resolve_config({"preset": "darts-space", "space": "s2", "drop_path_prob": 0.2, "epochs": 3})
    regularisation.begin_epoch(sched, net, search_loaders("digits", "data", 64, 0, 0)[0], 2)
    assert net.drop_path_prob == pytest.approx(0.2)
    # a real (tiny) search in the DARTS space from the registry and the preset
    cfg = resolve_config({"preset": "darts-space", "dataset": "digits", "epochs": 1, "channels": 2, "num_cells": 3,
                          "batch_size": 750, "device": "cpu"})
    out = run_search(cfg, tmp_path / "run")
    alphas = runlog.read_alphas(out / runlog.ALPHAS)
    assert set(alphas["cell"]) == {"normal", "reduce"} and alphas["epoch"].max() == 1


@pytest.mark.parametrize("preset", ["gaea", "drnas", "gdas", "rsps"])
def test_killed_run_resumes_to_identical_alphas(tmp_path, monkeypatch, preset):
    """Kill in epoch 2 after the checkpoint of epoch 1, restart from another RNG state: the same products
    as an uninterrupted run (EG state in log p, Dirichlet/Gumbel/path draws, GDAS's tau, RSPS's pick and
    the drop-path/cutout schedules are all restored or functions of the epoch)."""
    import json

    import pandas as pd

    from darts_core.checkpoint import load_checkpoint
    from darts_core.methods import method_class

    settings = {"preset": preset, "dataset": "digits", "epochs": 3, "channels": 2, "num_cells": 1, "batch_size": 250,
                "device": "cpu", "seed": 3, "drop_path_prob": 0.3, "cutout_length": 4, "rsps_select_num": 5,
                "rsps_eval_batch_size": 100}
    whole = run_search(resolve_config(settings), tmp_path / "whole")
    cls = method_class(preset)
    real, calls = cls.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # second step of epoch 2 (3 steps per epoch)
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(cls, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_search(resolve_config(settings), tmp_path / "killed")
    assert load_checkpoint(tmp_path / "killed" / "checkpoint.pt")["epoch"] == 1
    monkeypatch.setattr(cls, "step", real)
    torch.manual_seed(999)
    resumed = run_search(resolve_config(settings), tmp_path / "killed")
    assert (resumed / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    pd.testing.assert_frame_equal(pd.read_csv(resumed / runlog.METRICS).drop(columns=["seconds"]),
                                  pd.read_csv(whole / runlog.METRICS).drop(columns=["seconds"]))
    assert json.loads((resumed / runlog.RUN_INFO).read_text())["resumed_after_epoch"] == 1
