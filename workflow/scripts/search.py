"""One search (rule `search`): the rule's settings plus this machine's data, device and workers."""

import contextlib
import sys
import time
from pathlib import Path

from darts_core.errors import one_line
from darts_core.gpu import claim_gpu

console = sys.__stdout__  # one line per finished search on the console; the rest goes to the log
started = time.monotonic()
sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
compute = snakemake.config["compute"]
# one GPU per job under `--resources gpu=N` (claimed before torch starts CUDA); a bad input or fault the
# package names (no CUDA here, a foreign checkpoint, a full disk, a busy run folder) ends in its one line
with one_line(), claim_gpu() if compute["device"] == "cuda" else contextlib.nullcontext():
    import torch

    from darts_core.search.config import resolve_config
    from darts_core.search.loop import run_search

    torch.set_num_threads(snakemake.threads)
    cfg = resolve_config(
        {
            **snakemake.params.settings,
            "data_dir": snakemake.config["paths"]["data"],
            "download": snakemake.config["paths"]["download"],
            "device": compute["device"],
            "workers": compute["workers"],
        }
    )
    out = run_search(cfg, Path(snakemake.output.alphas).parent)
    w = snakemake.wildcards
    print(f"search finished: {w.experiment}/{w.space}-{w.dataset}/{w.method}/{w.run}/seed{w.seed}, "
          f"{cfg.epochs} epochs, {time.monotonic() - started:.0f} s (log {snakemake.log[0]})", file=console, flush=True)
