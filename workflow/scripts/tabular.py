"""One Table 1 baseline (REA, RS, REINFORCE, BOHB), all its runs, on the benchmark table with a simulated
budget (rule `tabular`): the search signal is the official 12-epoch proxy (from the .pth) or the CSV
extracts' 200-epoch accuracies (a deviation, recorded in every row's proxy_note)."""

import sys

from darts_core.tabular.run import run_tabular_seeds

sys.stderr = open(snakemake.log[0], "w")
run_tabular_seeds(
    snakemake.wildcards.method,
    snakemake.input.table,
    range(snakemake.params.runs),
    snakemake.output[0],
    proxy=snakemake.input.proxy or snakemake.params.csv_dir,  # the built 12-epoch proxy, else the CSVs
)
