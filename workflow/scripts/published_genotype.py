"""A published DARTS-space cell as the `genotype` rule's product (rule `published_genotype`): the baseline
rows of Tables 4-5 (`genotype: DARTS_V2`) trained under the same protocol as the picked cells."""

import sys

from darts_core.runlog import write_json
from darts_core.spaces import darts

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
name = snakemake.wildcards.run
text = darts.genotype_string(darts.published(name))
print(f"{name}: {text}")
write_json(
    {
        "criterion": "final",
        "epoch": None,
        "met": True,
        "note": f"published genotype {name} (darts_core.spaces.darts)",
        "genotype": text,
        "search_dir": "",
        "search_seconds": float("nan"),
        "search_device": "",
    },
    snakemake.output[0],
)
