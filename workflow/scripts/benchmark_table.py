"""The compact NAS-Bench-201 table (rule `benchmark_table`) from the official file or the CSV extracts."""

import logging
import sys

from darts_core.benchmark.table import build_from_csv, build_from_pth, save_table

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(stream=sys.stderr, level=logging.INFO)
if snakemake.params.source == "pth":
    table = build_from_pth(snakemake.params.pth, snakemake.params.sha256, snakemake.params.trust_unverified)
else:
    table = build_from_csv(snakemake.params.csv_dir)
save_table(table, snakemake.output[0])
