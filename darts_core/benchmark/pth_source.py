"""Reading the official NAS-Bench-201 .pth through the nas-bench-201 API into the compact table.

Trust: the file is a pickle, and unpickling it can run any code it holds. No full checksum of the
official files is published (the NB201 README and the AutoDL-Projects docs only say the tag in
`NAS-Bench-201-v1_0-e61699.pth` "is the last six digits for this file"; a 6-hex tag in a file's own name
is checked against its own digest, so any file named after its own hash passes it). So a .pth is
unpickled only when
- it matches a full sha256 the user pins (`--sha256`, config `paths.nb201_sha256`), or
- the user opted in explicitly (`--trust-unverified`, config `paths.nb201_trust_unverified: true`): the tag
  is still checked (it catches truncation), a warning is logged, and the table records `source_verified`.
The table records the file's sha256, so it can be pinned after the first conversion.

torch >= 2.6 loads with weights_only=True by default, and nas_201_api (api_201.py `NASBench201API.__init__`)
calls torch.load without that argument, which then refuses the file's pickled numpy/Python objects. We
load the file ourselves with weights_only=False, only after the checksum check, and hand the API a dict
(which it accepts). The API deep-copies that dict, so we give it one chunk of architectures at a time and
drop each chunk afterwards: peak memory stays near one copy of the file instead of two.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.benchmark.nb201_index import NUM_ARCHS, index_to_arch
from darts_core.benchmark.table import DATASETS, METRICS, long_table
from darts_core.errors import DartsCoreError

# the API's own naming convention (nas_201_api/api_201.py ALL_BENCHMARK_FILES)
NAME_PATTERN = re.compile(r"^NAS-Bench-201-v(\d+)_(\d+)-([0-9a-f]{6})\.pth$")
CHUNK = 500  # architectures per API instance
log = logging.getLogger("darts_core.benchmark")


def file_digests(path: str | os.PathLike) -> tuple[str, str]:
    """(md5, sha256) hex digests in one pass."""
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def verify_checksum(path: str | os.PathLike, sha256: str | None = None, trust_unverified: bool = False) -> str:
    """Check the file against a pinned sha256; without one, only with `trust_unverified` (then against the
    hash tag in its official name, and logged). Returns its sha256."""
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"NAS-Bench-201 file {path} does not exist")
    md5, sha = file_digests(path)
    if sha256:
        if sha != sha256.strip().lower():
            raise DartsCoreError(f"{path}: sha256 {sha} differs from the pinned {sha256}")
        return sha
    if not trust_unverified:
        raise DartsCoreError(f"{path}: cannot verify this file (no full digest of the NAS-Bench-201 files is published, "
                             f"and unpickling it runs any code it holds); pin its sha256 {sha} (--sha256, config "
                             "paths.nb201_sha256) if you trust it, or opt in with --trust-unverified "
                             "(paths.nb201_trust_unverified: true)")
    match = NAME_PATTERN.match(path.name)
    if not match:
        raise DartsCoreError(f"{path}: cannot verify a file not named like NAS-Bench-201-v1_1-096897.pth; "
                             f"keep the official name or pin its sha256 (--sha256)")
    tag = match.group(3)
    if not any(d.startswith(tag) or d.endswith(tag) for d in (md5, sha)):
        raise DartsCoreError(f"{path}: checksum does not match the tag {tag} in its name (md5 {md5}, sha256 {sha}); "
                             f"the file is corrupt or incomplete")
    log.warning("UNVERIFIED: unpickling %s (sha256 %s) on the user's explicit opt-in (trust_unverified); only its "
                "name's 6-hex tag was checked. Pin the sha256 to verify it next time.", path, sha)
    return sha


def load_pth(path: str | os.PathLike) -> dict:
    """Unpickle the benchmark file (weights_only=False: call only after verify_checksum)."""
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - a file that passed the checksum but is no torch file at all
        raise DartsCoreError(f"{path}: not a NAS-Bench-201 benchmark file, torch cannot load it "
                             f"({type(err).__name__}: {' '.join(str(err).split())})") from None
    if not isinstance(data, dict) or not {"meta_archs", "arch2infos", "evaluated_indexes"} <= set(data):
        raise DartsCoreError(f"{path}: not a NAS-Bench-201 benchmark dict (needs meta_archs, arch2infos, evaluated_indexes)")
    return data


def _query(api, index: int, dataset: str, metric: str) -> float:
    """200-epoch accuracy averaged over seeds, or NaN when the file lacks it.

    Mirrors the paper / API convention (api_utils.py remap_dataset_set_names): CIFAR-10 valid is
    `cifar10-valid` x-valid, CIFAR-10 test is `cifar10` ori-test, the others x-valid / x-test.
    """
    source = "cifar10-valid" if (dataset, metric) == ("cifar10", "valid") else dataset
    try:
        info = api.get_more_info(index, source, iepoch=None, hp="200", is_random=False)
    except (KeyError, ValueError):  # dataset not trained for this arch
        return float("nan")
    value = info.get(f"{metric}-accuracy")
    return float("nan") if value is None else float(value)


def table_from_dict(data: dict) -> pd.DataFrame:
    """Compact table from a loaded benchmark dict, via `NASBench201API.get_more_info(hp='200', is_random=False)`.

    Consumes `data['arch2infos']` chunk by chunk (to bound memory). Checks that the file's `meta_archs`
    order is the computed index order.
    """
    from nas_201_api import NASBench201API

    meta = list(data["meta_archs"])
    if len(meta) != NUM_ARCHS:
        raise DartsCoreError(f"benchmark file lists {len(meta)} architectures, expected {NUM_ARCHS}")
    for i in (0, 1462, 1835, NUM_ARCHS - 1, *sorted(data["evaluated_indexes"])):
        if meta[i] != index_to_arch(i):
            raise DartsCoreError(f"benchmark file: meta_archs[{i}] is {meta[i]!r}, the computed index order says {index_to_arch(i)!r}")
    indexes = np.array(sorted(int(i) for i in data["evaluated_indexes"] if i in data["arch2infos"]), dtype=np.int64)
    acc = {(d, m): np.full(len(indexes), np.nan) for d in DATASETS for m in METRICS}
    infos = data["arch2infos"]
    for start in range(0, len(indexes), CHUNK):
        chunk = [int(i) for i in indexes[start:start + CHUNK]]
        api = NASBench201API({"meta_archs": meta, "arch2infos": {i: infos[i] for i in chunk},
                              "evaluated_indexes": chunk}, verbose=False)
        for k, index in enumerate(chunk, start=start):
            for dataset, metric in acc:
                acc[dataset, metric][k] = _query(api, index, dataset, metric)
        for i in chunk:
            del infos[i]
        del api
    present = {key: values for key, values in acc.items() if not np.isnan(values).all()}
    return long_table(present, indexes, [meta[i] for i in indexes])


def read_pth(path: str | os.PathLike, sha256: str | None = None, trust_unverified: bool = False) -> pd.DataFrame:
    """Verify, load and convert an official benchmark file (see the module docstring)."""
    path = Path(path)
    digest = verify_checksum(path, sha256, trust_unverified)
    try:
        table = table_from_dict(load_pth(path))
    except DartsCoreError as err:  # name the file in the content checks of table_from_dict too
        raise DartsCoreError(str(err) if str(err).startswith(str(path)) else f"{path}: {err}") from None
    table.attrs.update({"source": f"pth: {path.name}", "source_sha256": digest,
                        "source_verified": "pinned sha256" if sha256 else "UNVERIFIED (explicit opt-in)"})
    return table
