"""Faults at the workflow level: a search killed mid-run (SIGKILL, a preemption without cleanup;
SIGTERM, what Slurm sends at a time limit or `scancel`) resumes from its checkpoint when the workflow is
run again and ends with the same alpha log as an uninterrupted run; a job that fails leaves no declared
output that a rerun would take as done."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workflow_plan import REPO, SNAKEMAKE, fake_darts_search, snakemake

pytestmark = [pytest.mark.workflow]

EPOCHS = 12
STUDY = {
    "study": "faults",
    "compute": {"device": "cpu", "gpus_per_search": 0, "threads_per_search": 1, "workers": 0,
                "mem_mb_per_search": 1000, "minutes_per_epoch": {"default": 1}},
    "stop_criteria": {"nb201": ["final"]},
    "experiments": {"faults": {"title": "faults", "space": "nb201", "datasets": ["digits"], "seeds": [0],
                               "epochs": EPOCHS, "channels": 8, "num_cells": 1, "batch_size": 64,
                               "runs": {"darts-v1": {"method": "darts-v1"}}}},
}
RUN = "results/faults/runs/nb201-digits/darts-v1/darts-v1/seed0"
LOG = "results/logs/search/faults/nb201-digits/darts-v1/darts-v1/seed0.log"
PRODUCTS = ("alphas.parquet", "metrics.csv", "genotypes.csv", "run.json")
TARGET = f"{RUN}/alphas.parquet"


def study(tmp_path: Path, **run) -> Path:
    cfg = yaml.safe_load(yaml.safe_dump(STUDY))
    cfg["experiments"]["faults"]["runs"]["darts-v1"].update(run)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def args(cfg: Path, *extra: str) -> list[str]:
    return ["--configfile", str(cfg), "--replace-workflow-config", "--cores", "1", *extra, TARGET]


def epochs_done(cwd: Path, log: str = LOG, pattern: str = rf"^\[.*\] epoch \d+/{EPOCHS} train ") -> int:
    path = cwd / log
    return len(re.findall(pattern, path.read_text(), re.M)) if path.is_file() else 0


def job_pids(group: int, script: str = "search.py") -> list[int]:
    """The job's processes (the rule's script) in Snakemake's process group."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            if os.getpgid(int(entry.name)) == group and script in cmdline and "snakemake" not in cmdline.split("\0")[0]:
                pids.append(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
    return pids


def interrupt(cwd: Path, cfg: Path, how: str, after: int, *extra: str, target: str = TARGET,
              progress=epochs_done, script: str = "search.py", total: int = EPOCHS) -> int:
    """Start the workflow and, once `after` epochs are checkpointed (`progress(cwd)`), `how` = "preemption":
    SIGKILL the whole process group (the machine is gone: no cleanup), or "time limit": SIGTERM the job
    alone, as Slurm does at a job's time limit. Returns Snakemake's exit code."""
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(cwd),
           *args(cfg, *extra)[:-1], target]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        while progress(cwd) < after:
            assert proc.poll() is None, "the workflow ended before it could be interrupted"
            assert time.time() < deadline, "no progress in the search log"
            time.sleep(0.1)
        if how == "preemption":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            pids = job_pids(proc.pid, script)
            assert pids, "the job's process was not found"
            for pid in pids:
                os.kill(pid, signal.SIGTERM)
        assert progress(cwd) < total, "the job finished before the signal landed"
        return proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("uninterrupted")
    proc = snakemake(*args(study(cwd)), cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd / RUN


def assert_same_run(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(a / "alphas.parquet"), pd.read_parquet(b / "alphas.parquet"),
                                  check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(a / "genotypes.csv"), pd.read_csv(b / "genotypes.csv"))
    timing = ["seconds"]
    pd.testing.assert_frame_equal(pd.read_csv(a / "metrics.csv").drop(columns=timing),
                                  pd.read_csv(b / "metrics.csv").drop(columns=timing), check_exact=True)


def test_a_preempted_search_resumes_and_matches_an_uninterrupted_one(tmp_path, uninterrupted):
    cfg = study(tmp_path)
    interrupt(tmp_path, cfg, "preemption", after=3)
    run = tmp_path / RUN
    assert (run / "checkpoint.pt").is_file()  # not a declared output: Snakemake never deletes it
    # the interrupted job is not taken as done: a dry run plans the search again
    plan = snakemake("-n", *args(cfg, "--rerun-incomplete"), cwd=tmp_path)
    assert plan.returncode == 0 and "rule search:" in plan.stdout, plan.stdout[-2000:] + plan.stderr[-2000:]
    # a killed Snakemake leaves its lock: the user unlocks, then reruns (README)
    assert snakemake("--unlock", *args(cfg), cwd=tmp_path).returncode == 0
    rerun = snakemake(*args(cfg, "--rerun-incomplete"), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    check_resumed(tmp_path, uninterrupted)


def test_a_search_killed_at_its_time_limit_is_retried_and_resumes(tmp_path, uninterrupted):
    # `retries` as in profiles/slurm: Snakemake itself starts the job again, which resumes
    code = interrupt(tmp_path, study(tmp_path), "time limit", 3, "--retries", "1")
    assert code == 0
    check_resumed(tmp_path, uninterrupted)


def check_resumed(cwd: Path, uninterrupted: Path) -> None:
    run = cwd / RUN
    resumed = re.findall(r"resuming .* after epoch (\d+)", (cwd / LOG).read_text())
    assert resumed and 3 <= int(resumed[-1]) < EPOCHS  # continued where it stopped, not from scratch
    assert_same_run(uninterrupted, run)
    info = yaml.safe_load((run / "run.json").read_text())
    assert info["status"] == "finished" and info["resumed_after_epoch"] == int(resumed[-1])


def test_a_failed_search_leaves_no_output_a_rerun_would_trust(tmp_path):
    cfg = study(tmp_path, w_lr=1e6)  # the loss turns NaN at once: the search stops with an error
    proc = snakemake(*args(cfg), cwd=tmp_path)
    assert proc.returncode != 0
    run = tmp_path / RUN
    assert not [p for p in PRODUCTS if (run / p).exists()]  # run.json was written, then removed
    last = (tmp_path / LOG).read_text().strip().splitlines()[-1]
    assert re.search(r"loss is nan: the run diverged in epoch 1; no checkpoint was written$", last), last
    again = snakemake("-n", *args(cfg), cwd=tmp_path)
    assert again.returncode == 0 and "rule search:" in again.stdout  # planned again, not trusted


# ---- a retraining (Tables 4-5) killed at its time limit ---------------------------------------------------

RETRAIN_EPOCHS = 5
RETRAIN_STUDY = {
    "study": "faults-retrain",
    "compute": STUDY["compute"],
    "stop_criteria": {"darts": ["final"]},
    "experiments": {"cells": {"title": "cells", "space": "darts", "datasets": ["digits"], "seeds": [0],
                              "runs": {"ss-darts": {"method": "darts-v1", "preset": "darts-space"}}}},
    "retrain": {"digits": {"experiment": "cells", "criteria": ["final"], "seeds": [0], "dataset": "digits",
                           "protocol": "demo", "overrides": {"epochs": RETRAIN_EPOCHS, "layers": 3},
                           "minutes_per_epoch": 1, "gpus": 0, "threads": 1, "mem_mb": 1000}},
}
CELL = "results/cells/retrain/darts-digits/darts-v1/ss-darts/final/search0/digits-demo/seed0"
CELL_LOG = "results/logs/retrain/cells/darts-digits/darts-v1/ss-darts/final/search0/digits-demo/seed0.log"


def retrain_epochs(cwd: Path) -> int:
    return epochs_done(cwd, CELL_LOG, rf"^epoch \d+/{RETRAIN_EPOCHS} lr ")


def retrain_study(cwd: Path) -> Path:
    fake_darts_search(cwd / "results/cells/runs/darts-digits/darts-v1/ss-darts/seed0")
    path = cwd / "study.yaml"
    path.write_text(yaml.safe_dump(RETRAIN_STUDY))
    return path


def test_a_retraining_killed_at_its_time_limit_is_retried_and_resumes(tmp_path):
    ref = tmp_path / "uninterrupted"
    ref.mkdir()
    proc = snakemake(*args(retrain_study(ref))[:-1], f"{CELL}/results.json", cwd=ref)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cut = tmp_path / "cut"
    cut.mkdir()
    code = interrupt(cut, retrain_study(cut), "time limit", 2, "--retries", "1", target=f"{CELL}/results.json",
                     progress=retrain_epochs, script="retrain.py", total=RETRAIN_EPOCHS)
    assert code == 0
    resumed = re.findall(r"resuming .* after epoch (\d+) of", (cut / CELL_LOG).read_text())
    assert resumed and 2 <= int(resumed[-1]) < RETRAIN_EPOCHS  # continued from its last epoch
    timing = ["seconds"]
    pd.testing.assert_frame_equal(pd.read_csv(ref / CELL / "metrics.csv").drop(columns=timing),
                                  pd.read_csv(cut / CELL / "metrics.csv").drop(columns=timing), check_exact=True)
    a, b = (yaml.safe_load((d / CELL / "results.json").read_text()) for d in (ref, cut))
    assert (a["test_error"], a["params_m"], a["epochs"]) == (b["test_error"], b["params_m"], b["epochs"])
    assert a["resumed_after_epoch"] is None and b["resumed_after_epoch"] == int(resumed[-1])
