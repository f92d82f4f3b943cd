"""Magnitude curves per op over epochs, mean ± std over seeds (rule `magnitude_figure`)."""

import sys

from darts_core.report.figures import plot_magnitudes, read_panels

sys.stderr = open(snakemake.log[0], "w")
plot_magnitudes(
    read_panels(snakemake.params.panels),
    snakemake.output.png,
    snakemake.output.pdf,
    title=snakemake.params.title,
)
