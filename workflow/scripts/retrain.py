"""One architecture trained from scratch (rules `retrain`, `retrain_imagenet`): the genotype a stop
criterion picked, the protocol preset plus the config's overrides, one retrain seed. Resumes from the
checkpoint.pt of an interrupted run; writes results.json and metrics.csv."""

import contextlib
import json
import sys
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
# a bad input or fault the package names (no CUDA here, a foreign checkpoint, a full disk, a busy folder)
# ends the job in its one line
with one_line(), claim_gpu() if device == "cuda" else contextlib.nullcontext():
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise DartsCoreError("compute.device is 'cuda', but this job's machine has no CUDA device; set "
                             "compute.device: cpu, or run the job where the GPUs are")

    from darts_core.spaces import darts
    from darts_core.train.protocols import get_protocol
    from darts_core.train.retrain import retrain

    torch.set_num_threads(snakemake.threads)
    picked = json.loads(Path(snakemake.input[0]).read_text())
    cfg = get_protocol(
        w.protocol, **{"num_workers": compute["workers"], **snakemake.params.overrides}
    )
    print(f"{picked['criterion']} epoch {picked['epoch']}: {picked['genotype']}")
    print(f"protocol {cfg}")
    res = retrain(
        darts.parse_genotype(picked["genotype"]),
        w.rdataset,
        cfg,
        Path(snakemake.output.results).parent,
        data_dir=str(data),
        seed=int(w.rseed),
        device=device,
        allow_download=snakemake.config["paths"]["download"],
        log=print,
    )
    print(json.dumps({k: res[k] for k in ("params_m", "epochs", "test_error", "top5_error")}))
