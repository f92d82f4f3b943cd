"""Paths that would lose computed results, at the workflow level: a finished search whose setting is
changed in the config stops the workflow with one line before anything is deleted, and its products
and checkpoint stay as they were (the old run is still there to restore or move away)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from bad_input_catalog import snakemake_error
from test_workflow_faults import RUN, STUDY, TARGET
from workflow_plan import snakemake

pytestmark = [pytest.mark.workflow]


def _study(tmp_path: Path, name: str = "study.yaml", **run) -> Path:
    cfg = yaml.safe_load(yaml.safe_dump(STUDY))
    cfg["experiments"]["faults"]["epochs"] = 2
    cfg["experiments"]["faults"]["runs"]["darts-v1"].update(run)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_changing_a_finished_runs_setting_stops_before_anything_is_deleted(tmp_path):
    cfg = _study(tmp_path)
    first = snakemake("--configfile", str(cfg), "--replace-workflow-config", "--cores", "1", TARGET, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    run = tmp_path / RUN
    before = _digests(run)
    assert {"alphas.parquet", "run.json", "checkpoint.pt"} <= set(before)

    changed = _study(tmp_path, "changed.yaml", a_lr=0.001)  # the finished search was run with the preset's 3e-4
    for extra in ((), ("-n",)):  # a real run and a dry run both stop at once
        proc = snakemake("--configfile", str(changed), "--replace-workflow-config", "--cores", "1", *extra, TARGET,
                         cwd=tmp_path)
        assert proc.returncode != 0
        err = snakemake_error(proc)
        message = str(err)
        assert err.kind == "StudyConfigError" and "\n" not in message, message
        assert f"{RUN}/run.json: this search (finished) was run with a_lr=0.0003" in message
        assert "the config now plans a_lr=0.001" in message and "nothing was deleted" in message
        assert _digests(run) == before  # every product and the checkpoint as they were

    # the old setting back: nothing to do, the finished search is taken as it is
    again = snakemake("--configfile", str(cfg), "--replace-workflow-config", "--cores", "1", "-n", TARGET,
                      cwd=tmp_path)
    assert again.returncode == 0 and "rule search:" not in again.stdout, again.stdout[-2000:]
    assert _digests(run) == before


def test_a_number_yaml_1_1_leaves_as_text_is_read_as_written(tmp_path):
    """`a_lr: 3e-4` is a string to YAML 1.1 (Snakemake's reader): the schema said "'3e-4' is not of type
    'number'". The Snakefile re-reads the file as written: the dry run plans the search, with 0.0003."""
    import json
    import subprocess
    import sys

    from bad_input_catalog import SMALL_STUDY

    text = SMALL_STUDY.replace("epochs: %s", "epochs: 2\n    a_lr: 3e-4")
    cfg = tmp_path / "study.yaml"
    cfg.write_text(text)
    assert yaml.safe_load(text)["experiments"]["e"]["a_lr"] == "3e-4"  # what Snakemake's reader gives
    proc = snakemake("-n", "--configfile", str(cfg), "--replace-workflow-config", cwd=tmp_path)
    assert proc.returncode == 0 and "rule search:" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    plan = subprocess.run([sys.executable, "-m", "darts_core", "study", "--configfile", str(cfg),
                           "--replace-workflow-config", "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)[0]["settings"]["a_lr"] == 0.0003
