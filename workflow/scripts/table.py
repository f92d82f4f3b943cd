"""One paper table of either kind (rule `table`): its kind's builder -> CSV (long), Markdown, LaTeX and the
reported-vs-reproduced table."""

import sys

from darts_core.report.kinds import resolve, table_kind

sys.stderr = open(snakemake.log[0], "w")
table = snakemake.params.table
build = resolve(table_kind(table["kind"]).build)
build(snakemake.wildcards.table, table["inputs"], dict(snakemake.output.items()))
