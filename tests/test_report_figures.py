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
