"""Running Snakemake from tests: `snakemake(*args, cwd)` on the repository's Snakefile in a temporary
directory, `planned_jobs(text)` parsing a `snakemake -n` listing, `load_common()` the workflow's helpers
(conftest fixtures: `paper_plan`, the paper config's plan, and `common`, once per session)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def load_common() -> SimpleNamespace:
    """workflow/rules/common.smk executed as plain Python: its helpers and checks, to call with a config."""
    path = REPO / "workflow" / "rules" / "common.smk"
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return SimpleNamespace(**namespace)


def snakemake(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake on the repository's Snakefile in `cwd` (a temporary directory: nothing of the
    repository's results/ or .snakemake/ is read or written)."""
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(cwd), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def planned_jobs(text: str) -> list[dict]:
    """Jobs of a `snakemake -n` listing: rule, and the wildcards, resources (dicts), input and output
    (lists) of each."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:\n)", text):
        head = re.match(r"(?:local)?rule (\w+):\n", block)
        if not head:
            continue
        job = {"rule": head.group(1)}
        for key in ("wildcards", "resources", "input", "output"):
            m = re.search(rf"^\s+{key}: (.*)$", block, re.M)
            if key in ("input", "output"):
                job[key] = m.group(1).split(", ") if m else []
            else:
                job[key] = dict(kv.split("=", 1) for kv in m.group(1).split(", ")) if m else {}
        jobs.append(job)
    return jobs
