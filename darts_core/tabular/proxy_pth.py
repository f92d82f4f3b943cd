"""The faithful proxy from the official NAS-Bench-201 .pth: every seed's 12-epoch x-valid accuracy and cost.

Per architecture and per training seed of the hp='12' results (sorted, as `ArchResults.get_dataset_seeds`),
`NASBench201API.get_more_info(index, dataname, iepoch=None, hp='12', is_random=seed)` gives
`valid-accuracy` and `train-all-time + valid-per-time`: exactly what R_EA.py `train_and_eval` returns for a
query whose random seed draw picked that seed. `dataname` is `cifar10-valid` for CIFAR-10 (R_EA.py `main`).

Loading reuses the benchmark table's reader (`darts_core.benchmark.pth_source`: checksum check, torch.load
with weights_only=False, one API instance per chunk of architectures to bound memory). Needs the RAM of the
file (~28 GB for v1_1): build once with `python -m darts_core tabular-proxy --pth ... --out proxy.parquet`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from darts_core.benchmark.nb201_index import NUM_ARCHS, index_to_arch
from darts_core.benchmark.pth_source import CHUNK, load_pth, verify_checksum
from darts_core.errors import DartsCoreError
from darts_core.tabular.proxy import PTH_NOTE, Proxy

DATANAMES = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}
HP = "12"


def _trials(api, index: int, dataname: str) -> list[tuple[float, float]]:
    """(valid accuracy, cost) per seed of the 12-epoch results; [] when the file lacks them."""
    try:
        seeds = api.arch2infos_dict[index][HP].get_dataset_seeds(dataname)
    except KeyError:
        return []
    out = []
    for seed in seeds:
        info = api.get_more_info(index, dataname, iepoch=None, hp=HP, is_random=seed)
        if info.get("valid-accuracy") is None or info.get("train-all-time") is None or info.get("valid-per-time") is None:
            continue
        out.append((float(info["valid-accuracy"]), float(info["train-all-time"]) + float(info["valid-per-time"])))
    return out


def proxy_from_dict(data: dict, dataset: str = "cifar10") -> Proxy:
    """Proxy from a loaded benchmark dict (consumes `data['arch2infos']` chunk by chunk, like the table reader)."""
    from nas_201_api import NASBench201API

    if dataset not in DATANAMES:
        raise DartsCoreError(f"proxy dataset {dataset!r}: choose from {', '.join(DATANAMES)}")
    dataname = DATANAMES[dataset]
    meta = list(data["meta_archs"])
    if len(meta) != NUM_ARCHS:
        raise DartsCoreError(f"benchmark file lists {len(meta)} architectures, expected {NUM_ARCHS}")
    indexes = sorted(int(i) for i in data["evaluated_indexes"] if i in data["arch2infos"])
    for i in (0, NUM_ARCHS - 1, *indexes):
        if meta[i] != index_to_arch(i):
            raise DartsCoreError(f"benchmark file: meta_archs[{i}] is {meta[i]!r}, the computed index order says {index_to_arch(i)!r}")
    found: dict[int, list[tuple[float, float]]] = {}
    infos = data["arch2infos"]
    for start in range(0, len(indexes), CHUNK):
        chunk = indexes[start:start + CHUNK]
        api = NASBench201API({"meta_archs": meta, "arch2infos": {i: infos[i] for i in chunk},
                              "evaluated_indexes": chunk}, verbose=False)
        for index in chunk:
            found[index] = _trials(api, index, dataname)
            del infos[index]
        del api
    width = max([len(v) for v in found.values()] + [1])
    valid, cost = np.full((NUM_ARCHS, width), np.nan), np.full((NUM_ARCHS, width), np.nan)
    for index, trials in found.items():
        for t, (acc, sec) in enumerate(trials):
            valid[index, t], cost[index, t] = acc, sec
    if np.isnan(valid).all():
        raise DartsCoreError(f"benchmark file holds no 12-epoch (hp='12') {dataname} results")
    return Proxy(valid, cost, source=f"pth (hp='12', {dataname} x-valid, per seed)", dataset=dataset, note=PTH_NOTE)


def proxy_from_pth(path: str | os.PathLike, dataset: str = "cifar10", sha256: str | None = None,
                   trust_unverified: bool = False) -> Proxy:
    """Verify, load and convert an official benchmark file; records its name and sha256."""
    path = Path(path)
    digest = verify_checksum(path, sha256, trust_unverified)
    proxy = proxy_from_dict(load_pth(path), dataset)
    proxy.extra.update({"source_file": path.name, "source_sha256": digest})
    return proxy
