"""The study's searches (darts_core.study.searches, .products, .checks): experiments -> search jobs, their
settings and directories, the figures' panels, the cross-checks."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from darts_core import layout
from darts_core.methods import METHODS
from darts_core.spaces import SPACES
from darts_core.study import StudyConfigError, checks, products, searches

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def paper():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_table1_runs_seven_methods_on_cifar10_five_seeds(paper):
    dirs = searches.run_dirs(paper, ["table1"])
    assert len(dirs) == 7 * 5
    assert "results/table1/runs/nb201-cifar10/darts-v1/ex-darts/seed4" in dirs
    assert "results/table1/runs/nb201-cifar10/darts-v2/darts-v2/seed0" in dirs
    rsps = [r for r in searches.study_runs(paper, ["table1"]) if r["run"] == "rsps"]
    assert len(rsps) == 5 and not any(r["cited"] for r in rsps)  # computed since RSPS is implemented
    assert "results/table1/runs/nb201-cifar10/gdas/gdas/seed2" in dirs
    for method in ("setn", "enas"):  # computed since SETN and ENAS are implemented
        runs = [r for r in searches.study_runs(paper, ["table1"]) if r["run"] == method]
        assert len(runs) == 5 and not any(r["cited"] for r in runs)
        assert f"results/table1/runs/nb201-cifar10/{method}/{method}/seed4" in dirs


def test_reuse_points_at_the_home_searches(paper):
    assert searches.run_dirs(paper, ["exp5_ex_darts"]) == [
        d for d in searches.run_dirs(paper, ["table1"]) if "/ex-darts/" in d
    ]
    baseline = [r for r in searches.study_runs(paper, ["exp4_arch_lr"]) if r["run"] == "baseline"]
    assert {r["home"] for r in baseline} == {"exp1_warmup/baseline"}
    # every distinct search once: reused runs add no directories
    everything = searches.run_dirs(paper)
    # the optional setup/4000 experiment included; 185 since Table 2 runs DrNAS progressive (5 seeds), 200
    # with Exp.8's 15 NAS-Bench-1Shot1 searches; and RobustDARTS's optional study (4 x 8 x 3 x 3 = 288)
    assert len(everything) == len(set(everything)) == 200 + 288
    assert len(searches.run_dirs(paper, searches.default_experiments(paper))) == 195


def test_settings_merge_experiment_then_run(paper):
    assert searches.run_settings(paper, "table3", "w_lr0.009") == {
        "preset": "ex-darts",
        "a_lr": 0.001,
        "w_lr": 0.009,
        "batch_size": 256,
    }
    cfg = searches.search_mapping(paper, "table2", "darts-es", "cifar10", "3")
    assert cfg == {
        "space": "nb201",
        "dataset": "cifar10",
        "method": "darts-v1",
        "seed": 3,
        "preset": "ex-darts",
        "epochs": 50,
        "a_lr": 0.001,
        "w_lr": 0.003,
        "batch_size": 128,
        "hessian_every": 2,
    }
    # a reused run searches with its home's settings
    assert searches.search_mapping(paper, "exp5_ex_darts", "ex-darts", "cifar10", 0) == searches.search_mapping(
        paper, "table1", "ex-darts", "cifar10", 0
    )


def test_run_directories_match_the_wildcard_constraints(paper):
    pattern = layout.RUN_DIR
    for name, regex in layout.NAME_PATTERNS.items():
        pattern = pattern.replace("{" + name + "}", f"(?P<{name}>{regex})")
    for d in searches.run_dirs(paper):
        m = re.fullmatch(pattern, d)
        assert m, d


def test_search_time_limit_scales_with_epochs_method_and_space(paper):
    assert searches.search_minutes(paper, "table1", "darts-v2", 50) == int(1.5 * 50 * 12) + 10
    assert searches.search_minutes(paper, "exp7_long", "ex-darts-500", 500) == int(1.5 * 500 * 4) + 10
    assert searches.search_minutes(paper, "table4", "ss-darts", 50) == int(1.5 * 50 * 15) + 10  # darts space


def test_every_search_resolves_before_any_job(paper, monkeypatch):
    import darts_core.search.config as search_config

    resolved = searches.resolved_searches(paper)
    # one per (experiment, run, dataset), optional ones included (RobustDARTS: 4 spaces x 8 runs x 3 datasets)
    assert len(resolved) == 200 // 5 + 96
    assert (resolved["table1", "enas", "cifar10"].w_lr_t_max, resolved["table1", "setn", "cifar10"].grad_clip) == (10, 0.0)
    assert resolved["exp7_long", "ex-darts-500", "cifar10"].epochs == 500
    drnas = resolved["table2", "drnas", "cifar10"]
    assert (drnas.epochs, drnas.batch_size) == (50, 256)  # the table's 50 epochs beat the preset's 100
    progressive = resolved["table2", "drnas-progressive", "cifar10"]  # DrNAS's own protocol: its defaults
    assert (progressive.drnas_progressive, progressive.epochs, progressive.batch_size) == (True, 100, 64)
    assert (progressive.drnas_stage_epochs, progressive.drnas_partial_channels, progressive.drnas_keep_ops) == \
        ((50, 50), (4, 2), (5, 3))
    assert resolved["table2", "gaea-erm", "cifar10"].search_split == "train"

    resolve = search_config.resolve_config

    def refuse(mapping):
        if mapping.get("a_wd") == 0.01:
            raise ValueError("a_wd too large")
        return resolve(mapping)

    monkeypatch.setattr(search_config, "resolve_config", refuse)
    with pytest.raises(StudyConfigError, match=r"experiments\.exp2_arch_l2\.runs\.a_wd0\.01 \(cifar10\): a_wd"):
        searches.resolved_searches(paper)


def test_targets_are_manifests_figures_tables_and_retrain_summaries(paper):
    targets = products.targets(paper)
    assert "results/table1/runs.csv" in targets and "results/exp7_long/runs.csv" in targets
    assert "results/figures/fig3d_magnitudes.png" in targets
    assert "results/figures/fig3d_magnitudes.pdf" in targets
    assert "results/figures/fig3a_arch_lr.png" in targets  # accuracy curves: NAS-Bench-201 look-ups
    assert "results/figures/fig7_hessian.pdf" in targets and "results/figures/fig6a_op_distribution.png" in targets
    assert "results/tables/table4_vs_paper.md" in targets
    assert len(targets) == len(set(targets))


def test_a_figure_takes_runs_of_several_experiments_and_some_seeds(paper):
    """Fig. 2(h): Exp.1's runs and Exp.3's pre-trained run in one figure, over their last 50 epochs;
    Fig. 6(b): one seed of two Table 2 runs."""
    panels = products.figure_panels(paper, "fig2h_aligned")
    assert list(panels) == ["baseline", "warmup10", "warmup20", "warmup30", "pretrain100"]
    assert panels["pretrain100"][3] == "results/exp3_pretrain/runs/nb201-cifar10/darts-v1/pretrain100/seed3/lookup.csv"
    assert sorted(panels["warmup30"]) == [0, 1, 2, 3, 4]
    assert products.figure_experiments(paper, "fig2h_aligned") == ["exp1_warmup", "exp3_pretrain"]
    params = products.figure_params(paper, "fig2h_aligned")
    assert params["spec"]["last_epochs"] == 50 and "Epochs aligned (the paper's Fig. 2(h))" in params["caption"]
    stops = products.figure_panels(paper, "fig6b_selective_stop")
    assert stops == {run: {0: f"results/table2/runs/nb201-cifar10/darts-v1/{run}/seed0/magnitudes.csv"}
                     for run in ("ss-darts", "darts-es")}
    assert products.figure_inputs(paper, "fig6b_selective_stop") == [
        f"results/table2/runs/nb201-cifar10/darts-v1/{run}/seed0/{name}"
        for run in ("ss-darts", "darts-es") for name in ("magnitudes.csv", "stops.csv")]
    targets = products.targets(paper)
    assert {"results/figures/fig2h_aligned.png", "results/figures/fig6b_selective_stop.pdf"} <= set(targets)
    # a figure is a default target only when every experiment it draws from is one
    optional = copy.deepcopy(paper)
    optional["experiments"]["exp3_pretrain"]["optional"] = True
    assert "results/figures/fig2h_aligned.png" not in products.targets(optional)


def test_last_epochs_longer_than_a_run_fails_before_any_job():
    from darts_core.study import load_study

    demo = yaml.safe_load((REPO / "profiles" / "demo" / "demo.yaml").read_text())
    demo["figures"]["demo_aligned"]["last_epochs"] = 15
    with pytest.raises(StudyConfigError, match=r"figures\.demo_aligned\.last_epochs: 15, but run "
                                                r"demo_methods/darts-es searches 10 epochs \(runs\[1\]\)"):
        load_study(demo)


def test_figure_panels_per_run_and_seed(paper):
    panels = products.figure_panels(paper, "fig3d_magnitudes")
    assert list(panels) == ["ex-darts"]
    assert sorted(panels["ex-darts"]) == [0, 1, 2, 3, 4]
    assert panels["ex-darts"][2] == "results/table1/runs/nb201-cifar10/darts-v1/ex-darts/seed2/magnitudes.csv"
    curves = products.figure_panels(paper, "fig3c_no_skip")
    assert list(curves) == ["baseline", "no-skip"]
    assert curves["baseline"][0] == "results/exp1_warmup/runs/nb201-cifar10/darts-v1/baseline/seed0/lookup.csv"
    assert curves["no-skip"][4] == "results/exp6_no_skip/runs/nb201-cifar10/darts-v1/no-skip/seed4/lookup.csv"


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda c: c["experiments"]["exp4_arch_lr"]["runs"]["baseline"].update(reuse="table1/darts-v3"),
            "experiments.exp4_arch_lr.runs.baseline.reuse: experiment 'table1' has no run 'darts-v3'",
        ),
        (
            lambda c: c["experiments"]["exp5_ex_darts"]["runs"]["ex-darts"].update(reuse="nope/ex-darts"),
            "experiments.exp5_ex_darts.runs.ex-darts.reuse: no experiment 'nope'",
        ),
        (
            lambda c: c["experiments"]["table1"]["runs"]["gdas"].update(method="snas"),
            "experiments.table1.runs.gdas.method: 'snas' is not implemented",
        ),
        (
            lambda c: c["experiments"]["exp6_no_skip"].update(space="s9"),
            "experiments.exp6_no_skip.space: 's9' is not implemented",
        ),
        (
            lambda c: c["figures"]["fig3d_magnitudes"].update(runs=["ex_darts"]),
            "figures.fig3d_magnitudes.runs[0]: experiment 'exp5_ex_darts' has no run 'ex_darts'",
        ),
        # runs of other experiments (`experiment/run`, Fig. 2(h)) and the figure options (Fig. 6(b))
        (
            lambda c: c["figures"]["fig2h_aligned"]["runs"].append("exp3_pretrain/pretrain50"),
            "figures.fig2h_aligned.runs[5]: experiment 'exp3_pretrain' has no run 'pretrain50'",
        ),
        (
            lambda c: c["figures"]["fig2h_aligned"]["runs"].append("exp9/pretrain100"),
            "figures.fig2h_aligned.runs[5]: no experiment 'exp9'",
        ),
        (
            lambda c: c["figures"]["fig2h_aligned"]["runs"].append("exp3_pretrain/baseline"),
            "figures.fig2h_aligned.runs[5]: a second run named 'baseline' (runs[0])",
        ),
        (
            lambda c: c["figures"]["fig2h_aligned"]["runs"].append("table4/ss-darts"),
            "figures.fig2h_aligned.runs[5]: experiment 'table4' searches the darts space",
        ),
        (
            lambda c: c["figures"]["fig6b_selective_stop"].update(seeds=[0, 7]),
            "figures.fig6b_selective_stop.seeds: experiment 'table2' does not search seed(s) 7",
        ),
        (
            lambda c: c["figures"]["fig6b_selective_stop"]["stops"].append("darts+_sc:5"),
            "figures.fig6b_selective_stop.stops[5]: 'darts+_sc:5' is not a stop criterion of stop_criteria.nb201",
        ),
        (
            lambda c: c["figures"]["fig3d_magnitudes"].update(stops=["darts+_sc:2"]),
            "figures.fig3d_magnitudes.stops: kind magnitudes does not take it (takes: last_epochs, seeds)",
        ),
        (
            lambda c: c["figures"]["fig7_hessian"].update(last_epochs=10),
            "figures.fig7_hessian.last_epochs: kind hessian does not take it (takes: seeds)",
        ),
        (
            lambda c: c["tables"]["table3"]["rows"][0].update(run=["w_lr0.003", "w_lr0.01"]),
            "tables.table3.rows[0].run: experiment 'table3' has no run 'w_lr0.01'",
        ),
        (
            lambda c: c["tables"]["table2"]["rows"][1].update(stop="darts+_sc:5"),
            "tables.table2.rows[1].stop: 'darts+_sc:5' is not in stop_criteria.nb201",
        ),
        (
            lambda c: c["figures"]["fig5_magnitudes"].update(dataset="cifar100"),
            "figures.fig5_magnitudes.dataset: 'cifar100' is not searched by exp7_long",
        ),
    ],
)
def test_cross_references_fail_naming_the_key(paper, edit, message):
    bad = copy.deepcopy(paper)
    edit(bad)
    with pytest.raises(StudyConfigError) as err:
        checks.check_study(bad)
    assert message in str(err.value)


def test_paper_and_demo_configs_pass_the_cross_checks(paper):
    checks.check_study(paper)
    demo = yaml.safe_load((REPO / "profiles" / "demo" / "demo.yaml").read_text())
    checks.check_study(demo)
    # demo: 2 runs x 3 seeds; demo_methods: 8 runs (SETN, ENAS, DARTS-ES too) and Table 2's 4 GAEA protocol
    # sub-rows x 1 seed; demo_darts: 1 DARTS-space search; demo_nb1shot1: 1; the optional demo_rdarts: 2 runs
    # x 2 seeds
    assert len(searches.run_dirs(demo)) == 6 + 8 + 4 + 1 + 1 + 4
    assert len(searches.run_dirs(demo, searches.default_experiments(demo))) == 6 + 8 + 4 + 1 + 1


def test_name_regex_matches_only_the_names():
    assert re.fullmatch(products.name_regex(["a_b", "c"]), "a_b")
    assert not re.fullmatch(products.name_regex(["a_b", "c"]), "a_bc")
    assert not re.fullmatch(products.name_regex([]), "")


def test_registry_names_are_what_the_workflow_checks():
    assert {"darts-v1", "darts-v2", "gaea", "drnas"} <= set(METHODS) and {"nb201", "darts"} <= set(SPACES)


def test_manifest_waits_for_magnitudes_and_stops_of_every_search(paper):
    products = searches.experiment_products(paper, "exp5_ex_darts")
    assert len(products) == 2 * 5
    assert "results/table1/runs/nb201-cifar10/darts-v1/ex-darts/seed0/stops.csv" in products


def test_an_optional_experiment_is_planned_but_not_a_default_target(paper):
    targets = products.targets(paper)
    assert "results/exp_setup4000/runs.csv" not in targets and "results/exp7_long/runs.csv" in targets
    assert "exp_setup4000" not in searches.default_experiments(paper)
    dirs = searches.run_dirs(paper, ["exp_setup4000"])  # still a search the workflow can build on request
    assert dirs == [f"results/exp_setup4000/runs/nb201-cifar10/darts-v1/setup4000/seed{s}" for s in range(5)]


def test_a_yaml_merge_is_overridden_not_a_duplicate_key(tmp_path):
    """config.yaml shares settings with anchors (`<<: *gaea_release`) and overrides some of them: the strict
    reader takes the override (as YAML does), and still refuses a key written twice."""
    from darts_core.study.config import load_yaml_strictly

    path = tmp_path / "m.yaml"
    path.write_text("x: &x {a: 1, b: 2}\ny: {<<: *x, b: 3}\n")
    assert load_yaml_strictly(path) == {"x": {"a": 1, "b": 2}, "y": {"a": 1, "b": 3}}
    path.write_text("y: {<<: {a: 1}, b: 3, b: 4}\n")
    with pytest.raises(StudyConfigError, match="line 1, column 23: duplicate key 'b'"):
        load_yaml_strictly(path)
