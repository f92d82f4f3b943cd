"""The cell a stop criterion picked, and the tidy summary of its trainings (Tables 4 and 5).

- `picked_cell(run_dir, criterion)`: the row of the run's stops.csv for the criterion, its epoch's genotype
  from genotypes.csv (checked against stops.csv's arch), and the search's cost up to it -> genotype.json.
- `published_cell(name)`: the same record for a published genotype (the tables' baseline rows).
- `retrain_summary(results, names, criterion)`: one row per search seed x retrain seed of one (run,
  criterion, dataset, protocol); columns RETRAIN_SUMMARY_COLUMNS (errors in percent; test_error =
  top1_error; search_seconds = wall seconds of the search up to the stop epoch).
Torch-free: the workflow's `genotype` and `retrain_summary` rules run in the analysis env.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from darts_core import layout
from darts_core.errors import DartsCoreError
from darts_core.runlog import search_seconds_until
from darts_core.spaces import darts
from darts_core.train.genotype_source import resolve_genotype

RETRAIN_SUMMARY_COLUMNS = (
    "experiment", "run", "criterion", "search_seed", "retrain_seed", "params_m", "test_error", "top1_error",
    "top5_error", "dataset", "protocol", "epochs", "stop_epoch", "met", "genotype", "search_seconds",
    "search_device",
)


def picked_cell(run_dir: str | os.PathLike, criterion: str) -> dict:
    """The genotype.json record of the cell `criterion` picked in a finished DARTS-space search."""
    run_dir = Path(run_dir)
    stops_path, genotypes_path = run_dir / layout.STOPS, run_dir / layout.GENOTYPES
    stops = pd.read_csv(stops_path, keep_default_na=False)
    rows = stops[stops["criterion"] == criterion]
    if rows.empty:
        raise DartsCoreError(f"{stops_path}: no row for criterion {criterion!r} (it has "
                             f"{', '.join(stops['criterion'])}); add it to stop_criteria in the config")
    row = rows.iloc[-1]
    met = str(row["met"]).strip().lower() in ("true", "1")
    if str(row["epoch"]).strip() == "" or not str(row["arch"]).strip():
        raise DartsCoreError(f"{stops_path}: criterion {criterion!r} selected no architecture: {row['note']}")
    epoch = int(float(row["epoch"]))
    genotype = resolve_genotype(str(genotypes_path), epoch)
    if darts.parse_genotype(str(row["arch"])) != genotype:
        raise DartsCoreError(f"{stops_path}: the arch of {criterion!r} differs from {genotypes_path} at epoch {epoch}")
    info = json.loads((run_dir / layout.RUN_INFO).read_text())
    return {
        "criterion": criterion,
        "epoch": epoch,
        "met": met,
        "note": str(row["note"]),
        "genotype": darts.genotype_string(genotype),
        "search_dir": str(run_dir),
        # the search cost of this cell (Table 5's GPU days): wall time up to the stop epoch
        "search_seconds": search_seconds_until(run_dir, epoch),
        "search_device": info.get("device", ""),
    }


def published_cell(name: str) -> dict:
    """The genotype.json record of a published cell (`genotype: DARTS_V2` rows of Tables 4-5)."""
    return {
        "criterion": "final",
        "epoch": None,
        "met": True,
        "note": f"published genotype {name} (darts_core.spaces.darts)",
        "genotype": darts.genotype_string(darts.published(name)),
        "search_dir": "",
        "search_seconds": float("nan"),
        "search_device": "",
    }


def retrain_summary(results: Sequence[str | os.PathLike], names: Mapping, criterion: str) -> pd.DataFrame:
    """The tidy table of one (run, criterion, dataset, protocol) from its trainings' results.json (each in
    layout.RETRAIN_DIR, beside the search seed's genotype.json two levels up)."""
    rows = []
    for path in map(Path, results):
        res = json.loads(path.read_text())
        picked = json.loads((path.parents[2] / layout.GENOTYPE_FILE).read_text())
        rows.append({
            "experiment": names["experiment"],
            "run": names["run"],
            "criterion": criterion,
            "search_seed": int(re.fullmatch(r"search(\d+)", path.parents[2].name)[1]),
            "retrain_seed": int(res["seed"]),
            "params_m": res["params_m"],
            "test_error": res["test_error"],
            "top1_error": 100.0 - res["test_top1"],
            "top5_error": res["top5_error"],
            "dataset": names["rdataset"],
            "protocol": names["protocol"],
            "epochs": res["epochs"],
            "stop_epoch": picked["epoch"],
            "met": picked["met"],
            "genotype": picked["genotype"],
            "search_seconds": picked.get("search_seconds", float("nan")),
            "search_device": picked.get("search_device", ""),
        })
    return pd.DataFrame(rows, columns=list(RETRAIN_SUMMARY_COLUMNS))
