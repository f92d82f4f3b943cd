"""A real run of the workflow on a tiny demo study: one 1-epoch search on digits, its magnitudes, the
experiment's manifest and the magnitude figure, in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from darts_core.runlog import read_alphas

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

pytestmark = [pytest.mark.workflow, pytest.mark.slow]


def tiny_study() -> dict:
    """The demo config cut down to one run, one seed and one epoch."""
    cfg = yaml.safe_load((REPO / "profiles" / "demo" / "demo.yaml").read_text())
    demo = cfg["experiments"]["demo"]
    demo.update(seeds=[0], epochs=1)
    demo["runs"] = {"ex-darts": demo["runs"]["ex-darts"]}
    cfg["experiments"] = {"demo": demo}  # without the other methods' demo experiment
    cfg.pop("retrain", None)  # the DARTS-space retraining belongs to demo_darts
    cfg["figures"] = {"tiny_magnitudes": {"kind": "magnitudes", "experiment": "demo", "runs": ["ex-darts"]}}
    cfg["tables"] = {"tiny_table": {"experiment": "demo", "rows": [{"label": "EX-DARTS", "run": "ex-darts"},
                                                                   {"label": "optimal", "cited": True}]}}
    return cfg


def test_tiny_demo_runs_end_to_end(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(tiny_study()))
    cmd = [
        SNAKEMAKE,
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(tmp_path),
        "--configfile", str(config),
        "--replace-workflow-config",
        "--cores", "2",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    console = proc.stdout + proc.stderr
    # one line per finished search, and where the products are at the end (Snakefile onsuccess)
    assert "search finished: demo/nb201-digits/darts-v1/ex-darts/seed0, 1 epochs," in console
    assert f"Done. Tables: {tmp_path}/results/tables/" in console and "results/report/summary.html" in console

    run = tmp_path / "results/demo/runs/nb201-digits/darts-v1/ex-darts/seed0"
    for name in ("alphas.parquet", "metrics.csv", "genotypes.csv", "run.json", "magnitudes.csv", "stops.csv"):
        assert (run / name).is_file(), name
    alphas = read_alphas(run / "alphas.parquet")
    assert sorted(alphas["epoch"].unique()) == [0, 1]

    mags = pd.read_csv(run / "magnitudes.csv")
    assert {"epoch", "cell", "op", "magnitude"} <= set(mags.columns)
    # Eq. 11: per epoch and cell, the magnitudes are mean softmax weights, so they sum to 1 over ops
    sums = mags.groupby(["epoch", "cell"])["magnitude"].sum()
    assert sums.round(6).eq(1.0).all()

    stops = pd.read_csv(run / "stops.csv")
    assert stops["criterion"].tolist() == tiny_study()["stop_criteria"]["nb201"]
    assert stops.loc[stops["criterion"] == "final", "epoch"].tolist() == [1]

    manifest = pd.read_csv(tmp_path / "results/demo/runs.csv")
    assert manifest["dir"].tolist() == ["results/demo/runs/nb201-digits/darts-v1/ex-darts/seed0"]
    for ext in ("png", "pdf"):
        assert (tmp_path / f"results/figures/tiny_magnitudes.{ext}").stat().st_size > 1000
    # the table: the final architecture trained from scratch on digits, the cited row marked
    table = pd.read_csv(tmp_path / "results/tables/tiny_table.csv")
    ours = table[(table["row"] == "EX-DARTS") & (table["metric"] == "test")]
    assert ours["source"].tolist() == ["computed"] and ours["n"].tolist() == [1] and 0 < ours["mean"].item() <= 100
    assert set(table.loc[table["row"] == "optimal", "source"]) == {"cited"}
    assert "optimal †" in (tmp_path / "results/tables/tiny_table.md").read_text()
    assert (tmp_path / "results/logs/search/demo/nb201-digits/darts-v1/ex-darts/seed0.log").is_file()
    assert (tmp_path / "results/benchmarks/search/demo/nb201-digits/darts-v1/ex-darts/seed0.tsv").is_file()

    # a second invocation has nothing to do, whatever the hash seed (params compared by their repr)
    for hash_seed in ("1", "2"):
        again = subprocess.run([*cmd, "-n"], capture_output=True, text=True, timeout=300,
                               env={**os.environ, "PYTHONHASHSEED": hash_seed})
        assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr, again.stdout

    # the report: the front page (tables as HTML, figures with captions) is where the report opens
    summary = (tmp_path / "results/report/summary.html").read_text(encoding="utf-8")
    assert "<table>" in summary and "data:image/png;base64," in summary and "tiny_magnitudes" in summary
    report = subprocess.run([*cmd, "--report", str(tmp_path / "report.html")], capture_output=True, text=True,
                            timeout=300)
    assert report.returncode == 0, report.stdout + report.stderr
    check_report_in_chromium(tmp_path / "report.html", tmp_path / "report.png")


def chromium() -> str | None:
    return next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)


def check_report_in_chromium(report: Path, screenshot: Path) -> None:
    """Open the report in headless Chromium: once its scripts have run, the landing page shows the front
    page's table and figure (not one click deep), and a screenshot is taken (kept beside the report)."""
    browser = chromium()
    if browser is None:
        if os.environ.get("DARTS_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1800",
             "--virtual-time-budget=10000"]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, *flags, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],
                             capture_output=True, text=True, timeout=180).stdout
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *flags, f"--user-data-dir={profile}", f"--screenshot={screenshot}",
                        report.as_uri()], capture_output=True, text=True, timeout=180)
    # the landing page's workflow description holds the front page: a rendered table and an inlined figure
    landing = dom[dom.find('id="darts-summary"'):]
    assert 'id="darts-summary"' in dom, dom[:2000]
    assert "<table>" in landing and "<td>EX-DARTS</td>" in landing
    assert '<img alt="tiny_magnitudes" src="data:image/png;base64,' in landing
    assert screenshot.stat().st_size > 20_000  # a page with a table and a figure, not a blank one
