"""Fig. 6(a) (cells dominated by one op, from the benchmark table) and Fig. 7 (Hessian eigenvalue beside
accuracy) from darts_core.report.figures_extra."""

import numpy as np
import pandas as pd
import pytest

from darts_core.errors import DartsCoreError
from darts_core.report.figures_extra import arch_ops, dominant_op_accuracies, plot_hessian, plot_op_distribution

A_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
A_CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|none~2|"
A_MIX = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|skip_connect~1|none~2|"


def _table():
    rows = []
    for i, (arch, acc) in enumerate(((A_SKIP, 54.3), (A_CONV, 93.5), (A_MIX, 90.0))):
        for ds, m in (("cifar10", "valid"), ("cifar10", "test")):
            rows.append({"index": i, "arch": arch, "dataset": ds, "metric": m, "accuracy": acc})
    return pd.DataFrame(rows)


def test_dominant_ops():
    assert arch_ops(A_SKIP).count("skip_connect") == 4
    df = dominant_op_accuracies(_table())
    assert sorted(df["op"]) == ["nor_conv_3x3", "skip_connect"]  # the mixed cell has no op on >= 4 edges
    assert df.set_index("op").loc["skip_connect", "accuracy"] == 54.3


def test_op_distribution_files(tmp_path):
    png = plot_op_distribution(_table(), tmp_path / "f.png", tmp_path / "f.pdf")
    assert png.stat().st_size > 1000 and (tmp_path / "f.pdf").is_file()


def test_hessian_figure(tmp_path):
    panels = {}
    for run in ("a", "b"):
        panels[run] = {}
        for seed in (0, 1):
            d = tmp_path / run / str(seed)
            d.mkdir(parents=True)
            ep = np.arange(0, 11, 2)
            pd.DataFrame({"epoch": ep, "eigenvalue": 0.1 * ep + seed, "method": "exact"}).to_csv(d / "hessian.csv")
            pd.DataFrame({"epoch": range(11), "cifar10_test": np.linspace(90, 60, 11)}).to_csv(d / "lookup.csv")
            panels[run][seed] = str(d)
    assert plot_hessian(panels, tmp_path / "h.png", tmp_path / "h.pdf", title="t").stat().st_size > 1000
    (tmp_path / "a" / "0" / "hessian.csv").unlink()
    with pytest.raises(DartsCoreError, match="hessian_every"):
        plot_hessian(panels, tmp_path / "h2.png")


def test_magnitude_panels_mark_stops_and_say_their_y_scales_differ(tmp_path, monkeypatch):
    import pandas as pd

    from darts_core.report import figures

    panels = {}
    for run, scale in (("ex-darts", 0.2), ("darts-v1", 0.002)):
        d = tmp_path / run / "seed0"
        d.mkdir(parents=True)
        rows = [{"epoch": e, "cell": "normal", "op": op, "magnitude": 0.2 + sign * scale * e / 4}
                for e in range(5) for op, sign in (("skip_connect", 1), ("nor_conv_3x3", -1))]
        pd.DataFrame(rows).to_csv(d / "magnitudes.csv", index=False)
        pd.DataFrame({"criterion": ["final", "darts+_sc:2", "ss_residual:nor_conv_3x3"], "epoch": [4, 2, 1],
                      "arch": ["a", "b", "c"], "met": [True, run == "ex-darts", True],
                      "note": ["", "", ""]}).to_csv(d / "stops.csv", index=False)
        panels[run] = {0: str(d / "magnitudes.csv")}
    stops = figures.read_stop_epochs(panels)
    # final is not a stop; a criterion that never fired (met False) is not marked
    assert sorted(map(tuple, stops[["run", "criterion", "epoch"]].values.tolist())) == [
        ("darts-v1", "ss_residual:nor_conv_3x3", 1), ("ex-darts", "darts+_sc:2", 2),
        ("ex-darts", "ss_residual:nor_conv_3x3", 1)]
    seen = {}
    monkeypatch.setattr(figures, "finish", lambda fig, *a, **k: seen.setdefault("fig", fig))
    figures.draw_magnitudes(panels, {"title": "t"}, tmp_path / "m.png")
    fig = seen["fig"]
    title = fig.legends[0].get_title().get_text()
    assert "each panel has its own y scale" in title and "stop criterion fired" in title
    top, bottom = fig.axes
    assert sorted(line.get_xdata()[0] for line in top.lines if line.get_linestyle() == ":") == [1, 2]
    assert [t.get_text() for t in bottom.texts] == ["SS"]


def test_op_distribution_grid_by_dataset_and_edges(tmp_path):
    """Fig. 6(a) as the paper describes it: rows per dataset with test accuracies, columns per exact number
    of edges held (4, 5, 6); the real CSV extracts give CIFAR-10, CIFAR-100 and ImageNet16-120 rows."""
    from darts_core.report.figures_extra import plot_op_distribution_grid

    table = _table()
    extra = table[table["metric"] == "test"].assign(dataset="cifar100", accuracy=lambda d: d["accuracy"] - 20)
    table = pd.concat([table, extra], ignore_index=True)
    png = plot_op_distribution_grid(table, tmp_path / "g.png", tmp_path / "g.pdf")
    assert png.stat().st_size > 1000 and (tmp_path / "g.pdf").is_file()
    df = dominant_op_accuracies(table, "cifar100_test")
    assert df.set_index("op").loc["skip_connect", ["edges", "accuracy"]].tolist() == [4, 34.3]
    with pytest.raises(DartsCoreError, match="no test accuracies"):
        plot_op_distribution_grid(table[table["dataset"] == "none"], tmp_path / "x.png")


def test_op_distribution_grid_on_the_real_benchmark(nb201_csv_dir, tmp_path):
    from darts_core.benchmark.table import build_from_csv
    from darts_core.report.figures_extra import plot_op_distribution_grid

    table = build_from_csv(nb201_csv_dir)
    png = plot_op_distribution_grid(table, tmp_path / "fig6a.png")
    assert png.stat().st_size > 20_000
    six = dominant_op_accuracies(table, "cifar10_test")
    assert sorted(six.loc[six["edges"] == 6, "op"]) == sorted(["none", "skip_connect", "nor_conv_1x1",
                                                               "nor_conv_3x3", "avg_pool_3x3"])
