"""The workflow's code is clean: `snakemake --lint` (no findings, for the paper and the demo config) and
`snakefmt --check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.workflow


@pytest.mark.parametrize("extra", [[], ["--profile", "profiles/demo"]], ids=["paper", "demo"])
def test_snakemake_lint_is_clean(extra):
    proc = subprocess.run(
        [str(BIN / "snakemake"), "--lint", *extra], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Lints for" not in out, out


def test_snakefmt_check_is_clean():
    proc = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "--diff", "Snakefile", "workflow"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
