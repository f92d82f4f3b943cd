"""Fig. 6(b) (figure kind `selective_stop`, darts_core.report.figure_stops) and Fig. 2(h)'s aligned epochs
(the figure option `last_epochs`, darts_core.report.figures.align_last), drawn on the real DARTS-PT search
logs of ../shared/data/darts-logs (AsquaredM: NAS-Bench-201, CIFAR-10, seed 0; `shared_data` fixture)
imported as our run products, and on small synthetic runs for what no real log has (a DARTS-ES stop that
fired, several seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.report import figure_stops, figures
from darts_core.report.kinds import figure_kind, resolve
from darts_core.spaces import nb201
from darts_core.stops.criteria import evaluate, write_stops
from darts_core.stops.magnitudes import magnitude_table, magnitudes

ASQ = "darts-logs/AsquaredM/dartspt/experiments/nasbench201"
LOGS = {"darts": f"{ASQ}/search-darts-201-0/log.txt",  # 100 epochs, skip-connect takes over
        "darts-sam": f"{ASQ}/search-darts-201-0-darts-sam/log.txt"}  # 50 epochs, alphas near 0.2
CRITERIA = ["final", "ss_residual:nor_conv_3x3", "ss_peak:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2",
            "darts+_rt:10", "darts_es"]


@pytest.fixture(scope="module")
def real_runs(shared_data, tmp_path_factory):
    """The two AsquaredM NB201 logs imported, with the magnitudes and stops the workflow's rules write."""
    from darts_core.importers import import_log

    root = tmp_path_factory.mktemp("asq")
    dirs = {}
    for name, log in LOGS.items():
        run = root / name
        import_log("darts-pt", shared_data / log, run)
        runlog.write_table(magnitudes(runlog.read_alphas(run / runlog.ALPHAS, nb201.OPS)), run / "magnitudes.csv")
        write_stops(evaluate(run, CRITERIA), run / "stops.csv")
        dirs[name] = run
    return dirs


def _capture(monkeypatch, module):
    """The figure a drawing function builds (its PNG still written by the real `finish`)."""
    seen = {}
    real = module.finish

    def keep(fig, *args, **kwargs):
        seen["fig"] = fig
        seen["png"] = real(fig, *args, **kwargs)
        return seen["png"]

    monkeypatch.setattr(module, "finish", keep)
    return seen


def _stop_lines(ax):
    """{legend text: (x, linestyle)} of the vertical stop lines of a panel (axvline: constant x)."""
    out = {}
    for line in ax.lines:
        x = line.get_xdata()
        if len(x) == 2 and x[0] == x[1] and not line.get_label().startswith("_"):
            out[line.get_label()] = (float(x[0]), line.get_linestyle())
    return out


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_selective_stop_figure_on_real_logs(real_runs, monkeypatch, tmp_path):
    stops = {name: pd.read_csv(run / "stops.csv").set_index("criterion") for name, run in real_runs.items()}
    # the stop epochs the criteria give on these logs (test_import_logs checks the DARTS run's by hand)
    assert stops["darts"].loc[["ss_residual:nor_conv_3x3", "darts+_rt:2", "darts+_rt:10"], "epoch"].tolist() == [1, 9, 32]
    assert stops["darts-sam"].loc[["ss_peak:nor_conv_3x3", "ss_residual:nor_conv_3x3"], "epoch"].tolist() == [4, 19]

    seen = _capture(monkeypatch, figure_stops)
    draw = resolve(figure_kind("selective_stop").draw)
    panels = {name: {0: str(run / "magnitudes.csv")} for name, run in real_runs.items()}
    png = draw(panels, {"title": "Fig. 6(b) on real logs"}, tmp_path / "f6b.png", tmp_path / "f6b.pdf")
    assert png.stat().st_size > 30_000 and (tmp_path / "f6b.pdf").stat().st_size > 5_000
    axes = [ax for ax in seen["fig"].axes if ax.get_legend() is not None]
    assert [ax.get_title(loc="left") for ax in axes] == ["darts (seed 0)", "darts-sam (seed 0)"]
    for ax, name in zip(axes, real_runs):
        lines, texts = _stop_lines(ax), _legend_texts(ax)
        fired = stops[name][stops[name]["met"] & (stops[name].index != "final")]
        # one line per criterion that fired, at its stop epoch: solid for SS, dotted SS-peak, dashed DARTS+
        assert {label.split(":")[0]: x for label, (x, _) in lines.items()} == {
            figure_stops.criterion_label(c): float(e) for c, e in fired["epoch"].items()}
        for label, (_, ls) in lines.items():
            assert ls == {"SS ": "-", "SS-": ":", "DAR": "--"}[label[:3]]
        assert "DARTS-ES: not computable" in texts  # DARTS-PT logs have no Hessian
    assert "DARTS+ rt_10: did not fire" in _legend_texts(axes[1])
    # the star of Eq. 13's stop sits on the 3x3-conv curve at epoch 19 of the SAM run
    conv = magnitude_table(pd.read_csv(real_runs["darts-sam"] / "magnitudes.csv"))["nor_conv_3x3"]
    stars = [(line.get_xdata()[0], line.get_ydata()[0]) for line in axes[1].lines if line.get_marker() == "*"]
    assert (4, pytest.approx(conv.loc[4])) in stars and (19, pytest.approx(conv.loc[19])) in stars
    # DARTS+ stops are triangles under the top edge, each criterion at its own height
    tops = [line.get_ydata()[0] for line in axes[0].lines if line.get_marker() == "v"]
    assert len(tops) == 3 and len(set(tops)) == 3


def test_selective_stop_figure_marks_only_the_chosen_criteria_over_the_last_epochs(real_runs, monkeypatch, tmp_path):
    seen = _capture(monkeypatch, figure_stops)
    panels = {name: {0: str(run / "magnitudes.csv")} for name, run in real_runs.items()}
    spec = {"stops": ["ss_residual:nor_conv_3x3", "darts+_sc:2", "darts_es"], "last_epochs": 40}
    figure_stops.draw_selective_stop(panels, spec, tmp_path / "f.png")
    darts, sam = [ax for ax in seen["fig"].axes if ax.get_legend() is not None]
    assert _legend_texts(darts) == ["SS conv 3×3 (Eq. 13): before the drawn epochs",
                                    "DARTS+ sc_2: before the drawn epochs", "DARTS-ES: not computable"]
    # the SAM run's magnitudes end at epoch 49 (alphas printed at the start of each epoch): epoch 19 -> 10
    assert _stop_lines(sam) == {"SS conv 3×3 (Eq. 13): 10": (10.0, "-")}
    assert sam.get_xlabel() == "joint epoch (the last 40 of each run)"
    assert max(max(line.get_xdata()) for line in darts.lines) == 40


def _synthetic_run(root, seed, es_epoch):
    """A 12-epoch run whose 3x3 conv peaks at epoch 5 and whose DARTS-ES stop fired at `es_epoch`."""
    run = root / f"seed{seed}"
    run.mkdir(parents=True)
    rows = []
    for t in range(13):
        conv = 0.2 + 0.1 * np.exp(-((t - 5) ** 2) / 8)
        skip = 0.2 + 0.02 * t
        rest = (1 - conv - skip) / 3
        rows += [{"epoch": t, "cell": "normal", "op": op, "magnitude": m} for op, m in
                 (("nor_conv_3x3", conv), ("skip_connect", skip), ("none", rest), ("nor_conv_1x1", rest),
                  ("avg_pool_3x3", rest))]
    pd.DataFrame(rows).to_csv(run / "magnitudes.csv", index=False)
    pd.DataFrame({"criterion": ["final", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts_es"],
                  "epoch": [12, 5, pd.NA, es_epoch], "arch": ["a", "b", "a", "c"],
                  "met": [True, True, False, True],
                  "note": ["last epoch of the run", "peaks", "never met, final epoch used", "eigenvalue grew"],
                  }).to_csv(run / "stops.csv", index=False)
    return run / "magnitudes.csv"


def test_a_darts_es_stop_and_the_median_over_seeds(tmp_path, monkeypatch):
    seen = _capture(monkeypatch, figure_stops)
    panels = {"es-run": {0: _synthetic_run(tmp_path, 0, 6), 1: _synthetic_run(tmp_path, 1, 8)}}
    figure_stops.draw_selective_stop(panels, {}, tmp_path / "f.png")
    (ax,) = [a for a in seen["fig"].axes if a.get_legend() is not None]
    assert ax.get_title(loc="left") == "es-run (2 seeds, mean ± std)"
    assert _stop_lines(ax) == {"SS conv 3×3 (Eq. 13): 5 (median, 2/2 seeds)": (5.0, "-"),
                               "DARTS-ES: 7 (median, 2/2 seeds)": (7.0, "-.")}
    assert "DARTS+ sc_2: did not fire" in _legend_texts(ax)
    stars = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines if line.get_marker() == "*"]
    assert stars == [(5, pytest.approx(0.3))]
    (tmp_path / "seed1" / "stops.csv").unlink()
    with pytest.raises(DartsCoreError, match="stops.csv does not exist"):
        figure_stops.draw_selective_stop(panels, {}, tmp_path / "g.png")


def test_fig2h_aligned_accuracy_on_real_logs(real_runs, nb201_csv_dir, monkeypatch, tmp_path):
    """Fig. 2(h)'s alignment: a 100-epoch and a 50-epoch run, each over its last 50 epochs, on one axis
    (joint epoch 0..50); the curves are the NB201 test accuracies of those epochs' architectures."""
    from darts_core.benchmark.lookup import lookup_run
    from darts_core.benchmark.table import build_from_csv

    table = build_from_csv(nb201_csv_dir)
    panels = {}
    for name, run in real_runs.items():
        runlog.write_table(lookup_run(run, table), run / "lookup.csv")
        panels[name] = {0: str(run / "lookup.csv")}
    seen = _capture(monkeypatch, figures)
    draw = resolve(figure_kind("accuracy_curves").draw)
    png = draw(panels, {"title": "2(h)", "last_epochs": 50}, tmp_path / "f2h.png", tmp_path / "f2h.pdf")
    assert png.stat().st_size > 20_000
    (ax,) = seen["fig"].axes
    assert ax.get_xlabel() == "joint epoch (the last 50 of each run)"
    curves = {line.get_label().split(" (")[0]: line for line in ax.lines}
    for name, first in (("darts", 50), ("darts-sam", 0)):  # genotypes.csv: epochs 0..100 and 0..50
        lk = pd.read_csv(real_runs[name] / "lookup.csv").set_index("epoch")
        assert list(curves[name].get_xdata()) == list(range(51))
        np.testing.assert_allclose(curves[name].get_ydata(), lk.loc[first:first + 50, "cifar10_test"])
    assert set(curves["darts"].get_ydata().round(2)) == {54.3}  # all-skip over its last 50 epochs
    with pytest.raises(DartsCoreError, match="run 'darts-sam' seed 0 has 50 epochs, fewer than last_epochs 60"):
        draw(panels, {"last_epochs": 60}, tmp_path / "x.png")


def test_align_last_shifts_the_stops_with_the_curves():
    df = pd.DataFrame({"run": ["a"] * 11 + ["b"] * 6, "seed": 0, "epoch": list(range(11)) + list(range(6))})
    stops = pd.DataFrame({"run": ["a", "a", "b", "b"], "seed": 0, "epoch": [2, 8, 3, np.nan]})
    cut, moved = figures.align_last(df, 5, stops)
    assert cut.groupby("run")["epoch"].agg(["min", "max"]).values.tolist() == [[0, 5], [0, 5]]
    assert len(cut) == 12  # epochs 5..10 of a, 0..5 of b
    # a: offset 5 (epoch 2 falls before the window), b: offset 0; a stop without an epoch is kept
    assert moved["epoch"].tolist()[:2] == [3, 3] and moved["epoch"].isna().tolist() == [False, False, True]
    assert figures.align_last(df, None, stops)[1] is stops
