"""Tidy table of one (run, criterion, dataset, protocol): a row per search seed x retrain seed (rule
`retrain_summary`; the inputs of Tables 4 and 5)."""

import sys

from darts_core.runlog import write_table
from darts_core.train.picked import retrain_summary

sys.stderr = open(snakemake.log[0], "w")
summary = retrain_summary(snakemake.input, dict(snakemake.wildcards.items()), snakemake.params.criterion)
write_table(summary, snakemake.output[0])
