"""One paper table (rule `paper_table`): CSV (long), Markdown, LaTeX, and the reported-vs-reproduced table."""

import sys

from darts_core.report.compare import write_compare
from darts_core.report.tables import DATASETS, long_table, write_table_files

sys.stderr = open(snakemake.log[0], "w")
spec, exp = snakemake.params.spec, snakemake.params.experiment
table = snakemake.wildcards.table
reference = None
if snakemake.params.benchmark:
    from darts_core.benchmark.table import load_table, reference_rows

    reference = reference_rows(load_table(snakemake.params.benchmark))
    datasets = list(DATASETS)
else:
    datasets = list(exp["datasets"])
notes = {"bohb": snakemake.params.bohb_note} if snakemake.params.bohb_note else {}
long = long_table(
    table,
    {**spec, "paper_key": table},
    exp["seeds"],
    datasets,
    {r: {int(s): p for s, p in seeds.items()} for r, seeds in snakemake.params.runs.items()},
    reference=reference,
    tabular={m: {int(s): p for s, p in seeds.items()} for m, seeds in snakemake.params.tabular.items()},
    tabular_notes=notes,
)
title = f"{spec.get('paper', table)}: {exp.get('title', '')}"
write_table_files(
    long, snakemake.output.csv, snakemake.output.md, snakemake.output.tex, title, f"tab:{table}"
)
write_compare(
    long,
    snakemake.output.compare,
    snakemake.output.compare_md,
    f"{spec.get('paper', table)}: reported vs reproduced",
)
