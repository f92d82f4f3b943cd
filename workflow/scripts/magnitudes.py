"""Operation magnitudes m(t, o) of Eq. 11 of one search (rule `magnitudes`)."""

import sys

from darts_core.runlog import read_alphas, write_table
from darts_core.stops.magnitudes import magnitudes

sys.stderr = open(snakemake.log[0], "w")
write_table(magnitudes(read_alphas(snakemake.input.alphas)), snakemake.output[0])
