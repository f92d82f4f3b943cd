"""Benchmark accuracy of the derived architecture over epochs, mean ± std over seeds (rule
`accuracy_figure`)."""

import sys

from darts_core.report.figures import plot_accuracy_curves, read_panels

sys.stderr = open(snakemake.log[0], "w")
plot_accuracy_curves(
    read_panels(snakemake.params.panels),
    snakemake.params.metric,
    snakemake.output.png,
    snakemake.output.pdf,
    title=snakemake.params.title,
)
