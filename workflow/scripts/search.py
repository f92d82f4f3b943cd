"""One search (rule `search`): the rule's settings plus this machine's data, device and workers."""

import contextlib
import sys
from pathlib import Path

from darts_core.errors import one_line
from darts_core.gpu import claim_gpu

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
    run_search(cfg, Path(snakemake.output.alphas).parent)
