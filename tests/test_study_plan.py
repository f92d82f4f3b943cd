"""The study model (darts_core.study): the dry runs plan the jobs recorded before the architecture change
(tests/data/*_plan.txt; later changes may only add jobs), and `python -m darts_core study --json` lists
every planned search with its resolved settings, their sources and per-epoch learning rates."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from darts_core.search.config import PRESETS, SearchConfig
from darts_core.study import load_study
from darts_core.study.config import read_configs
from darts_core.study.plan import planned_searches
from workflow_plan import REPO, plan_lines, planned_jobs, snakemake


def recorded(name: str) -> list[str]:
    return (REPO / "tests" / "data" / f"{name}_plan.txt").read_text().splitlines()


def only_added_to(recorded_lines: list[str], lines: list[str]) -> list[str]:
    """Recorded jobs the plan no longer has as they were: keyed by their outputs, a job may gain inputs
    (a table reading a new method's searches), never lose one or change its resources."""
    def parse(line):
        outputs, inputs, resources = line.split(" | ")
        return outputs, set(inputs.split()), resources
    now = {}
    for line in lines:
        outputs, inputs, resources = parse(line)
        now[outputs] = (inputs, resources)
    lost = []
    for line in recorded_lines:
        outputs, inputs, resources = parse(line)
        if outputs not in now or not inputs <= now[outputs][0] or resources != now[outputs][1]:
            lost.append(line)
    return lost


@pytest.mark.workflow
def test_paper_dry_run_plans_every_recorded_job(paper_plan):
    lost = only_added_to(recorded("paper"), plan_lines(paper_plan))
    assert not lost, f"{len(lost)} recorded jobs no longer planned as they were, e.g. {lost[0][:300]}"
    assert len(recorded("paper")) == 658


@pytest.mark.workflow
def test_demo_dry_run_plans_every_recorded_job(tmp_path):
    proc = snakemake("-n", "--configfile", str(REPO / "profiles/demo/demo.yaml"), "--replace-workflow-config",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert not only_added_to(recorded("demo"), plan_lines(planned_jobs(proc.stdout)))
    assert len(recorded("demo")) == 72


def test_a_changed_job_is_not_only_added():
    job = "out/a.csv | in/x in/y | gpu=1 runtime=10"
    assert only_added_to([job], [job, "out/b.csv |  | "]) == []
    assert only_added_to([job], ["out/a.csv | in/x in/y in/z | gpu=1 runtime=10"]) == []  # gained an input
    assert only_added_to([job], ["out/a.csv | in/x | gpu=1 runtime=10"]) == [job]  # lost one
    assert only_added_to([job], ["out/a.csv | in/x in/y | gpu=1 runtime=20"]) == [job]  # other resources
    assert only_added_to([job], ["out/c.csv | in/x in/y | gpu=1 runtime=10"]) == [job]  # gone


@pytest.fixture(scope="module")
def paper_searches() -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "darts_core", "study", "--json"], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def by_run(plan, experiment, run, seed=0):
    return next(p for p in plan if (p["experiment"], p["run"], p["seed"]) == (experiment, run, seed))


def test_study_json_lists_every_paper_search_once(paper_searches, paper_plan):
    dirs = [p["dir"] for p in paper_searches]
    planned = [p["dir"] for p in paper_searches if not p["optional"]]
    search_jobs = [j for j in paper_plan if j["rule"] == "search"]
    # the optional setup/4000 experiment, and RobustDARTS's optional study (4 spaces x 8 runs x 3 datasets x 3 seeds)
    assert len(dirs) == len(set(dirs)) == len(planned) + 5 + 288
    assert set(planned) == {j["output"][0].rsplit("/", 1)[0] for j in search_jobs} and len(planned) == 195
    for p in paper_searches:
        assert set(p) == {"experiment", "run", "dataset", "seed", "dir", "settings", "w_lr", "a_lr", "source",
                          "used_by", "optional"}
        assert set(p["settings"]) == {f.name for f in SearchConfig.__dataclass_fields__.values()}
        assert len(p["w_lr"]) == len(p["a_lr"]) == p["settings"]["epochs"]
        assert (p["settings"]["seed"], p["settings"]["dataset"]) == (p["seed"], p["dataset"])


def test_study_json_settings_sources_and_learning_rates(paper_searches):
    v1 = by_run(paper_searches, "table1", "darts-v1")  # NAS-Bench-201's own settings
    assert v1["settings"]["device"] == "cuda" and v1["source"]["device"] == "machine"
    assert (v1["settings"]["batch_size"], v1["settings"]["track_running_stats"]) == (64, False)
    # xautodl's cosine, T_max 50, at each epoch's first step: never quite 0.001
    assert v1["w_lr"][0] == 0.025 and v1["w_lr"][-1] == pytest.approx(0.001 + 0.024 * (1 + math.cos(math.pi * 49 / 50)) / 2)
    assert v1["a_lr"] == [0.0003] * 50 and v1["used_by"] == ["table1/darts-v1"]
    # the exploratory baseline as the authors ran it (SP-DARTS setup/baseline: batch 256, BN=1)
    base = by_run(paper_searches, "exp1_warmup", "baseline")
    assert (base["settings"]["batch_size"], base["settings"]["track_running_stats"]) == (256, True)
    assert base["used_by"] == [f"{e}/baseline" for e in ("exp1_warmup", "exp2_arch_l2", "exp3_pretrain",
                                                          "exp4_arch_lr", "exp6_no_skip")]
    for exp in ("exp1_warmup", "exp2_arch_l2", "exp3_pretrain", "exp4_arch_lr", "exp6_no_skip"):
        assert {p["settings"]["batch_size"] for p in paper_searches if p["experiment"] == exp} == {256}, exp
    long = by_run(paper_searches, "exp7_long", "ex-darts-500")  # setup/enlarge's alpha lr, not the text's
    assert long["a_lr"] == [0.0025] * 500 and long["w_lr"] == [0.0003] * 500

    ex = by_run(paper_searches, "table1", "ex-darts")
    assert ex["w_lr"] == [0.0003] * 50 and ex["a_lr"] == [0.025] * 50
    assert ex["source"]["w_lr"] == "preset" == ex["source"]["a_lr"] and ex["source"]["preset"] == "run"
    assert ex["settings"]["batch_size"] == PRESETS["ex-darts"]["batch_size"]

    warm = by_run(paper_searches, "exp1_warmup", "warmup10")
    assert warm["a_lr"][:10] == [0.0] * 10 and warm["a_lr"][10:] == [0.0003] * 50  # alphas frozen
    assert warm["w_lr"][0] == 0.0 and warm["w_lr"][10] == 0.025 and warm["w_lr"][50:] == [0.001] * 10
    assert warm["source"]["warmup_epochs"] == "run"

    table3 = by_run(paper_searches, "table3", "w_lr0.009")
    assert table3["source"]["a_lr"] == "experiment" and table3["source"]["w_lr"] == "run"

    rsps = by_run(paper_searches, "table1", "rsps")
    assert set(rsps["a_lr"]) == {0.0}  # no architecture parameters
    erm = by_run(paper_searches, "table2", "gaea-erm")
    assert erm["settings"]["search_split"] == "train" and erm["source"]["search_split"] == "derived"


def test_study_text_names_each_search(capsys):
    from darts_core.cli import main

    assert main(["study", "--configfile", str(REPO / "profiles/demo/demo.yaml"), "--replace-workflow-config"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("24 searches\n")  # 20 of the demo, 4 of its optional RobustDARTS miniature
    assert "demo/ex-darts digits seed 0: results/demo/runs/nb201-digits/darts-v1/ex-darts/seed0" in out
    assert "  w_lr = 0.0003  (preset)" in out and "  w_lr per epoch: 0.0003 x20" in out


def test_study_cli_bad_config_is_one_line(tmp_path, capsys):
    from darts_core.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments:\n  table1:\n    runs:\n      darts-v1: {method: darts-v1, w_lr: -1}\n")
    assert main(["study", "--configfile", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: config experiments.table1.runs.darts-v1.w_lr: -1 is less than or equal to the minimum of 0"


def test_read_configs_merges_like_snakemake(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("compute: {device: cpu}\nexperiments: {table1: {seeds: [7]}}\n")
    config = read_configs([mine])
    assert config["compute"]["device"] == "cpu" and config["compute"]["workers"] == 4  # merged, not replaced
    assert config["experiments"]["table1"]["seeds"] == [7] and "runs" in config["experiments"]["table1"]
    plan = planned_searches(load_study(config).config)
    assert {p["run"] for p in plan if p["seed"] == 7} == set(config["experiments"]["table1"]["runs"])
    assert all(p["settings"]["device"] == "cpu" for p in plan)


def test_study_json_warmup_learning_rates_are_xautodls(paper_searches, xautodl_optimizers):
    """Exp.1 and Exp.3 as the authors ran them: xautodl's CosineAnnealingLR built from SP-DARTS
    setup/warmup/DARTS.config{10,20,30,100} (`epochs 50`, `warmup W`, T_max 50, eta_min 0.001), read at each
    epoch's first step as DARTS-V1.py sets it (`update(epoch, 0.0)`)."""
    import torch

    optimizers = xautodl_optimizers
    checked = 0
    for p in paper_searches:
        warm = p["settings"]["warmup_epochs"]
        if p["experiment"] not in ("exp1_warmup", "exp3_pretrain") or not warm:
            continue
        sgd = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.025)
        sched = optimizers.CosineAnnealingLR(sgd, warm, 50, 50, 0.001)
        expected = []
        for epoch in range(p["settings"]["epochs"]):
            sched.update(epoch, 0.0)
            expected.append(sched.get_lr()[0])
        assert p["w_lr"] == pytest.approx(expected, rel=1e-12, abs=1e-15), p["dir"]
        checked += 1
    assert checked == 4 * 5  # W = 10, 20, 30 and 100, five seeds each
