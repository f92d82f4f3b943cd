"""Running Snakemake from tests: `snakemake(*args, cwd)` on the repository's Snakefile in a temporary
directory, `planned_jobs(text)` parsing a `snakemake -n` listing, `plan_lines(jobs)` a plan as sorted text
(conftest fixture `paper_plan`: the paper config's plan, once per session)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


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


def fake_darts_search(run: Path) -> list[str]:
    """A finished (fake) DARTS-space search in `run`: genotypes.csv and stops.csv of two epochs (final ->
    DARTS_V2 at epoch 1, ss_residual:sep_conv_3x3 -> DARTS_V1 at epoch 0), so only the retrain rules run.
    Returns the two genotype strings [DARTS_V1, DARTS_V2]."""
    import pandas as pd

    from darts_core.spaces import darts

    run.mkdir(parents=True)
    archs = [darts.genotype_string(darts.published(n)) for n in ("DARTS_V1", "DARTS_V2")]
    (run / "alphas.parquet").write_text("")
    (run / "run.json").write_text('{"device": "cpu"}')
    pd.DataFrame({"epoch": [1, 2], "seconds": [30.0, 40.0]}).to_csv(run / "metrics.csv", index=False)
    pd.DataFrame({"epoch": [0, 1], "arch": archs}).to_csv(run / "genotypes.csv", index=False)
    pd.DataFrame({"criterion": ["final", "ss_residual:sep_conv_3x3"], "epoch": [1, 0], "arch": [archs[1], archs[0]],
                  "met": [True, True], "note": ["", "peak of sep_conv_3x3 at epoch 0"]}).to_csv(run / "stops.csv",
                                                                                           index=False)
    return archs


def plan_lines(jobs: list[dict]) -> list[str]:
    """A dry run's jobs as sorted text lines (outputs, inputs, GPU/memory/time resources; the target rule's
    inputs too), rule names left out: the recorded plans (tests/data/*_plan.txt) pin what runs, not what the rules are called."""
    lines = []
    for job in jobs:
        res = {k: job["resources"][k] for k in ("gpu", "mem_mb", "runtime") if k in job["resources"]}
        lines.append(" | ".join([
            " ".join(sorted(job["output"])),
            " ".join(sorted(job["input"])),
            " ".join(f"{k}={v}" for k, v in sorted(res.items())),
        ]))
    return sorted(lines)
