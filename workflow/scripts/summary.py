"""The report's front page (rule `summary`): every table as HTML, every figure with its caption."""

import sys

from darts_core.report.summary import write_summary

sys.stderr = open(snakemake.log[0], "w")
page = snakemake.params.summary
write_summary(snakemake.output[0], page["title"], page["tables"], page["figures"], page["where"])
