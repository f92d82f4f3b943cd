"""One Table 1 baseline (REA, RS, REINFORCE, BOHB) on the benchmark table, simulated budget (rule `tabular`).
The search proxy is the public CSV extracts (darts_core.tabular.proxy: 200-epoch accuracies, recorded in
result.json as an approximation of the official 12-epoch proxy)."""

import sys
from pathlib import Path

from darts_core.tabular.run import run_tabular

sys.stderr = open(snakemake.log[0], "w")
run_tabular(
    snakemake.wildcards.method,
    snakemake.input.table,
    int(snakemake.wildcards.seed),
    Path(snakemake.output[0]).parent,
    proxy=snakemake.params.proxy,
)
