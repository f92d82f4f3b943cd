"""darts_core.report.figures: the magnitude and accuracy figures are drawn from tidy per-run tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darts_core.errors import DartsCoreError
from darts_core.report.figures import plot_accuracy_curves, plot_magnitudes, read_panels
from darts_core.report.kinds import FIGURE_KINDS, figure_kind, resolve

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def magnitudes(seed: int, epochs: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(epochs + 1):
        w = rng.dirichlet(np.ones(len(OPS)))
        rows += [dict(epoch=t, cell="normal", op=op, magnitude=m) for op, m in zip(OPS, w)]
    return pd.DataFrame(rows)


def test_read_panels_adds_run_and_seed(tmp_path):
    panels = {}
    for run in ("a", "b"):
        panels[run] = {}
        for seed in (0, 1):
            path = tmp_path / f"{run}{seed}.csv"
            magnitudes(seed).to_csv(path, index=False)
            panels[run][seed] = path
    df = read_panels(panels)
    assert set(df["run"]) == {"a", "b"} and set(df["seed"]) == {0, 1}
    assert len(df) == 4 * 11 * len(OPS)
    with pytest.raises(DartsCoreError, match="run 'c' has no searches"):
        read_panels({"c": {}})


def test_magnitude_figure_files(tmp_path):
    df = pd.concat([magnitudes(s).assign(seed=s, run=r) for s in range(3) for r in ("ex-darts", "darts-v1")])
    png = plot_magnitudes(df, tmp_path / "m.png", tmp_path / "m.pdf", title="t")
    assert png.stat().st_size > 10_000 and (tmp_path / "m.pdf").stat().st_size > 5_000
    plot_magnitudes(df[df["run"] == "ex-darts"].drop(columns="run"), tmp_path / "one.png")  # one panel
    with pytest.raises(DartsCoreError, match="no rows for cell 'reduce'"):
        plot_magnitudes(df, tmp_path / "x.png", cell="reduce")
    with pytest.raises(DartsCoreError, match="missing column"):
        plot_magnitudes(df.drop(columns="seed"), tmp_path / "x.png")


def test_accuracy_figure_files(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        [
            dict(run=run, seed=s, epoch=t, cifar10_test=90 - k * t / 5 + rng.normal(), cifar100_valid=np.nan)
            for k, run in enumerate(("baseline", "a_lr0.003"))
            for s in range(3)
            for t in range(21)
        ]
    )
    png = plot_accuracy_curves(df, "cifar10_test", tmp_path / "a.png", tmp_path / "a.pdf", title="t")
    assert png.stat().st_size > 10_000 and (tmp_path / "a.pdf").is_file()
    with pytest.raises(DartsCoreError, match="no cifar100_valid accuracies"):
        plot_accuracy_curves(df, "cifar100_valid", tmp_path / "b.png")


def test_figure_kinds_draw_through_one_signature(tmp_path):
    path = tmp_path / "m0.csv"
    magnitudes(0).to_csv(path, index=False)
    draw = resolve(figure_kind("magnitudes").draw)
    assert draw({"r": {0: path}}, {"title": "t"}, tmp_path / "f.png", tmp_path / "f.pdf").is_file()
    assert (tmp_path / "f.pdf").stat().st_size > 1000
    for kind in FIGURE_KINDS.values():  # every kind's drawing function exists and has a caption
        assert callable(resolve(kind.draw)) and kind.caption
    with pytest.raises(DartsCoreError, match="unknown figure kind 'histogram'; kinds: magnitudes, accuracy_curves"):
        figure_kind("histogram")
