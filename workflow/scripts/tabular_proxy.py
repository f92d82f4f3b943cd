"""The official 12-epoch search signal of the tabular baselines from the NAS-Bench-201 .pth (rule
`tabular_proxy`; ~28 GB of RAM, once)."""

import sys

from darts_core.tabular.proxy import save_proxy
from darts_core.tabular.proxy_pth import proxy_from_pth

sys.stderr = open(snakemake.log[0], "w")
save_proxy(proxy_from_pth(snakemake.params.pth), snakemake.output[0])
