"""The protocol table (rule `protocol`): every run's settings, their sources, paper vs code."""

import sys

import pandas as pd

from darts_core.runlog import write_table, write_text
from darts_core.study.protocol import PROTOCOL_COLUMNS

sys.stderr = open(snakemake.log[0], "w")
protocol = snakemake.params.protocol
write_text(protocol["markdown"], snakemake.output.md)
write_table(pd.DataFrame(protocol["rows"], columns=list(PROTOCOL_COLUMNS)), snakemake.output.csv)
