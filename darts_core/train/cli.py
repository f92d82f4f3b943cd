"""`retrain` subcommand: train a DARTS-space genotype from scratch under a protocol preset, resuming from
OUT/checkpoint.pt after a preemption. Writes OUT/metrics.csv (per epoch) and OUT/results.json. On N GPUs:
`torchrun --standalone --nproc_per_node=N -m darts_core retrain ...` (one process per GPU)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

from darts_core.errors import DartsCoreError
from darts_core.gpu import claim_gpu
from darts_core.threads import add_threads_option, set_threads
from darts_core.train.protocols import PRESETS, RETRAIN_DATASETS, get_protocol

# CLI flag -> TrainConfig field
OVERRIDES = {"epochs": int, "batch_size": int, "eval_batch_size": int, "lr": float, "init_channels": int, "layers": int,
             "drop_path_prob": float, "cutout_length": int, "auxiliary_weight": float, "label_smoothing": float,
             "weight_decay": float, "num_workers": int, "bn_groups": int}


def register(subparsers) -> None:
    p = subparsers.add_parser("retrain", help="train a DARTS-space genotype from scratch (Tables 4/5)",
                              description=" ".join(__doc__.split()))
    p.add_argument("genotype", metavar="GENOTYPE_OR_FILE",
                   help="published name (DARTS_V2, ...), 'Genotype(...)' string, a file holding one, or a genotypes.csv")
    p.add_argument("--genotype-epoch", type=int, default=None, help="row of a genotypes.csv to take (default: last)")
    p.add_argument("--dataset", required=True, choices=RETRAIN_DATASETS)
    p.add_argument("--protocol", required=True, choices=sorted(PRESETS))
    p.add_argument("--out", required=True, help="output folder (checkpoint.pt, metrics.csv, results.json)")
    p.add_argument("--data", default=None, help="dataset folder (CIFAR tarball/folder; ImageNet root with train/ val/)")
    p.add_argument("--download", action="store_true", help="download CIFAR if absent")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (a free GPU if any, else cpu), cpu, cuda, cuda:N")
    for name, typ in OVERRIDES.items():
        p.add_argument("--" + name.replace("_", "-"), type=typ, default=None, help=f"override the protocol's {name}")
    p.add_argument("--auxiliary", action=argparse.BooleanOptionalAction, default=None, help="auxiliary head on/off")
    p.add_argument("--amp", choices=("off", "bf16", "fp16"), default=None, help="mixed precision (default off)")
    add_threads_option(p)
    p.set_defaults(func=run)


def pick_device(spec: str) -> str:
    import torch

    if spec != "auto":
        if spec.startswith("cuda") and not torch.cuda.is_available():
            raise DartsCoreError(f"--device {spec}: CUDA is not available on this machine")
        return spec
    return "cuda" if torch.cuda.is_available() else "cpu"


def run(args) -> int:
    from darts_core.train.genotype_source import resolve_genotype
    from darts_core.train.retrain import retrain

    overrides = {name: getattr(args, name) for name in OVERRIDES}
    overrides["auxiliary"] = args.auxiliary
    overrides["amp"] = args.amp
    cfg = get_protocol(args.protocol, **overrides)
    genotype = resolve_genotype(args.genotype, args.genotype_epoch)
    set_threads(args.threads)
    under_torchrun = int(os.environ.get("WORLD_SIZE", "1")) > 1  # torchrun gave each process its GPU
    # --device auto claims a free GPU (or keeps the one Slurm gave) before CUDA starts; cpu when none.
    with claim_gpu() if args.device == "auto" and not under_torchrun else contextlib.nullcontext():
        from darts_core.train import distributed

        dist, device = distributed.from_env(pick_device(args.device))
        say = (lambda line: print(line, file=sys.stderr, flush=True)) if dist.main else None
        try:
            res = retrain(genotype, args.dataset, cfg, args.out, data_dir=args.data, seed=args.seed, device=device,
                          allow_download=args.download, log=say, dist=dist)
        finally:
            distributed.close()
    if dist.main:
        print(json.dumps({k: res[k] for k in ("params_m", "epochs", "test_error", "top5_error")}))
    return 0
