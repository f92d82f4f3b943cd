"""A finished workflow stays finished: Snakemake reruns a job whose params differ from the recorded ones
(the `params` rerun trigger compares their reprs), so no rule's params may depend on the process's hash
seed (a set's order, a dict built from one). Every planned job's params, printed by two processes with
different PYTHONHASHSEED, must be the same (tests/params_dump.py); the demo run twice plans nothing the
second time (tests/test_workflow_demo.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.workflow


def params_lines(tmp_path: Path, hash_seed: int, *config: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "params_dump.py"), "--snakefile",
                           str(REPO / "Snakefile"), "--directory", str(tmp_path), *config, "--cores", "1",
                           "--list-changes", "params"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


@pytest.mark.parametrize("config", [
    pytest.param(("--configfile", str(REPO / "profiles/demo/demo.yaml"), "--replace-workflow-config"), id="demo"),
    pytest.param(("--configfile", str(REPO / "config.yaml")), id="paper", marks=pytest.mark.slow),
])
def test_params_do_not_depend_on_the_hash_seed(tmp_path, config):
    first, second = params_lines(tmp_path, 1, *config), params_lines(tmp_path, 2, *config)
    assert len(first) > 50
    assert first == second, next(f"{a}\n!=\n{b}" for a, b in zip(first, second) if a != b)
