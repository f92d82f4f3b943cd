"""The list of an experiment's searches and their directories (rule `manifest`)."""

import sys

import pandas as pd

from darts_core.runlog import write_table

sys.stderr = open(snakemake.log[0], "w")
write_table(pd.DataFrame(snakemake.params.runs), snakemake.output[0])
