"""The cell a stop criterion selects (rule `genotype`): the row of stops.csv for the criterion, its epoch's
genotype from genotypes.csv (checked against stops.csv's arch) -> genotype.json."""

import json
import sys
from pathlib import Path

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.report.tables import search_seconds_until
from darts_core.runlog import write_json
from darts_core.spaces import darts
from darts_core.train.genotype_source import resolve_genotype

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
criterion = snakemake.params.criterion
stops = pd.read_csv(snakemake.input.stops, keep_default_na=False)
rows = stops[stops["criterion"] == criterion]
if rows.empty:
    raise DartsCoreError(
        f"{snakemake.input.stops}: no row for criterion {criterion!r} (it has "
        f"{', '.join(stops['criterion'])}); add it to stop_criteria in the config"
    )
row = rows.iloc[-1]
met = str(row["met"]).strip().lower() in ("true", "1")
if str(row["epoch"]).strip() == "" or not str(row["arch"]).strip():
    raise DartsCoreError(
        f"{snakemake.input.stops}: criterion {criterion!r} selected no architecture: {row['note']}"
    )
epoch = int(float(row["epoch"]))
genotype = resolve_genotype(snakemake.input.genotypes, epoch)
if darts.parse_genotype(str(row["arch"])) != genotype:
    raise DartsCoreError(
        f"{snakemake.input.stops}: the arch of {criterion!r} differs from {snakemake.input.genotypes} "
        f"at epoch {epoch}"
    )
text = darts.genotype_string(genotype)
print(f"{criterion}: epoch {epoch} (met {met}) {text}")
write_json(
    {
        "criterion": criterion,
        "epoch": epoch,
        "met": met,
        "note": str(row["note"]),
        "genotype": text,
        "search_dir": str(snakemake.input.genotypes).rsplit("/", 1)[0],
        # the search cost of this cell (Table 5's GPU days): wall time up to the stop epoch
        "search_seconds": search_seconds_until(snakemake.input.metrics.rsplit("/", 1)[0], epoch),
        "search_device": json.loads(Path(snakemake.input.info).read_text()).get("device", ""),
    },
    snakemake.output[0],
)
