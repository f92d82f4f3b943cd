"""Train-from-scratch fallback: accuracy of an architecture on data without a benchmark table.

The arch is built as the stand-alone network its space names (`Space.network`: NB201's TinyNetwork,
darts_core.nn.nb201_net; for the NAS-Bench-1Shot1 spaces the NB101 network of the arch's spec,
darts_core.nn.nb101_net, `channels` its stem and `num_cells` its cells per stack) and trained with
the NAS-Bench-201 protocol (AutoDL-Projects configs/nas-benchmark/hyper-opts/200E.config: SGD momentum 0.9,
nesterov, weight decay 5e-4, lr 0.1 cosine to 0 per epoch, batch 256, 200 epochs, plain cross-entropy, no
gradient clipping; C=16, N=5), scaled by the `protocol` dict (any of PROTOCOL_DEFAULTS). Training is
darts_core.train.trainer.fit (per-epoch checkpoints, exact resume); data from darts_core.data.loaders.

Metrics follow the benchmark's convention (exps/NAS-Bench-201/main.py):
- test: a model trained on the whole training set (CIFAR-10: train+valid), scored on the test set; for
  CIFAR-100 / ImageNet16-120 the same model gives valid = x-valid and test = x-test halves of the test set.
- valid (CIFAR-10, digits; `valid_split`): a second model trained on the search-train split, scored on the
  search-valid split (CIFAR-10: `cifar10-valid` x-valid).
Results are cached in `cache_dir/<dataset>/<index>-s<seed>-<key>/result.json`, key = sha256 of (arch,
dataset, resolved protocol, seed): each architecture is trained once per seed; a file lock makes concurrent
jobs wait for the first one instead of training twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import torch

from darts_core.errors import DartsCoreError
from darts_core.runlog import GENOTYPES, write_json
from darts_core.spaces import space_of_arch
from darts_core.spaces.base import resolve

PROTOCOL_DEFAULTS = {"epochs": 200, "batch_size": 256, "lr": 0.1, "eta_min": 0.0, "momentum": 0.9, "nesterov": True,
                     "weight_decay": 5e-4, "channels": 16, "num_cells": 5, "valid_split": True, "bn_momentum": 0.0}
# bn_momentum 0: every BatchNorm keeps the network's own (NB201 0.1; NB101 0.003, TF's decay 0.997, whose
# running statistics a few-epoch protocol would leave near their initial values: the demo sets 0.1)
FORMAT = 1  # bump when the training or the result layout changes: old cache entries are then ignored
SEPARATE_VALID = ("cifar10", "digits")  # datasets whose valid metric needs its own training (train/valid split)
TEST_SPLITS = {"cifar100": "cifar100-test-split.txt", "ImageNet16-120": "imagenet-16-120-test-split.txt"}


def resolve_protocol(protocol: dict | None) -> dict:
    """PROTOCOL_DEFAULTS updated by `protocol`; unknown keys or bad values raise DartsCoreError."""
    protocol = dict(protocol or {})
    unknown = sorted(set(protocol) - set(PROTOCOL_DEFAULTS))
    if unknown:
        raise DartsCoreError(f"unknown scratch-protocol key(s) {', '.join(unknown)}; known: {', '.join(PROTOCOL_DEFAULTS)}")
    out = {**PROTOCOL_DEFAULTS, **protocol}
    for key, default in PROTOCOL_DEFAULTS.items():
        try:
            out[key] = bool(out[key]) if isinstance(default, bool) else type(default)(out[key])
        except (TypeError, ValueError):
            raise DartsCoreError(f"scratch protocol: {key}={out[key]!r} is not a {type(default).__name__}") from None
    if not 0.0 <= out["bn_momentum"] <= 1.0:
        raise DartsCoreError(f"scratch protocol: bn_momentum={out['bn_momentum']} is not in [0, 1]")
    if out["epochs"] < 1 or out["batch_size"] < 1 or out["channels"] < 1 or out["num_cells"] < 1 or out["lr"] <= 0:
        raise DartsCoreError(f"scratch protocol: epochs, batch_size, channels, num_cells and lr must be positive ({out})")
    return out


def cache_key(arch: str, dataset: str, protocol: dict, seed: int) -> str:
    text = json.dumps({"arch": arch, "dataset": dataset, "protocol": protocol, "seed": int(seed), "format": FORMAT},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _train_config(p: dict):
    from darts_core.train.protocols import TrainConfig

    # no clipping in NB201 (functions.py `procedure`): an infinite max norm makes clip_grad_norm_ a no-op
    return TrainConfig(name="nb201-scratch", network="nb201", epochs=p["epochs"], batch_size=p["batch_size"], lr=p["lr"],
                       lr_schedule="cosine", lr_min=p["eta_min"], momentum=p["momentum"], nesterov=p["nesterov"],
                       weight_decay=p["weight_decay"], grad_clip=math.inf, init_channels=p["channels"],
                       layers=p["num_cells"], auxiliary=False, drop_path_prob=0.0, cutout_length=0)


@torch.no_grad()
def _correct(model, loader, device) -> torch.Tensor:
    """Per-sample top-1 hits over an unshuffled loader, in loader order."""
    model.eval()
    return torch.cat([model(x.to(device)).argmax(1).cpu().eq(y) for x, y in loader])


def _fit(arch, p, train, test, shape, num_classes, seed, out, device, part) -> tuple[torch.nn.Module, float]:
    from darts_core.train.trainer import fit

    torch.manual_seed(seed)  # NB201 prepare_seed(seed) before building the net: same init for every part
    network = resolve(space_of_arch(arch).network)
    model = network(arch, num_classes, p["channels"], p["num_cells"], in_channels=int(shape[0]))
    if p["bn_momentum"] > 0:
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.momentum = p["bn_momentum"]
    res = fit(model, train, test, _train_config(p), out / part, device=device,
              identity={"arch": arch, "seed": int(seed), "part": part})
    return model, float(res["train_seconds"])


def _train(arch, dataset, data_dir, p, seed, out: Path, device, workers, allow_download) -> dict:
    from darts_core.data import loaders, splits
    from darts_core.nn.nb201_net import count_parameters

    train, test, num_classes, shape = loaders.eval_loaders(dataset, data_dir, p["batch_size"], workers, seed, allow_download)
    model, seconds = _fit(arch, p, train, test, shape, num_classes, seed, out, device, "test")
    hits = _correct(model, test, device)
    result = {"params": count_parameters(model), "valid_accuracy": None, "test_accuracy": 100.0 * float(hits.float().mean())}
    if dataset in TEST_SPLITS:  # x-valid / x-test halves of the test set, scored by the same model
        halves = splits.load_split(TEST_SPLITS[dataset], splits.split_dir(data_dir), allow_download)
        if len(hits) <= max(int(halves["xvalid"].max()), int(halves["xtest"].max())):
            raise DartsCoreError(f"{dataset}: the split file indexes beyond the {len(hits)} test images")
        result["valid_accuracy"] = 100.0 * float(hits[halves["xvalid"]].float().mean())
        result["test_accuracy"] = 100.0 * float(hits[halves["xtest"]].float().mean())
    elif dataset in SEPARATE_VALID and p["valid_split"]:
        d = loaders._load(dataset, data_dir, allow_download)  # the search split (data, indices) of the dataset
        (tr_data, tr), (va_data, va), tf = d["search_train"], d["search_valid"], d["transform"]
        tr_loader = loaders.EpochLoader(loaders.PlainBatches(tr_data, tr, p["batch_size"], seed, tf, True), workers)
        va_loader = loaders.EpochLoader(loaders.PlainBatches(va_data, va, p["batch_size"], seed, tf.eval(), False), workers)
        model, more = _fit(arch, p, tr_loader, va_loader, shape, num_classes, seed, out, device, "valid")
        result["valid_accuracy"] = 100.0 * float(_correct(model, va_loader, device).float().mean())
        seconds += more
    return {**result, "train_seconds": seconds}


@contextmanager
def _threads(n: int | None):
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_arch(arch: str, dataset: str, data_dir, protocol: dict | None, seed: int, cache_dir, device: str = "cpu",
               workers: int = 0, allow_download: bool = False, threads: int | None = None) -> dict:
    """Train (or fetch from the cache) one arch (of any space with a `network`) on `dataset`; returns arch,
    index (None for a space without a benchmark index), dataset, seed, protocol, valid_accuracy / test_accuracy (percent, None where the dataset has no such metric), params (count),
    train_seconds, cache (entry folder) and cached (True when nothing was trained). `threads`: torch CPU
    threads while training (restored after); `device`, `workers`, `threads` do not enter the cache key."""
    space = space_of_arch(arch)
    arch = space.canonical_arch(arch)  # DartsCoreError for a malformed string
    if not space.network:
        raise DartsCoreError(f"space {space.name} names no stand-alone network to train {arch!r} from scratch")
    p = resolve_protocol(protocol)
    key = cache_key(arch, dataset, p, seed)
    index = resolve(space.arch_index)(arch) if space.arch_index else None
    name = f"s{int(seed)}-{key[:12]}" if index is None else f"{index:05d}-s{int(seed)}-{key[:12]}"
    entry = Path(cache_dir) / dataset / name
    done = entry / "result.json"
    with _locked(entry / ".lock"):
        if done.is_file():
            result = json.loads(done.read_text())
            if result.get("key") == key:
                return {**result, "cache": str(entry), "cached": True}
        t0 = time.time()
        with _threads(threads):
            trained = _train(arch, dataset, data_dir, p, int(seed), entry, device, workers, allow_download)
        result = {"arch": arch, "index": index, "dataset": dataset, "seed": int(seed), "protocol": p,
                  "key": key, **trained, "wall_seconds": time.time() - t0, "device": str(device), "torch": torch.__version__}
        write_json(result, done)
    return {**result, "cache": str(entry), "cached": False}


def lookup_run_scratch(run_dir, dataset: str, data_dir, protocol: dict | None, seed: int, cache_dir, **kwargs) -> pd.DataFrame:
    """Like lookup.lookup_run for data without a table: `epoch, arch, index, <dataset>_valid, <dataset>_test,
    params`, each distinct arch of the run's genotypes.csv trained once (cached)."""
    path = Path(run_dir) / GENOTYPES
    if not path.is_file():
        raise DartsCoreError(f"run {run_dir}: {GENOTYPES} does not exist")
    genotypes = pd.read_csv(path)
    results = {a: train_arch(a, dataset, data_dir, protocol, seed, cache_dir, **kwargs) for a in dict.fromkeys(genotypes["arch"])}
    rows = [{"epoch": e, "arch": a, "index": results[a]["index"], f"{dataset}_valid": results[a]["valid_accuracy"],
             f"{dataset}_test": results[a]["test_accuracy"], "params": results[a]["params"]}
            for e, a in zip(genotypes["epoch"], genotypes["arch"])]
    return pd.DataFrame(rows).astype({f"{dataset}_valid": float, f"{dataset}_test": float})
