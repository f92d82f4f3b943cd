"""Dry runs of the real Snakefile: the paper config plans the searches of Tables 1 and 2 (CIFAR-10,
5 seeds, one GPU each); a bad config stops Snakemake before any job, naming the key."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from darts_core.study.searches import study_runs
from workflow_plan import REPO, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


def searches(plan, experiment, **match):
    return [
        j["wildcards"]
        for j in plan
        if j["rule"] == "search"
        and j["wildcards"]["experiment"] == experiment
        and all(j["wildcards"][k] == v for k, v in match.items())
    ]


@pytest.mark.parametrize(
    "experiment, runs",
    [
        (
            "table1",
            {("darts-v1", "darts-v1"), ("darts-v2", "darts-v2"), ("darts-v1", "ex-darts"), ("rsps", "rsps"),
             ("gdas", "gdas"), ("setn", "setn"), ("enas", "enas")},
        ),
        (
            "table2",
            {
                ("darts-v1", "ss-darts"),
                ("darts-v1", "darts-es"),
                ("drnas", "drnas"),
                ("drnas", "drnas-progressive"),
                ("gaea", "gaea-bilevel"),
                ("gaea", "gaea-erm"),
                ("gaea", "ex-gaea-bilevel"),
                ("gaea", "ex-gaea-erm"),
                ("gaea", "gaea-bilevel-25"),
                ("gaea", "gaea-bilevel-no-none"),
                ("gaea", "gaea-erm-25"),
                ("gaea", "gaea-erm-no-none"),
            },
        ),
    ],
)
def test_paper_plans_the_tables_searches_on_cifar10_with_5_seeds(paper_plan, experiment, runs):
    found = searches(paper_plan, experiment, space="nb201", dataset="cifar10")
    per_run = Counter((w["method"], w["run"]) for w in found)
    assert set(per_run) == runs
    assert all(n == 5 for n in per_run.values()), per_run
    for run in runs:
        seeds = {w["seed"] for w in found if (w["method"], w["run"]) == run}
        assert seeds == {"0", "1", "2", "3", "4"}


def test_every_table_has_all_its_searches(paper_plan):
    """Each table's runs (reused ones at their home, cited ones excepted) x datasets x seeds are planned
    (the tables of optional experiments, RobustDARTS's, are built on request: their dry run is in
    tests/test_rdarts_study.py)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    planned = {
        (w["experiment"], w["space"], w["dataset"], w["method"], w["run"], int(w["seed"]))
        for j in paper_plan
        if j["rule"] == "search"
        for w in [j["wildcards"]]
    }
    for table in config["tables"].values():
        if config["experiments"][table["experiment"]].get("optional"):
            continue
        wanted = {
            (r["home"].split("/")[0], r["space"], r["dataset"], r["method"], r["home"].split("/")[1], r["seed"])
            for r in study_runs(config, [table["experiment"]])
            if not r["cited"]
        }
        assert wanted <= planned, sorted(wanted - planned)[:3]


def test_every_search_takes_one_gpu_and_has_a_time_limit(paper_plan):
    jobs = [j for j in paper_plan if j["rule"] == "search"]
    assert len(jobs) == 195  # 175, DrNAS progressive's 5, Exp.8's 15
    assert all(j["resources"].get("gpu") == "1" for j in jobs)
    assert all(int(j["resources"]["runtime"]) > 0 for j in jobs)


def test_cited_runs_make_no_jobs_and_every_search_gets_magnitudes(paper_plan):
    rules = Counter(j["rule"] for j in paper_plan)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    cited = {(e, r) for e, exp in config["experiments"].items() for r, spec in exp["runs"].items()
             if spec.get("status") == "cited"}
    assert not any((j["wildcards"].get("experiment"), j["wildcards"].get("run")) in cited for j in paper_plan)
    assert sum(j["rule"] == "search" and j["wildcards"]["method"] == "rsps" for j in paper_plan) == 5  # Table 1
    for method in ("setn", "enas"):  # Table 1's SETN and ENAS rows are computed, no longer cited
        assert sum(j["rule"] == "search" and j["wildcards"]["method"] == method for j in paper_plan) == 5
    rows = {r["label"]: r for r in config["tables"]["table1"]["rows"]}
    assert not rows["SETN"].get("cited") and not rows["ENAS"].get("cited")
    assert rules["magnitudes"] == rules["stops"] == rules["search"]
    assert rules["manifest"] == 14  # one per experiment (Exp.8: one per NAS-Bench-1Shot1 space)
    assert rules["benchmark_table"] == rules["nb101_table"] == 1
    # 8 accuracy-curve (Fig. 2(h) aligned), 2 magnitude, Fig. 6(b)'s selective stop, the Hessian figure, Fig. 6(a),
    # Fig. 4 (a)-(f) (Exp.8)
    assert rules["figure"] == 19
    assert rules["table"] == 5  # Tables 1-3 (look-ups), 4-5 (retrained cells)


def test_demo_plan_runs_on_the_cpu(tmp_path):
    # the profile is quiet about jobs (`quiet: [rules, host]`); `--quiet progress` lists them again
    proc = snakemake("-n", "--profile", str(REPO / "profiles" / "demo"), "--quiet", "progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    jobs = planned_jobs(proc.stdout)
    found = [j for j in jobs if j["rule"] == "search"]
    assert {(j["wildcards"]["run"], j["wildcards"]["seed"]) for j in found} == {
        (run, seed) for run in ("darts-v1", "ex-darts") for seed in "012"
    } | {(run, "0") for run in ("gaea", "gaea-erm", "drnas", "gdas", "rsps", "setn", "enas", "darts-es",
                                            "ss-darts", "gaea-5", "gaea-no-none", "gaea-erm-5", "gaea-erm-no-none",
                                            "darts")}  # the last: NAS-Bench-1Shot1 space 1
    assert all(j["resources"].get("gpu", "0") == "0" for j in found)
    assert sorted(j["wildcards"]["figure"] for j in jobs if j["rule"] == "figure") == [
        "demo_aligned", "demo_hessian", "demo_magnitudes", "demo_methods_magnitudes", "demo_nb1shot1_magnitudes",
        "demo_selective_stop"]
    # Table 4 in miniature: one DARTS-space search, two picked cells, each trained with two seeds
    assert [j["wildcards"]["space"] for j in found if j["wildcards"]["run"] == "ss-darts"] == ["darts"]
    retrain = [j for j in jobs if j["rule"] == "retrain"]
    assert sorted((j["wildcards"]["criterion"], j["wildcards"]["rseed"]) for j in retrain) == [
        ("final", "0"), ("final", "1")] + [  # the published DARTS-V2 cell
        (f"ss_residual-{op}", r) for op in ("dil_conv_3x3", "sep_conv_3x3") for r in "01"]
    assert all(j["resources"].get("gpu") == "0" and j["wildcards"]["protocol"] == "demo" for j in retrain)
    assert sorted(j["wildcards"]["table"] for j in jobs if j["rule"] == "table") == [
        "table1", "table2", "table2_methods", "table4", "table_nb1shot1"]


@pytest.mark.parametrize(
    "old, new, words",
    [
        (
            "      darts-v2:\n        method: darts-v2\n",
            "      darts-v2:\n        method: darts_v2\n",
            ["config experiments.table1.runs.darts-v2.method: 'darts_v2' is not one of ['darts-v1'"],
        ),
        (
            "        a_lr: 0.001\n        w_lr: 0.003\n        batch_size: 256\n",
            "        a_lr: 0.001\n        w_lr: -0.003\n        batch_size: 256\n",
            ["config experiments.table2.runs.ss-darts.w_lr: -0.003 is less than or equal to the minimum of 0"],
        ),
    ],
    ids=["misspelled-method", "negative-lr"],
)
def test_bad_config_stops_before_any_job(tmp_path, old, new, words):
    text = (REPO / "config.yaml").read_text()
    assert text.count(old) == 1
    bad = tmp_path / "config.yaml"
    bad.write_text(text.replace(old, new))
    proc = snakemake("--cores", "1", "--configfile", str(bad), cwd=tmp_path)  # a real run, not -n
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for word in words:
        assert word in out, out
    assert "rule search" not in out and "Building DAG" not in out
    assert not (tmp_path / "results").exists()


def test_the_demo_writes_apart_from_the_paper(tmp_path):
    """The demo profile's working directory is the demo study's name: its results/ never mix with the
    paper's (whose paths, recorded in tests/data/paper_plan.txt, stay as they are)."""
    profile = yaml.safe_load((REPO / "profiles/demo/profile.yaml").read_text())
    study = yaml.safe_load((REPO / "profiles/demo/demo.yaml").read_text())["study"]
    assert profile["directory"] == study == "cpu-demo"
    import subprocess

    from workflow_plan import SNAKEMAKE

    proc = subprocess.run([SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "-n", "--profile",
                           str(REPO / "profiles" / "demo")], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert (tmp_path / "cpu-demo" / ".snakemake").is_dir() and not (tmp_path / ".snakemake").exists()
