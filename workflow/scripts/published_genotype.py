"""A published DARTS-space cell as the `genotype` rule's product (rule `published_genotype`): the baseline
rows of Tables 4-5 (`genotype: DARTS_V2`) trained under the same protocol as the picked cells."""

import sys

from darts_core.runlog import write_json
from darts_core.train.picked import published_cell

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
picked = published_cell(snakemake.wildcards.run)
print(f"{snakemake.wildcards.run}: {picked['genotype']}")
write_json(picked, snakemake.output[0])
