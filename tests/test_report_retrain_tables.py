"""Tables 4 and 5 from retrain summaries (darts_core.report.retrain_tables): hand-computed means over
(search seed, retrain seed) pairs, missing pairs named, search cost in GPU days, cited rows marked, and
the reported-vs-reproduced comparison on the paper's own cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darts_core.report.compare import compare
from darts_core.report.tables import write_table_files
from darts_core.report.retrain_tables import (
    retrain_long_table,
    retrain_wide_table,
    table_metrics,
)

SPEC4 = {"experiment": "table4", "paper": "Table 4", "rows": [
    {"label": "SS-DARTS-SepConv5", "run": "ss-darts", "stop": "ss_residual:sep_conv_5x5"},
    {"label": "SS-DARTS-SepConv3", "run": "ss-darts", "stop": "ss_residual:sep_conv_3x3"},
    {"label": "DARTS-V2", "cited": True},
]}


def summary(path, rows, dataset="cifar10"):
    df = pd.DataFrame([{"experiment": "table4", "run": "ss-darts", "criterion": "c", "search_seed": s,
                        "retrain_seed": r, "params_m": p, "test_error": e, "top1_error": e, "top5_error": e5,
                        "dataset": dataset, "protocol": "drnas-cifar", "epochs": 600, "stop_epoch": 7,
                        "met": True, "genotype": "g", "search_seconds": sec, "search_device": "cuda"}
                       for s, r, p, e, e5, sec in rows])
    df.to_csv(path, index=False)
    return str(path)


def test_metrics_follow_the_papers_columns():
    assert table_metrics("cifar10") == ("test_error", "params_m", "gpu_days")
    assert table_metrics("imagenet") == ("top1_error", "top5_error", "params_m", "gpu_days")


def test_table4_rows_are_means_over_retrain_seeds_with_missing_pairs_named(tmp_path):
    a = summary(tmp_path / "a.csv", [(0, 0, 3.5, 2.50, 0.1, 8640.0), (0, 1, 3.5, 2.60, 0.1, 8640.0),
                                     (0, 2, 3.5, 2.51, 0.1, 8640.0)])
    b = summary(tmp_path / "b.csv", [(0, 0, 2.8, 2.70, 0.2, 4320.0), (0, 2, 2.8, float("nan"), 0.2, 4320.0)])
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [a], "SS-DARTS-SepConv3": [b]},
                              "cifar10", [0], [0, 1, 2])
    cell = long[(long["row"] == "SS-DARTS-SepConv5") & (long["metric"] == "test_error")].iloc[0]
    assert cell["mean"] == pytest.approx(np.mean([2.50, 2.60, 2.51]))
    assert cell["std"] == pytest.approx(np.std([2.50, 2.60, 2.51]))  # ddof 0, as the NB201 tables
    assert (cell["n"], cell["expected"], cell["missing"], cell["source"]) == (3, 3, "", "computed")
    cost = long[(long["row"] == "SS-DARTS-SepConv5") & (long["metric"] == "gpu_days")].iloc[0]
    assert cost["mean"] == pytest.approx(0.1) and "cuda" in cost["note"]
    sep3 = long[(long["row"] == "SS-DARTS-SepConv3") & (long["metric"] == "test_error")].iloc[0]
    assert (sep3["mean"], sep3["n"], sep3["missing"]) == (2.70, 1, "search0/seed1,search0/seed2")
    cited = long[long["row"] == "DARTS-V2"]
    assert set(cited["source"]) == {"cited"}
    assert set(cited["metric"]) == {"params_m", "test_error"}
    assert cited.loc[cited["metric"] == "test_error", "mean"].iloc[0] == pytest.approx(2.76)

    wide = retrain_wide_table(long)
    assert list(wide.columns) == ["Method", "Test error (%)", "Params (M)", "Search cost (GPU days)", "n",
                                  "missing seeds", "source"]
    first = wide.iloc[0]
    assert first["Test error (%)"] == f"{np.mean([2.50, 2.60, 2.51]):.2f} ± {np.std([2.50, 2.60, 2.51]):.2f}"
    assert (first["Params (M)"], first["n"]) == ("3.50", "3/3")
    assert wide.iloc[1]["missing seeds"] == "search0/seed1,search0/seed2"
    assert wide.iloc[2]["Method"] == "DARTS-V2 †" and wide.iloc[2]["n"] == "cited"


def test_compare_sets_the_papers_cells_beside_ours(tmp_path):
    a = summary(tmp_path / "a.csv", [(0, 0, 3.52, 2.50, 0.1, 100.0), (0, 1, 3.52, 2.58, 0.1, 100.0)])
    b = summary(tmp_path / "b.csv", [(0, 0, 3.30, 3.40, 0.2, 100.0)])
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [a], "SS-DARTS-SepConv3": [b]},
                              "cifar10", [0], [0, 1])
    cmp = compare(long).set_index(["row", "metric"])
    sep5 = cmp.loc[("SS-DARTS-SepConv5", "test_error")]
    assert (sep5["reported"], sep5["reported_std"]) == (2.54, 0.06)
    assert sep5["difference"] == pytest.approx(0.0) and bool(sep5["within_2std"])
    # params printed with one decimal: 3.52 rounds to the paper's 3.5
    assert bool(cmp.loc[("SS-DARTS-SepConv5", "params_m"), "within_2std"])
    assert not bool(cmp.loc[("SS-DARTS-SepConv3", "params_m"), "within_2std"])  # 3.3 vs 2.8
    assert cmp.loc[("SS-DARTS-SepConv3", "test_error"), "difference"] == pytest.approx(3.40 - 2.73)
    assert "DARTS-V2" not in cmp.index.get_level_values("row")  # cited rows are not compared


def test_table5_columns_and_files(tmp_path):
    spec = {"experiment": "table4", "rows": [
        {"label": "SS-DARTS-DilConv5", "run": "ss-darts", "stop": "ss_residual:dil_conv_5x5"},
        {"label": "GDAS", "cited": True}]}
    a = summary(tmp_path / "a.csv", [(0, 0, 3.9, 26.0, 8.4, 25920.0)], dataset="imagenet")
    long = retrain_long_table("table5", spec, {"SS-DARTS-DilConv5": [a]}, "imagenet", [0], [0])
    paths = [tmp_path / f"t.{e}" for e in ("csv", "md", "tex")]
    wide = write_table_files(long, *paths, title="Table 5", label="tab:table5", wide=retrain_wide_table)
    assert list(wide.columns[:5]) == ["Method", "Top-1 error (%)", "Top-5 error (%)", "Params (M)",
                                      "Search cost (GPU days)"]
    assert wide.iloc[0]["Search cost (GPU days)"] == "0.30"
    assert wide.iloc[1]["Top-1 error (%)"] == "26.00"  # GDAS, cited
    md = paths[1].read_text()
    assert "GDAS †" in md and "cited: the paper's number" in md
    assert r"$^\dagger$" in paths[2].read_text()
    cmp = compare(long).set_index("metric")
    assert cmp.loc["top1_error", "reported"] == 26.2 and bool(cmp.loc["top1_error", "within_2std"]) is False
    assert cmp.loc["top5_error", "difference"] == pytest.approx(8.4 - 8.3)


def test_small_params_and_costs_keep_two_significant_digits(tmp_path):
    a = summary(tmp_path / "a.csv", [(0, 0, 0.012398, 6.7, 0.0, 36.0)], dataset="digits")
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [a]}, "digits", [0], [0])
    first = retrain_wide_table(long.assign(note=long["note"].str.replace("on cuda", "on cpu")))
    assert (first.iloc[0]["Params (M), digits"], first.iloc[0]["Search cost (CPU days), digits"]) == ("0.012",
                                                                                                   "0.00042")


def test_cited_rows_of_another_dataset_get_their_own_columns(tmp_path):
    a = summary(tmp_path / "a.csv", [(0, 0, 0.012, 6.7, 0.0, 36.0)], dataset="digits")
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [a]}, "digits", [0], [0])
    wide = retrain_wide_table(long).set_index("Method")
    # the paper's CIFAR-10 DARTS-V2 (2.76 ± 0.09) is not in the digits column, and the demo's cell not in CIFAR's
    assert wide.loc["DARTS-V2 †", "Test error (%), CIFAR-10"] == "2.76 ± 0.09"
    assert wide.loc["DARTS-V2 †", "Test error (%), digits"] == "-"
    # a single (search seed, retrain seed) pair: no "± 0.00", n says 1/1
    assert wide.loc["SS-DARTS-SepConv5", "Test error (%), digits"] == "6.70"
    assert wide.loc["SS-DARTS-SepConv5", "Test error (%), CIFAR-10"] == "-"
    assert wide.loc["SS-DARTS-SepConv5", "n"] == "1/1"


def test_a_row_without_any_trained_cell_is_missing_not_dropped(tmp_path):
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [], "SS-DARTS-SepConv3": []},
                              "cifar10", [0, 1], [0])
    err = long[(long["row"] == "SS-DARTS-SepConv5") & (long["metric"] == "test_error")].iloc[0]
    assert err["n"] == 0 and np.isnan(err["mean"])
    assert err["missing"] == "search0/seed0,search1/seed0"
    assert retrain_wide_table(long).iloc[0]["Test error (%)"] == "-"


def test_a_published_cell_trained_here_is_computed_without_search_cost(tmp_path):
    spec = {"experiment": "table4", "rows": [{"label": "DARTS-V2", "genotype": "DARTS_V2"}]}
    a = summary(tmp_path / "a.csv", [(0, 0, 3.35, 2.70, 0.1, float("nan")), (0, 1, 3.35, 2.86, 0.1, float("nan"))])
    long = retrain_long_table("table4", spec, {"DARTS-V2": [a]}, "cifar10", [0, 1, 2], [0, 1])
    assert sorted(long["metric"]) == ["params_m", "test_error"]  # no search, no search cost
    err = long.set_index("metric").loc["test_error"]
    # one cell, whatever the entry's search seeds: the pairs are (0, retrain seed)
    assert (err["n"], err["expected"], err["source"]) == (2, 2, "computed") and "published genotype" in err["note"]
    cmp = compare(long).set_index("metric")
    assert cmp.loc["test_error", "reported"] == 2.76 and bool(cmp.loc["test_error", "within_2std"])


def test_a_stop_that_did_not_fire_in_every_search_is_marked_not_shown_as_a_stop(tmp_path):
    """stops.csv met=False (the criterion never fired; the final-epoch cell was trained instead) reaches
    the table: the row carries the fallback mark, `stop fired` says in how many searches it fired, the
    long note says what the others trained."""
    p = summary(tmp_path / "a.csv", [(1, 0, 0.5, 3.0, 1.0, 10.0), (2, 0, 0.5, 4.0, 1.0, 10.0), (3, 0, 0.5, 5.0, 1.0, 10.0)])
    df = pd.read_csv(p)
    df.loc[df["search_seed"] == 2, "met"] = False
    df.to_csv(p, index=False)
    q = summary(tmp_path / "b.csv", [(1, 0, 0.5, 3.0, 1.0, 10.0), (2, 0, 0.5, 4.0, 1.0, 10.0), (3, 0, 0.5, 5.0, 1.0, 10.0)])
    long = retrain_long_table("table4", SPEC4, {"SS-DARTS-SepConv5": [p], "SS-DARTS-SepConv3": [q]}, "cifar10",
                              [1, 2, 3], [0], reported=pd.DataFrame(columns=["table", "row", "variant", "dataset",
                                                                             "metric", "mean", "std"]))
    err = long[(long["metric"] == "test_error") & (long["source"] == "computed")].set_index("row")
    assert err.loc["SS-DARTS-SepConv5", "fired"] == "2/3"
    assert "stop fired in 2/3 searches, the others trained the final-epoch cell" in err.loc["SS-DARTS-SepConv5", "note"]
    assert err.loc["SS-DARTS-SepConv3", "fired"] in ("", None) or pd.isna(err.loc["SS-DARTS-SepConv3", "fired"])
    wide = retrain_wide_table(long).set_index("Method")
    assert wide.loc["SS-DARTS-SepConv5 ‡", "stop fired"] == "2/3"
    from darts_core.report.stats import DDOF

    # still the mean over all pairs
    assert wide.loc["SS-DARTS-SepConv5 ‡", "Test error (%)"] == f"4.00 ± {np.std([3.0, 4.0, 5.0], ddof=DDOF):.2f}"
    assert "SS-DARTS-SepConv3" in wide.index and wide.loc["SS-DARTS-SepConv3", "stop fired"] == ""
    md = tmp_path / "t.md"
    write_table_files(long, tmp_path / "t.csv", md, tmp_path / "t.tex", wide=retrain_wide_table)
    assert "‡ the stop criterion did not fire in every seed" in md.read_text()
