"""Fig. 6(a): accuracy distribution of the NB201 cells in which one operation holds >= 4 of 6 edges."""

import sys

from darts_core.benchmark.table import load_table
from darts_core.report.figures_extra import plot_op_distribution

sys.stderr = open(snakemake.log[0], "w")
plot_op_distribution(load_table(snakemake.input[0]), snakemake.output.png, snakemake.output.pdf)
