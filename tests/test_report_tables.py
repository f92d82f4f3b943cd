"""darts_core.report.tables and .compare: paper tables from per-run stop accuracies, cited rows marked,
reported versus reproduced with the ±2 std flag."""

import json

import pandas as pd
import pytest

from darts_core.report.compare import compare, reported_variants
from darts_core.report.compare import to_markdown as compare_markdown
from darts_core.report.tables import long_table, to_latex, to_markdown, wide_table, write_table_files

DS = ["cifar10", "cifar100", "ImageNet16-120"]


def _stop_lookup(path, acc, criterion="final", seconds=100.0):
    row = {"criterion": criterion, "epoch": 50, "arch": "|skip_connect~0|", "met": True, "note": ""}
    row.update({f"{d}_{m}": acc for d in DS for m in ("valid", "test")})
    row["search_seconds"] = seconds
    pd.DataFrame([row]).to_csv(path, index=False)
    return str(path)


def _reported():
    rows = []
    for d in DS:
        for m in ("valid", "test"):
            rows.append(dict(table="table1", row="DARTS-V1", variant="", dataset=d, metric=m, mean=54.30, std=0.0))
            rows.append(dict(table="table1", row="SETN", variant="", dataset=d, metric=m, mean=86.19, std=4.63))
            rows.append(dict(table="table1", row="REA", variant="", dataset=d, metric=m, mean=93.92, std=0.30))
            rows.append(dict(table="table3", row="SS-DARTS", variant="w_lr=0.009", dataset=d, metric=m, mean=92.0,
                             std=1.0))
    return pd.DataFrame(rows)


SPEC = {"rows": [{"label": "DARTS-V1", "run": "darts-v1"}, {"label": "SETN", "cited": True},
                 {"label": "REA", "cited": True}]}


def test_long_table_computed_cited_missing(tmp_path):
    runs = {"darts-v1": {0: _stop_lookup(tmp_path / "a.csv", 54.30), 1: _stop_lookup(tmp_path / "b.csv", 54.30),
                         2: str(tmp_path / "absent.csv")}}
    long = long_table("table1", SPEC, [0, 1, 2], DS, runs, reported=_reported())
    v1 = long[(long["row"] == "DARTS-V1") & (long["metric"] == "test") & (long["dataset"] == "cifar10")].iloc[0]
    assert v1["source"] == "computed" and v1["mean"] == pytest.approx(54.30) and v1["std"] == 0.0
    assert v1["n"] == 2 and v1["expected"] == 3 and v1["missing"] == "2"
    setn = long[long["row"] == "SETN"]
    assert (setn["source"] == "cited").all() and len(setn) == 6
    wide = wide_table(long)
    assert wide.loc[wide["Method"] == "DARTS-V1", "n"].item() == "2/3"
    assert wide.loc[wide["Method"] == "DARTS-V1", "missing seeds"].item() == "2"
    assert wide.loc[wide["Method"] == "SETN †", "source"].item() == "cited"
    md = to_markdown(wide, "Table 1")
    assert "SETN †" in md and "54.30 ± 0.00" in md and "† cited" in md
    tex = to_latex(wide, "Table 1", "tab:1")
    assert r"$\pm$" in tex and r"SETN $^\dagger$" in tex and r"\begin{tabular}" in tex


def test_tabular_rows_are_computed_when_present(tmp_path):
    res = {}
    for seed, acc in ((0, 93.5), (1, 94.0)):
        p = tmp_path / f"rea{seed}.json"
        p.write_text(json.dumps({"accuracy": {f"{d}_{m}": acc for d in DS for m in ("valid", "test")}}))
        res[seed] = str(p)
    long = long_table("table1", SPEC, [0], DS, {}, reported=_reported(), tabular={"rea": res})
    rea = long[(long["row"] == "REA") & (long["metric"] == "test") & (long["dataset"] == "cifar10")].iloc[0]
    assert rea["source"] == "tabular" and rea["mean"] == pytest.approx(93.75) and rea["n"] == 2


def test_stop_and_run_list_variants(tmp_path):
    spec = {"rows": [{"label": "SS-DARTS", "run": ["w_lr0.003", "w_lr0.009"], "stop": "ss_residual:nor_conv_3x3"}]}
    runs = {r: {0: _stop_lookup(tmp_path / f"{r}.csv", 92.5, criterion="ss_residual:nor_conv_3x3")}
            for r in ("w_lr0.003", "w_lr0.009")}
    long = long_table("table3", spec, [0], DS, runs, reported=_reported())
    assert set(long["variant"]) == {"w_lr0.003", "w_lr0.009"}
    # a seed whose stops table lacks the criterion counts as missing
    long2 = long_table("table3", {"rows": [{"label": "X", "run": "w_lr0.003", "stop": "darts+_sc:2"}]}, [0], DS, runs,
                       reported=_reported())
    assert (long2["n"] == 0).all() and (long2["missing"] == "0").all()


def test_compare_flags(tmp_path):
    runs = {"darts-v1": {0: _stop_lookup(tmp_path / "a.csv", 54.30)}}
    long = long_table("table1", SPEC, [0], DS, runs, reported=_reported())
    cmp = compare(long, _reported())
    assert set(cmp["row"]) == {"DARTS-V1"}  # cited rows are not compared
    assert cmp["within_2std"].all() and (cmp["difference"].abs() < 1e-9).all()
    # a reproduced value outside mean ± 2 std
    long.loc[long["row"] == "DARTS-V1", ["mean", "std"]] = [60.0, 1.0]
    cmp = compare(long, _reported())
    assert not cmp["within_2std"].any() and cmp["difference"].iloc[0] == pytest.approx(5.7)
    long.loc[long["row"] == "DARTS-V1", ["mean", "std"]] = [56.0, 1.0]  # |1.7| <= 2
    assert compare(long, _reported())["within_2std"].all()
    assert "| DARTS-V1 |" in compare_markdown(compare(long, _reported()))


def test_compare_variants_and_missing_values(tmp_path):
    assert reported_variants("es-w_lr0.015") == ["w_lr=0.015"]
    assert reported_variants("") == ["", "standard-201"]
    spec = {"rows": [{"label": "SS-DARTS", "run": ["w_lr0.009"], "stop": "final"}]}
    long = long_table("table3", spec, [0, 1], DS, {"w_lr0.009": {}}, reported=_reported())
    cmp = compare(long, _reported())
    assert len(cmp) == 6 and cmp["within_2std"].isna().all() and (cmp["missing"] == "0,1").all()


def test_write_files(tmp_path):
    runs = {"darts-v1": {0: _stop_lookup(tmp_path / "a.csv", 54.30)}}
    long = long_table("table1", SPEC, [0], DS, runs, reported=_reported())
    write_table_files(long, tmp_path / "t.csv", tmp_path / "t.md", tmp_path / "t.tex", "Table 1", "tab:t1")
    back = pd.read_csv(tmp_path / "t.csv")
    assert set(back["source"]) == {"computed", "cited"}
    assert (tmp_path / "t.md").read_text().startswith("**Table 1**")


def test_table1_setn_and_enas_rows_are_computed_and_compared_with_the_paper(tmp_path):
    """config.yaml's Table 1 computes SETN and ENAS (no longer cited); compare() puts the paper's numbers
    (darts_core/reported/zhang2021.csv, quoted from NAS-Bench-201) beside ours."""
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
    rows = {r["label"]: r for r in config["tables"]["table1"]["rows"]}
    assert rows["SETN"] == {"label": "SETN", "run": "setn"} and rows["ENAS"] == {"label": "ENAS", "run": "enas"}
    spec = {"rows": [rows["SETN"], rows["ENAS"]]}
    runs = {"setn": {s: _stop_lookup(tmp_path / f"setn{s}.csv", 86.0 + s) for s in range(5)},
            "enas": {s: _stop_lookup(tmp_path / f"enas{s}.csv", 54.30) for s in range(5)}}
    long = long_table("table1", spec, list(range(5)), DS, runs)  # the package's reported numbers
    assert set(long["source"]) == {"computed"}
    cmp = compare(long).set_index(["row", "dataset", "metric"])
    assert cmp.loc[("SETN", "cifar10", "test"), "reported"] == pytest.approx(86.19)
    assert cmp.loc[("SETN", "cifar10", "valid"), "reported_std"] == pytest.approx(5.17)
    assert cmp.loc[("ENAS", "cifar10", "test"), "reported"] == pytest.approx(54.30)
    assert cmp.loc[("ENAS", "cifar10", "test"), "difference"] == pytest.approx(0.0)
    assert cmp.loc[("ENAS", "cifar10", "valid"), "reported"] == pytest.approx(39.77)
    assert cmp.loc[("SETN", "cifar10", "search_seconds"), "reported"] == pytest.approx(31009.81)


def test_protocol_sub_rows_and_a_cited_line_of_one_variant(tmp_path):
    """Table 2's lines under a method: a row's runs as sub-rows named by `variants` (the paper's lines), each
    compared with its own reported line; a cited row with `variant` quotes only that line."""
    from darts_core.report.compare import compare
    from darts_core.report.tables import long_table

    paths = {}
    for run, acc in (("g", 90.0), ("g25", 80.0)):
        path = tmp_path / f"{run}.csv"
        pd.DataFrame({"criterion": ["final"], "epoch": [3], "met": [True], "cifar10_valid": [acc],
                      "cifar10_test": [acc + 1], "search_seconds": [10.0]}).to_csv(path, index=False)
        paths[run] = {0: str(path)}
    spec = {"rows": [{"label": "GAEA-bilevel", "run": ["g", "g25"], "variants": ["standard-201", "standard-201-25-epochs"]},
                     {"label": "DrNAS", "cited": True, "variant": "original-paper"}]}
    long = long_table("table2", spec, [0], ["cifar10"], paths)
    sub = long[(long["row"] == "GAEA-bilevel") & (long["metric"] == "test")]
    assert dict(zip(sub["variant"], sub["mean"])) == {"standard-201": 91.0, "standard-201-25-epochs": 81.0}
    assert set(long.loc[long["row"] == "DrNAS", "variant"]) == {"original-paper"}
    cmp = compare(long)
    test = cmp[(cmp["row"] == "GAEA-bilevel") & (cmp["metric"] == "test") & (cmp["dataset"] == "cifar10")]
    assert dict(zip(test["variant"], test["reported"])) == {"standard-201": 54.30, "standard-201-25-epochs": 83.08}
def _stop_rows(path, rows):
    """A stop_lookup.csv with several criteria: rows of (criterion, met, accuracy)."""
    out = []
    for criterion, met, acc in rows:
        row = {"criterion": criterion, "epoch": 20, "arch": "|skip_connect~0|", "met": met, "note": ""}
        row.update({f"{d}_{m}": acc for d in DS for m in ("valid", "test")}, search_seconds=10.0)
        out.append(row)
    pd.DataFrame(out).to_csv(path, index=False)
    return str(path)


def test_a_stop_that_never_fired_is_marked_and_counted(tmp_path):
    # seed 0: sc_2 fired; seeds 1 and 2: never met, the final epoch's architecture (met False) stands in
    runs = {"ex": {s: _stop_rows(tmp_path / f"s{s}.csv", [("final", True, 90.0), ("darts+_sc:2", s == 0, 91.0)])
                   for s in (0, 1, 2)}}
    spec = {"rows": [{"label": "DARTS+ (sc_2)", "run": "ex", "stop": "darts+_sc:2"},
                     {"label": "EX-DARTS", "run": "ex"}]}
    long = long_table("table2", spec, [0, 1, 2], DS, runs, reported=_reported())
    sc2 = long[long["row"] == "DARTS+ (sc_2)"]
    assert (sc2["fired"] == 1).all() and sc2["note"].str.contains("fired in 1/3 seeds").all()
    assert (long.loc[long["row"] == "EX-DARTS", "fired"] == "").all()
    wide = wide_table(long).set_index("Method")
    assert wide.loc["DARTS+ (sc_2) ‡", "stop fired"] == "1/3"
    assert wide.loc["EX-DARTS", "stop fired"] == ""
    md = to_markdown(wide.reset_index())
    assert "DARTS+ (sc_2) ‡" in md and "‡ the stop criterion did not fire in every seed" in md
    assert r"$^\ddagger$" in to_latex(wide.reset_index())


def test_a_stop_that_fired_everywhere_is_not_marked(tmp_path):
    runs = {"ex": {s: _stop_rows(tmp_path / f"s{s}.csv", [("darts+_sc:2", True, 91.0)]) for s in (0, 1)}}
    spec = {"rows": [{"label": "DARTS+ (sc_2)", "run": "ex", "stop": "darts+_sc:2"}]}
    wide = wide_table(long_table("table2", spec, [0, 1], DS, runs, reported=_reported()))
    assert wide["Method"].tolist() == ["DARTS+ (sc_2)"] and wide["stop fired"].tolist() == ["2/2"]


def test_a_single_seed_prints_no_std(tmp_path):
    runs = {"darts-v1": {0: _stop_lookup(tmp_path / "a.csv", 54.30)}}
    wide = wide_table(long_table("table1", SPEC, [0], DS, runs, reported=_reported())).set_index("Method")
    assert wide.loc["DARTS-V1", "CIFAR-10 test"] == "54.30" and wide.loc["DARTS-V1", "n"] == "1/1"
    assert wide.loc["SETN †", "CIFAR-10 test"] == "86.19 ± 4.63"  # cited: the paper's std stays
    assert "stop fired" not in wide.columns  # no row names a stop


def test_best_reads_each_column_from_its_own_best_row(tmp_path):
    """`stop: best` (Table 3's optimal): a column with a `best:<metric>` row takes that row's value, so two
    columns may come from two epochs; without one, the `best` row's value."""
    from darts_core.report.tables import seed_values

    path = tmp_path / "stop_lookup.csv"
    pd.DataFrame({"criterion": ["final", "best", "best:cifar10_test", "best:cifar100_test"], "epoch": [9, 4, 4, 7],
                  "met": [True] * 4, "cifar10_test": [90.0, 94.0, 94.0, 92.0],
                  "cifar100_test": [60.0, 70.0, 70.0, 73.0], "ImageNet16-120_test": [40.0, 45.0, 45.0, 41.0]}
                 ).to_csv(path, index=False)
    best = seed_values({0: str(path)}, "best", ["cifar10_test", "cifar100_test", "ImageNet16-120_test"]).iloc[0]
    assert (best["cifar10_test"], best["cifar100_test"], best["ImageNet16-120_test"]) == (94.0, 73.0, 45.0)
    final = seed_values({0: str(path)}, "final", ["cifar100_test"]).iloc[0]
    assert final["cifar100_test"] == 60.0
