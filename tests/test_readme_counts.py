"""The numbers README.md gives for the paper's dry run are the dry run's: the job count without and with
the optional `bohb` extra, and the searches."""

from __future__ import annotations

import re

import pytest

from darts_core.study import load_study
from darts_core.study.config import read_configs
from darts_core.study.products import HAVE_BOHB
from workflow_plan import REPO

pytestmark = pytest.mark.workflow


def readme_counts() -> tuple[int, int, int]:
    text = " ".join((REPO / "README.md").read_text().split())
    m = re.search(r"`snakemake -n` lists what would run: (\d+) jobs for the paper without the optional `bohb` "
                  r"extra, (\d+) with it .*?among them (\d+) searches", text)
    assert m, "README's dry-run sentence changed: update this test with it"
    return tuple(int(g) for g in m.groups())


def bohb_jobs() -> int:
    """Tabular BOHB jobs a table asks for when hpbandster is installed (one job runs all of its runs)."""
    study = load_study(read_configs())
    return int(any(r.get("label") == "BOHB" and r.get("cited")
                   for spec in study.config["tables"].values() for r in spec["rows"]))


def test_readme_job_counts_are_the_dry_run(paper_plan):
    without, with_bohb, searches = readme_counts()
    assert with_bohb - without == bohb_jobs() == 1
    assert len(paper_plan) == (with_bohb if HAVE_BOHB else without)
    assert sum(j["rule"] == "search" for j in paper_plan) == searches


def test_readme_retrain_time_limits_are_the_plans(paper_plan):
    """README, Tables 4 and 5: 45 h for a CIFAR-10 cell, 2354 min for an ImageNet cell on 8 GPUs (the Slurm
    limits), 11.7 days for one on a single GPU (the estimate the time limit splits into jobs)."""
    import copy

    import yaml

    from darts_core.study import retrain

    text = " ".join((REPO / "README.md").read_text().split())
    hours, minutes, days = re.search(r"(\d+) h for a Table-4 CIFAR-10 cell .*? (\d+) min \(\d+ h\) for a Table-5 "
                                     r"ImageNet cell on the config's 8 GPUs \(([\d.]+) days on one\)", text).groups()
    runtimes = {j["rule"]: int(j["resources"]["runtime"]) for j in paper_plan
                if j["rule"] in ("retrain", "retrain_imagenet")}
    assert round(runtimes["retrain"] / 60) == int(hours)
    assert runtimes["retrain_imagenet"] == int(minutes)
    one_gpu = copy.deepcopy(yaml.safe_load((REPO / "config.yaml").read_text()))
    one_gpu["retrain"]["table5_imagenet"]["gpus"] = 1
    spec = next(s for s in retrain.retrain_specs(one_gpu) if s["entry"] == "table5_imagenet")
    assert round(retrain.retrain_estimate_minutes(one_gpu, spec["names"]) / 1440, 1) == float(days)
