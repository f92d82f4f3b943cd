"""Dry run of the paper config: every NAS-Bench-201 table (CSV, Markdown, LaTeX, vs-paper), Fig. 6(a) and
Fig. 7 are planned, each table from the stop look-ups of all its runs' seeds and the tabular baselines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> str:
    cwd = tmp_path_factory.mktemp("paper")
    proc = subprocess.run([SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(cwd), "-n",
                           "--configfile", str(REPO / "config.yaml")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


def test_every_table_and_figure_is_planned(plan):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    nb201 = [t for t, s in config["tables"].items() if config["experiments"][s["experiment"]]["space"] == "nb201"]
    assert {"table1", "table2", "table3"} <= set(nb201)
    for table in nb201:
        for name in (f"{table}.csv", f"{table}.md", f"{table}.tex", f"{table}_vs_paper.csv", f"{table}_vs_paper.md"):
            assert f"results/tables/{name}" in plan, name
    optional = {e for e, spec in config["experiments"].items() if spec.get("optional")}
    default = [f for f, spec in config["figures"].items() if spec["experiment"] not in optional]
    for figure in ("fig6a_op_distribution", "fig7_hessian", *default):
        assert f"results/figures/{figure}.png" in plan and f"results/figures/{figure}.pdf" in plan, figure
    # the optional experiments' figures (RobustDARTS's study) are built only when asked for
    for figure in set(config["figures"]) - set(default):
        assert f"results/figures/{figure}.png" not in plan, figure


def test_table_jobs_read_every_seed_and_the_baselines(plan):
    jobs = re.findall(r"rule table:\n\s+input: (.*)\n(?:.*\n)*?\s+wildcards: table=(\w+)", plan)
    inputs = {table: files.split(", ") for files, table in jobs}
    assert set(inputs) == {"table1", "table2", "table3", "table4", "table5"}
    t1 = inputs["table1"]
    for run in ("darts-v1/darts-v1", "darts-v2/darts-v2", "darts-v1/ex-darts", "rsps/rsps", "gdas/gdas"):
        assert sum(f"/{run}/seed" in f and f.endswith("stop_lookup.csv") for f in t1) == 5, run
    for method in ("rea", "rs", "reinforce"):  # one job of tabular.runs (500) runs per method
        assert f"results/tabular/{method}/runs.csv" in t1
    assert "results/benchmark/nb201.parquet" in t1
    t3 = inputs["table3"]
    assert sum(f.endswith("stop_lookup.csv") for f in t3) == 6 * 5
