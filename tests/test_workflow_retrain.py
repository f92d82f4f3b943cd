"""Retraining from scratch (workflow/rules/retrain.smk, Tables 4 and 5): the paper config plans a genotype
pick, GPU retrain jobs with day-long time limits and a tidy summary per (run, criterion); a tiny real run
on digits goes stops.csv -> genotype.json -> results.json -> summary CSV through Snakemake."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from darts_core.study import StudyConfigError, checks, retrain
from workflow_plan import REPO, fake_darts_search, snakemake

SUMMARY_COLUMNS = ["experiment", "run", "criterion", "search_seed", "retrain_seed", "params_m", "test_error",
                   "top1_error", "top5_error"]



@pytest.fixture()
def paper():
    return yaml.safe_load((REPO / "config.yaml").read_text())


# ---- helpers (plain Python) ---------------------------------------------------------------------------


def test_criterion_slugs_are_safe_wildcard_values():
    assert retrain.criterion_slug("ss_residual:sep_conv_5x5") == "ss_residual-sep_conv_5x5"
    assert retrain.criterion_slug("darts+_rt:10") == "dartsplus_rt-10"
    assert retrain.criterion_slug("ss_peak:nor_conv_3x3@normal") == "ss_peak-nor_conv_3x3.normal"
    slugs = retrain.retrain_criteria({"stop_criteria": {"darts": ["darts+_sc:2", "ss_residual:dil_conv_3x3"]}})
    assert slugs == {"final": "final", "dartsplus_sc-2": "darts+_sc:2", "ss_residual-dil_conv_3x3": "ss_residual:dil_conv_3x3"}
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", s) for s in slugs)


def test_paper_retrains_the_table4_and_table5_cells(paper):
    specs = retrain.retrain_specs(checks.check_study(paper))
    cifar = [s for s in specs if s["entry"] == "table4_cifar10" and s["names"]["method"] != "published"]
    imagenet = [s for s in specs if s["entry"] == "table5_imagenet"]
    published = [s for s in specs if s["names"]["method"] == "published"]
    # Table 4's DARTS-V2 row: the published cell trained with the picked cells' protocol and seeds
    assert [(s["entry"], s["names"]["run"], s["names"]["dataset"], s["criterion"]) for s in published] == [
        ("table4_cifar10", "DARTS_V2", "published", "final")]
    assert published[0]["seeds"] == paper["retrain"]["table4_cifar10"]["seeds"]
    table = lambda name: {r["stop"] for r in paper["tables"][name]["rows"] if "stop" in r}  # noqa: E731
    assert {s["criterion"] for s in cifar} == table("table4")
    assert {s["criterion"] for s in imagenet} == table("table5")
    for s in cifar:
        assert s["names"]["space"] == "darts" and s["names"]["protocol"] == "drnas-cifar"
        assert len(s["seeds"]) >= 3
    assert {s["names"]["protocol"] for s in imagenet} == {"drnas-imagenet"}


def test_adding_a_criterion_adds_jobs(paper):
    before = retrain.retrain_summaries(paper, ["table4_cifar10"])
    more = copy.deepcopy(paper)
    more["retrain"]["table4_cifar10"]["criteria"].append("darts+_sc:2")
    after = retrain.retrain_summaries((checks.check_retrain(more) or more), ["table4_cifar10"])
    assert len(after) == len(before) + 1
    (new,) = set(after) - set(before)
    assert new.endswith("/ss-darts/dartsplus_sc-2/cifar10-drnas-cifar.csv")


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("criteria", ["ss_residual:nor_conv_3x3"], "not in stop_criteria.darts"),
        ("experiment", "table1", "NAS-Bench-201"),
        ("search_seeds", [7], "does not search seed 7"),
        ("protocol", "drnas-imagenet", "does not train on 'cifar10'"),
    ],
)
def test_bad_retrain_entries_name_the_key(paper, key, value, words):
    paper["retrain"]["table4_cifar10"][key] = value
    with pytest.raises(StudyConfigError, match=re.escape(words)):
        checks.check_retrain(paper)


# ---- dry run of the paper config ----------------------------------------------------------------------


@pytest.mark.workflow
def test_paper_dag_searches_the_darts_space_then_stops_and_picks_genotypes(paper_plan):
    darts = [j for j in paper_plan if j["rule"] == "search" and j["wildcards"].get("space") == "darts"]
    assert len(darts) == 5 and {j["wildcards"]["run"] for j in darts} == {"ss-darts"}
    stops = [j for j in paper_plan if j["rule"] == "stops" and j["wildcards"].get("space") == "darts"]
    assert len(stops) == 5
    picks = {j["wildcards"]["criterion"] for j in paper_plan if j["rule"] == "genotype"}
    assert picks == {f"ss_residual-{op}" for op in ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")}


@pytest.mark.workflow
def test_paper_retrain_jobs_per_criterion_take_a_gpu_for_over_a_day(paper_plan, paper):
    entry = paper["retrain"]["table4_cifar10"]
    jobs = [j for j in paper_plan if j["rule"] == "retrain" and j["wildcards"]["method"] != "published"]
    per_criterion = {}
    for j in jobs:
        per_criterion.setdefault(j["wildcards"]["criterion"], []).append(j)
        assert j["wildcards"]["protocol"] == "drnas-cifar" and j["wildcards"]["rdataset"] == "cifar10"
        assert j["resources"]["gpu"] == "1"
        assert int(j["resources"]["runtime"]) >= 24 * 60  # 600 epochs: over a day on one GPU
        assert int(j["resources"]["mem_mb"]) >= 8000
        assert j["output"][0].startswith("results/table4/retrain/darts-cifar10/darts-v1/ss-darts/")
    want = len(entry["search_seeds"]) * len(entry["seeds"])
    assert {c: len(v) for c, v in per_criterion.items()} == {
        c.replace(":", "-"): want for c in entry["criteria"]
    }
    baseline = [j for j in paper_plan if j["rule"] == "retrain" and j["wildcards"]["method"] == "published"]
    assert sorted(j["wildcards"]["rseed"] for j in baseline) == [str(r) for r in entry["seeds"]]
    assert all(j["wildcards"]["run"] == "DARTS_V2" and j["resources"]["gpu"] == "1" for j in baseline)
    assert [j["wildcards"]["run"] for j in paper_plan if j["rule"] == "published_genotype"] == ["DARTS_V2"]


@pytest.mark.workflow
def test_paper_imagenet_transfer_is_planned_without_the_folder(paper_plan, paper):
    """Table 5's jobs: the entry's 8 GPUs in one job (DrNAS's train_imagenet.py ran on 8 with DataParallel),
    a time limit within a 2-day partition: the estimate, 1.5 x 250 x 45 / (8 x 0.9) + 10 minutes, fits."""
    jobs = [j for j in paper_plan if j["rule"] == "retrain_imagenet"]
    assert {j["wildcards"]["criterion"] for j in jobs} == {"ss_residual-dil_conv_5x5", "ss_residual-sep_conv_5x5"}
    assert not Path(paper["paths"]["imagenet"]).is_absolute()
    entry = paper["retrain"]["table5_imagenet"]
    assert entry["gpus"] == 8 and entry["max_job_minutes"] == 2 * 24 * 60
    for j in jobs:
        assert j["resources"]["gpu"] == "8"
        assert 24 * 60 <= int(j["resources"]["runtime"]) <= 2 * 24 * 60
        assert int(j["resources"]["runtime"]) == math.ceil(1.5 * 250 * 45 / (8 * 0.9)) + 10  # 2354
        assert j["wildcards"]["protocol"] in ("drnas-imagenet", "darts-imagenet")


def test_a_retraining_longer_than_a_job_is_split_into_resumed_jobs(paper):
    """On one GPU, Table 5's estimate is ~11.7 days: jobs of the 2-day limit, 6 of them end to end, so the
    rule retries 5 times for the time limit plus FAULT_RETRIES; 8 GPUs fit one job (no extra retries)."""
    study = checks.check_study(paper) or paper
    (spec, *_) = [s for s in retrain.retrain_specs(study) if s["entry"] == "table5_imagenet"]
    assert retrain.retrain_chunks(study, spec["names"]) == 1
    assert retrain.retrain_retries(study, ["imagenet"]) is None and retrain.retrain_retries(study, ["cifar10"]) is None
    paper["retrain"]["table5_imagenet"]["gpus"] = 1
    estimate = retrain.retrain_estimate_minutes(paper, spec["names"])
    assert estimate == math.ceil(1.5 * 250 * 45) + 10 and 11.5 < estimate / 60 / 24 < 12  # README's 11.7 days
    assert retrain.retrain_minutes(paper, spec["names"]) == 2880
    assert retrain.retrain_chunks(paper, spec["names"]) == 6
    assert retrain.retrain_retries(paper, ["imagenet"]) == 5 + retrain.FAULT_RETRIES
    assert retrain.retrain_retries(paper, ["cifar10"]) is None  # CIFAR-10's 600 epochs fit 2 days on one GPU


def test_bn_groups_must_split_among_the_entrys_gpus(paper):
    paper["retrain"]["table5_imagenet"]["overrides"] = {"bn_groups": 12}
    with pytest.raises(StudyConfigError, match=re.escape(
            "retrain.table5_imagenet.overrides.bn_groups: 12 BatchNorm groups do not split among the entry's 8 GPUs")):
        checks.check_retrain(paper)
    paper["retrain"]["table5_imagenet"]["overrides"] = {"bn_groups": 16, "amp": "bf16"}
    checks.check_retrain(paper)


@pytest.mark.workflow
def test_the_rule_retries_a_one_gpu_imagenet_job_until_it_ends(paper, tmp_path):
    """Snakemake prints no retries in a dry run: the rules are read through its API."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, ResourceSettings

    paper["retrain"]["table5_imagenet"]["gpus"] = 1
    (tmp_path / "one_gpu.yaml").write_text(yaml.safe_dump(paper))
    with SnakemakeApi() as api:
        wf = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=tmp_path,
                          config_settings=ConfigSettings(configfiles=[tmp_path / "one_gpu.yaml"]))
        rules = {r.name: r for r in wf._workflow.rules}  # noqa: SLF001 (no public accessor of a rule's retries)
        assert rules["retrain_imagenet"]._restart_times == 5 + retrain.FAULT_RETRIES  # noqa: SLF001
        assert rules["retrain"]._restart_times is None  # noqa: SLF001 (the profile's)


@pytest.mark.workflow
def test_paper_table_inputs_are_the_summaries(paper_plan, paper):
    tables = {j["wildcards"]["table"]: j for j in paper_plan if j["rule"] == "table" and j["wildcards"]["table"] in ("table4", "table5")}
    assert sorted(tables) == ["table4", "table5"]
    assert tables["table4"]["output"][0] == "results/tables/table4.csv"
    summaries = [o for j in paper_plan if j["rule"] == "retrain_summary" for o in j["output"]]
    assert sorted(tables["table4"]["input"]) == sorted(s for s in summaries if s.endswith("cifar10-drnas-cifar.csv"))
    assert sorted(tables["table5"]["input"]) == sorted(s for s in summaries if s.endswith("imagenet-drnas-imagenet.csv"))
    default = [e for e, spec in paper["retrain"].items()  # RobustDARTS's optional study: only when asked for
               if not paper["experiments"][spec["experiment"]].get("optional")]
    assert sorted(summaries) == sorted(retrain.retrain_summaries(paper, default))
    assert len([s for s in summaries if s.endswith("cifar10-drnas-cifar.csv")]) == 5  # 4 cells + DARTS-V2
    assert len([s for s in summaries if s.endswith("imagenet-drnas-imagenet.csv")]) == 2


# ---- a tiny real run on digits ------------------------------------------------------------------------

TINY = {
    "study": "tiny-retrain",
    "paths": {"imagenet": "no-such-imagenet"},
    "compute": {"device": "cpu", "gpus_per_search": 0, "threads_per_search": 1, "workers": 0,
                "mem_mb_per_search": 1000, "minutes_per_epoch": {"default": 1}},
    "stop_criteria": {"darts": ["final", "ss_residual:sep_conv_3x3"]},
    "experiments": {"tiny": {"title": "tiny", "paper": "Tables 4-5 in miniature", "space": "darts",
                             "datasets": ["digits"], "seeds": [0],
                             "runs": {"ss-darts": {"method": "darts-v1", "preset": "darts-space", "epochs": 2,
                                                   "channels": 4, "num_cells": 4}}}},
    "retrain": {
        "digits": {"experiment": "tiny", "criteria": ["ss_residual:sep_conv_3x3"], "seeds": [0],
                   "dataset": "digits", "protocol": "demo", "overrides": {"epochs": 1, "layers": 3},
                   "minutes_per_epoch": 1, "gpus": 0, "threads": 1, "mem_mb": 1000},
        "imagenet": {"experiment": "tiny", "criteria": ["ss_residual:sep_conv_3x3"], "seeds": [0],
                     "dataset": "imagenet", "protocol": "darts-imagenet", "gpus": 0, "threads": 1, "mem_mb": 1000},
    },
    "tables": {"table4": {"experiment": "tiny", "paper": "Table 4 in miniature", "retrain": "digits", "rows": [
        {"label": "SS-DARTS-SepConv3", "run": "ss-darts", "stop": "ss_residual:sep_conv_3x3"},
        {"label": "DARTS-V2", "genotype": "DARTS_V2"},
        {"label": "PC-DARTS", "cited": True}]}},
}
RUN = "results/tiny/runs/darts-digits/darts-v1/ss-darts/seed0"
BASE = "results/tiny/retrain/darts-digits/darts-v1/ss-darts/ss_residual-sep_conv_3x3"


@pytest.fixture()
def tiny(tmp_path):
    """A finished (fake) search (workflow_plan.fake_darts_search), so only the retrain rules run."""
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    archs = fake_darts_search(tmp_path / RUN)
    return tmp_path, archs


@pytest.mark.workflow
def test_tiny_retrain_on_digits_writes_the_summary_and_table4(tiny):
    cwd, archs = tiny
    target = f"{BASE}/digits-demo.csv"
    proc = snakemake("--configfile", str(cwd / "tiny.yaml"), "--replace-workflow-config", "--cores", "1",
                     "results/tables/table4.csv", cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "rule search:" not in proc.stderr  # the search was taken as finished
    picked = yaml.safe_load((cwd / BASE / "search0" / "genotype.json").read_text())
    assert picked["epoch"] == 0 and picked["genotype"] == archs[0]
    assert (cwd / BASE / "search0/digits-demo/seed0/metrics.csv").is_file()
    df = pd.read_csv(cwd / target)
    assert list(df.columns[: len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS
    row = df.iloc[0]
    assert (row["experiment"], row["run"], row["criterion"]) == ("tiny", "ss-darts", "ss_residual:sep_conv_3x3")
    assert (row["search_seed"], row["retrain_seed"], row["epochs"], row["stop_epoch"]) == (0, 0, 1, 0)
    assert 0 < row["params_m"] < 1 and 0 <= row["test_error"] <= 100
    assert row["top1_error"] == row["test_error"] and row["top5_error"] <= row["top1_error"]
    assert (row["search_seconds"], row["search_device"]) == (0.0, "cpu")  # picked at epoch 0: no search time yet
    table = pd.read_csv(cwd / "results/tables/table4.csv")
    ours = table[table["row"] == "SS-DARTS-SepConv3"].set_index("metric")
    assert ours.loc["test_error", "mean"] == pytest.approx(row["test_error"])
    assert ours.loc["params_m", "mean"] == pytest.approx(row["params_m"])
    assert set(ours["dataset"]) == {"digits"} and set(ours["source"]) == {"computed"}
    assert set(table.loc[table["row"] == "PC-DARTS", "source"]) == {"cited"}
    assert "PC-DARTS †" in (cwd / "results/tables/table4.md").read_text()
    # the published DARTS-V2 cell, trained under the same entry; no search, so no search cost
    v2 = table[table["row"] == "DARTS-V2"].set_index("metric")
    assert set(v2["source"]) == {"computed"} and "gpu_days" not in v2.index
    base = "results/tiny/retrain/darts-published/published/DARTS_V2/final"
    picked = yaml.safe_load((cwd / base / "search0" / "genotype.json").read_text())
    assert picked["genotype"] == archs[1] and picked["epoch"] is None  # archs[1] is DARTS_V2
    trained = pd.read_csv(cwd / base / "digits-demo.csv")
    assert v2.loc["test_error", "mean"] == pytest.approx(trained["test_error"].mean())
    assert (cwd / "results/tables/table4_vs_paper.md").read_text().count("No computed cell") == 1  # digits


@pytest.mark.workflow
def test_imagenet_job_fails_clearly_without_the_folder(tiny):
    cwd, _ = tiny
    target = f"{BASE}/search0/imagenet-darts-imagenet/seed0/results.json"
    proc = snakemake("--configfile", str(cwd / "tiny.yaml"), "--replace-workflow-config", "--cores", "1",
                     target, cwd=cwd)
    assert proc.returncode != 0
    log = cwd / "results/logs/retrain/tiny/darts-digits/darts-v1/ss-darts/ss_residual-sep_conv_3x3/search0"
    text = (log / "imagenet-darts-imagenet/seed0.log").read_text()
    assert "ImageNet folder no-such-imagenet not found" in text and "paths.imagenet" in text


def test_each_table4_and_table5_row_has_its_summary(paper):
    for table, rdataset, protocol in (("table4", "cifar10", "drnas-cifar"), ("table5", "imagenet", "drnas-imagenet")):
        spec = paper["tables"][table]
        found = retrain.retrain_table_summaries(paper, table)
        for row in spec["rows"]:
            if row.get("cited") or "genotype" in row:
                continue
            slug = row["stop"].replace(":", "-")
            assert found[row["label"]] == [
                f"results/table4/retrain/darts-cifar10/darts-v1/ss-darts/{slug}/{rdataset}-{protocol}.csv"
            ]
    assert retrain.retrain_table_summaries(paper, "table4")["DARTS-V2"] == [
        "results/table4/retrain/darts-published/published/DARTS_V2/final/cifar10-drnas-cifar.csv"]
    # a stop criterion the entry does not train has no summary
    paper["tables"]["table4"]["rows"] = [{"label": "x", "run": "ss-darts", "stop": "final"}]
    assert retrain.retrain_table_summaries(paper, "table4") == {"x": []}


@pytest.mark.parametrize(
    "table, change, words",
    [
        ("table4", {"retrain": "nope"}, "tables.table4.retrain: a darts-space table needs the retrain entry"),
        ("table4", {"retrain": None}, "got None"),
        ("table5", {"rows": [{"label": "x", "run": "ss-darts", "stop": "ss_residual:sep_conv_3x3"}]},
         "tables.table5.rows[0].stop: 'ss_residual:sep_conv_3x3' is not trained by retrain.table5_imagenet"),
        ("table4", {"rows": [{"label": "x", "run": ["ss-darts"], "stop": "ss_residual:sep_conv_3x3"}]},
         "tables.table4.rows[0].run: a darts-space row names one run"),
        ("table1", {"retrain": "table4_cifar10"}, "tables.table1.retrain: NAS-Bench-201 tables are benchmark look-ups"),
        ("table4", {"rows": [{"label": "x", "genotype": "DARTS_V3"}]},
         "tables.table4.rows[0].genotype: 'DARTS_V3' is not a published genotype (DARTS_V1, DARTS_V2"),
    ],
)
def test_bad_retrain_tables_name_the_key(paper, table, change, words):
    spec = paper["tables"][table]
    spec.update(change)
    if spec.get("retrain", "") is None:
        del spec["retrain"]
    with pytest.raises(StudyConfigError, match=re.escape(words)):
        checks.check_study(paper)


def test_a_table_of_retrained_cells_retrains_its_own_experiment(paper):
    paper["experiments"]["other"] = copy.deepcopy(paper["experiments"]["table4"])
    paper["retrain"]["table4_cifar10"]["experiment"] = "other"
    with pytest.raises(StudyConfigError, match=re.escape(
            "tables.table4.retrain: entry 'table4_cifar10' retrains experiment 'other', the table shows 'table4'")):
        checks.check_study(paper)


@pytest.mark.workflow
@pytest.mark.slow
def test_a_two_gpu_entry_runs_torchrun_through_the_rule(tiny):
    """The rule's script starts torchrun with one process per `gpus` (here 2 gloo processes on the CPU) and
    the job ends as a one-process job of the same protocol with 2 BatchNorm groups would."""
    cwd, _ = tiny
    config = copy.deepcopy(TINY)
    config["retrain"]["digits"].update(gpus=2, overrides={"epochs": 1, "layers": 3, "batch_size": 150})
    (cwd / "tiny.yaml").write_text(yaml.safe_dump(config))
    target = f"{BASE}/search0/digits-demo/seed0/results.json"
    proc = snakemake(target, "--configfile", str(cwd / "tiny.yaml"), "--replace-workflow-config", "--cores", "2",
                     "--resources", "gpu=2", cwd=cwd)
    log = cwd / "results/logs/retrain/tiny/darts-digits/darts-v1/ss-darts/ss_residual-sep_conv_3x3/search0/digits-demo/seed0.log"
    assert proc.returncode == 0, proc.stderr[-3000:] + (log.read_text()[-3000:] if log.exists() else "")
    res = yaml.safe_load((cwd / target).read_text())
    assert (res["processes"], res["bn_groups"], res["epochs"]) == (2, 2, 1)
    assert "2 process(es)" in log.read_text() and "epoch 1/1" in log.read_text()

    from darts_core.spaces import darts
    from darts_core.train.protocols import get_protocol
    from darts_core.train.retrain import retrain as train_one

    picked = yaml.safe_load((cwd / BASE / "search0" / "genotype.json").read_text())
    one = train_one(darts.parse_genotype(picked["genotype"]), "digits",
                    get_protocol("demo", epochs=1, layers=3, batch_size=150, bn_groups=2), cwd / "one", seed=0)
    assert one["test_top1"] == pytest.approx(res["test_top1"], rel=1e-6)
    assert pd.read_csv(cwd / BASE / "search0/digits-demo/seed0/metrics.csv")["train_loss"].iloc[0] == pytest.approx(
        pd.read_csv(cwd / "one" / "metrics.csv")["train_loss"].iloc[0], rel=1e-5)
