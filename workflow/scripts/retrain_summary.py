"""Tidy table of one (run, criterion, dataset, protocol): a row per search seed x retrain seed (rule
`retrain_summary`; the inputs of Tables 4 and 5)."""

import json
import re
import sys
from pathlib import Path

import pandas as pd

from darts_core.runlog import write_table

sys.stderr = open(snakemake.log[0], "w")
w = snakemake.wildcards
rows = []
for path in snakemake.input:
    path = Path(path)
    res = json.loads(path.read_text())
    picked = json.loads((path.parents[2] / "genotype.json").read_text())
    rows.append(
        {
            "experiment": w.experiment,
            "run": w.run,
            "criterion": snakemake.params.criterion,
            "search_seed": int(re.fullmatch(r"search(\d+)", path.parents[2].name)[1]),
            "retrain_seed": int(res["seed"]),
            "params_m": res["params_m"],
            "test_error": res["test_error"],
            "top1_error": 100.0 - res["test_top1"],
            "top5_error": res["top5_error"],
            "dataset": w.rdataset,
            "protocol": w.protocol,
            "epochs": res["epochs"],
            "stop_epoch": picked["epoch"],
            "met": picked["met"],
            "genotype": picked["genotype"],
            "search_seconds": picked.get("search_seconds", float("nan")),
            "search_device": picked.get("search_device", ""),
        }
    )
write_table(pd.DataFrame(rows), snakemake.output[0])
