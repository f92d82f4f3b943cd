"""Stop points of one finished search under the config's criteria (rule `stops`, Algorithm 2)."""

import sys
from pathlib import Path

from darts_core.stops.criteria import evaluate, write_stops

sys.stderr = open(snakemake.log[0], "w")
run_dir = Path(snakemake.input.alphas).parent
write_stops(evaluate(run_dir, snakemake.params.criteria), snakemake.output[0])
