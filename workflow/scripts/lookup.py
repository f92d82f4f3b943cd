"""Benchmark accuracies of the architecture derived at every epoch of one search (rule `lookup`)."""

import sys
from pathlib import Path

from darts_core.benchmark.lookup import lookup_run
from darts_core.benchmark.lookup import load_benchmark
from darts_core.runlog import write_table

sys.stderr = open(snakemake.log[0], "w")
table = load_benchmark(snakemake.input.table)
write_table(lookup_run(Path(snakemake.input.genotypes).parent, table), snakemake.output[0])
