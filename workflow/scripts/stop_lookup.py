"""Accuracies and search seconds of every stop point of one search (rule `stop_lookup`): benchmark
look-ups on NAS-Bench-201 datasets, else the stop architectures trained from scratch (digits demo)."""

import sys
from pathlib import Path

from darts_core.report.tables import stop_accuracies
from darts_core.runlog import write_table

sys.stderr = open(snakemake.log[0], "w")
run_dir = Path(snakemake.input.stops).parent
if snakemake.input.table:
    from darts_core.benchmark.lookup import load_benchmark

    df = stop_accuracies(run_dir, snakemake.input.stops, load_benchmark(snakemake.input.table))
else:
    scratch = dict(
        data_dir=snakemake.params.data_dir,
        protocol=snakemake.params.protocol,
        seed=int(snakemake.wildcards.seed),
        cache_dir=snakemake.params.cache_dir,
        threads=snakemake.threads,
    )
    df = stop_accuracies(
        run_dir, snakemake.input.stops, dataset=snakemake.wildcards.dataset, scratch=scratch
    )
write_table(df, snakemake.output[0])
