"""compute.seeds_per_job: the study's packed jobs (darts_core.study.packs) and the paper dry run with 5 seeds
per job: the same run-folder products as one seed per job, each named by exactly one job, fewer jobs."""

from __future__ import annotations

import copy

import pytest

from darts_core import layout
from darts_core.study import load_study
from darts_core.study.config import read_configs
from workflow_plan import REPO, planned_jobs, snakemake


def _paper(k: int):
    config = copy.deepcopy(read_configs(base=REPO / "config.yaml"))
    config["compute"]["seeds_per_job"] = k
    return load_study(config, REPO / "workflow/schemas/config.schema.yaml")


def test_one_seed_per_job_plans_no_packs():
    assert _paper(1).search_packs() == []


def test_packs_group_the_seeds_of_packable_settings():
    study = _paper(2)
    packs = study.search_packs()
    assert packs and all(len(p["seeds"]) == 2 for p in packs)  # 5 seeds: [0, 1], [2, 3]; seed 4 alone
    assert {tuple(p["seeds"]) for p in packs} == {(0, 1), (2, 3)}
    assert len({p["rule"] for p in packs}) == len(packs)
    methods = {p["settings"][0]["method"] for p in packs}
    assert methods == {"darts-v1", "darts-v2"}  # GAEA, DrNAS, GDAS, ... stay one seed per job
    for p in packs:
        assert [s["seed"] for s in p["settings"]] == p["seeds"]
        assert len(p["outputs"]) == 2 * len(layout.SEARCH_PRODUCTS)
        assert all(path.startswith(d) for d, s in zip(p["dirs"], p["seeds"]) for key, path in p["outputs"].items()
                   if key.endswith(f"_{s}"))


@pytest.mark.workflow
def test_paper_dry_run_with_five_seeds_per_job_names_the_same_outputs(paper_plan, tmp_path):
    extra = tmp_path / "k5.yaml"
    extra.write_text("compute:\n  seeds_per_job: 5\n")
    proc = snakemake("-n", "--configfile", str(REPO / "config.yaml"), str(extra), cwd=tmp_path / "run")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    packed = planned_jobs(proc.stdout)

    def outputs(jobs):
        return sorted(o for j in jobs for o in j["output"])

    assert outputs(packed) == outputs(paper_plan)  # every product once, by one job
    assert len(outputs(packed)) == len(set(outputs(packed)))
    search = [j for j in paper_plan if j["rule"] == "search"]
    packs = [j for j in packed if j["rule"].startswith("search_packed")]
    assert packs and all(len(j["output"]) == 5 * len(layout.SEARCH_PRODUCTS) for j in packs)
    assert len(packed) == len(paper_plan) - 4 * len(packs)  # 5 search jobs become 1
    assert len([j for j in packed if j["rule"] == "search"]) == len(search) - 5 * len(packs)
    others = lambda jobs: sorted((j["rule"], tuple(sorted(j["output"])), tuple(sorted(j["input"]))) for j in jobs
                                 if not j["rule"].startswith("search"))
    assert others(packed) == others(paper_plan)
