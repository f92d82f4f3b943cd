"""K seeds of one search in one job (a packed rule of workflow/rules/search.smk): the rule's settings per
seed plus this machine's data, device and workers, as workflow/scripts/search.py."""

import contextlib
import sys
import time

from darts_core.errors import one_line
from darts_core.gpu import claim_gpu

console = sys.__stdout__
started = time.monotonic()
sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
compute = snakemake.config["compute"]
with one_line(), claim_gpu() if compute["device"] == "cuda" else contextlib.nullcontext():
    import torch

    from darts_core.search.config import resolve_config
    from darts_core.search.packed_loop import run_packed_search

    torch.set_num_threads(snakemake.threads)
    machine = {"data_dir": snakemake.config["paths"]["data"], "download": snakemake.config["paths"]["download"],
               "device": compute["device"], "workers": compute["workers"]}
    cfgs = [resolve_config({**settings, **machine}) for settings in snakemake.params.settings]
    run_packed_search(cfgs, snakemake.params.dirs)
    print(f"packed search finished: {', '.join(snakemake.params.dirs)}, {cfgs[0].epochs} epochs, "
          f"{time.monotonic() - started:.0f} s (log {snakemake.log[0]})", file=console, flush=True)
