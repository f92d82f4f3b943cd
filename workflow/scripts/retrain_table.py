"""Table 4 or 5 (rule `retrain_table`): trained DARTS-space cells beside the paper's rows -> CSV (long),
Markdown, LaTeX, and the reported-vs-reproduced table."""

import sys

from darts_core.report.compare import write_compare
from darts_core.report.retrain_tables import retrain_long_table, retrain_wide_table
from darts_core.report.tables import write_table_files

sys.stderr = open(snakemake.log[0], "w")
spec, exp, entry = snakemake.params.spec, snakemake.params.experiment, snakemake.params.entry
table = snakemake.wildcards.table
long = retrain_long_table(
    table,
    {**spec, "paper_key": table},
    snakemake.params.summaries,
    entry.get("dataset", "cifar10"),
    entry.get("search_seeds") or exp["seeds"],
    entry.get("seeds", [0]),
)
title = f"{spec.get('paper', table)}: {exp.get('title', '')}"
write_table_files(
    long,
    snakemake.output.csv,
    snakemake.output.md,
    snakemake.output.tex,
    title,
    f"tab:{table}",
    wide=retrain_wide_table,
)
write_compare(
    long,
    snakemake.output.compare,
    snakemake.output.compare_md,
    f"{spec.get('paper', table)}: reported vs reproduced",
)
