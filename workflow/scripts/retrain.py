"""One architecture trained from scratch (rules `retrain`, `retrain_imagenet`): the genotype a stop
criterion picked, the protocol preset plus the config's overrides, one retrain seed. Resumes from the
checkpoint.pt of an interrupted run; writes results.json and metrics.csv. With the job's `gpu` resource
> 1, torchrun starts one process per GPU (darts_core.train.launch). Under Slurm the training stops after
the checkpoint of the last epoch that fits the job's time limit (runtime) and the retry resumes it."""

import contextlib
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from darts_core.data.preflight import check_imagenet_folder
from darts_core.errors import DartsCoreError, one_line
from darts_core.gpu import claim_gpu

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
w = snakemake.wildcards
data = Path(snakemake.params.data)
if w.rdataset == "imagenet":  # before a GPU is claimed
    try:
        check_imagenet_folder(data)
    except DartsCoreError as err:
        raise DartsCoreError(f"config paths.imagenet: {err}; Table 5 needs it") from None
compute = snakemake.config["compute"]
device = compute["device"]
processes = max(1, int(snakemake.resources.get("gpu", 1)))
# a job's time limit is real only under Slurm (-t runtime); 10 minutes are left for the start and the end
runtime = int(snakemake.resources.get("runtime", 0))
time_limit_s = max(0.5 * runtime, runtime - 10) * 60 if os.environ.get("SLURM_JOB_ID") and runtime else None
# a bad input or fault the package names (no CUDA here, a foreign checkpoint, a full disk, a busy folder,
# the time limit reached) ends the job in its one line
with one_line(), claim_gpu(count=processes) if device == "cuda" else contextlib.nullcontext():
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise DartsCoreError("compute.device is 'cuda', but this job's machine has no CUDA device; set "
                             "compute.device: cpu, or run the job where the GPUs are")

    from darts_core.spaces import darts
    from darts_core.train.launch import run_distributed
    from darts_core.train.protocols import get_protocol
    from darts_core.train.retrain import retrain

    torch.set_num_threads(snakemake.threads)
    picked = json.loads(Path(snakemake.input[0]).read_text())
    cfg = get_protocol(
        w.protocol, **{"num_workers": compute["workers"], **snakemake.params.overrides}
    )
    print(f"{picked['criterion']} epoch {picked['epoch']}: {picked['genotype']}")
    print(f"protocol {cfg}; {processes} process(es); time limit {time_limit_s} s")
    out = Path(snakemake.output.results).parent
    if processes > 1:
        spec = dict(genotype=picked["genotype"], dataset=w.rdataset, config=asdict(cfg), out=str(out),
                    data_dir=str(data), seed=int(w.rseed), device=device,
                    allow_download=snakemake.config["paths"]["download"], time_limit_s=time_limit_s,
                    threads=snakemake.threads)
        res = run_distributed(spec, processes, stream=sys.stdout)
    else:
        res = retrain(
            darts.parse_genotype(picked["genotype"]),
            w.rdataset,
            cfg,
            out,
            data_dir=str(data),
            seed=int(w.rseed),
            device=device,
            allow_download=snakemake.config["paths"]["download"],
            log=print,
            time_limit_s=time_limit_s,
        )
    print(json.dumps({k: res[k] for k in ("params_m", "epochs", "test_error", "top5_error")}))
