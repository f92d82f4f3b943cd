"""The cell a stop criterion picked in one search (rule `genotype`) -> genotype.json."""

import sys
from pathlib import Path

from darts_core.runlog import write_json
from darts_core.train.picked import picked_cell

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
picked = picked_cell(Path(snakemake.input.stops).parent, snakemake.params.criterion)
print(f"{picked['criterion']}: epoch {picked['epoch']} (met {picked['met']}) {picked['genotype']}")
write_json(picked, snakemake.output[0])
