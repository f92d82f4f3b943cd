"""The official NAS-Bench-201 search splits (xautodl `get_nas_search_loaders`).

- CIFAR-10: the 50k training images halved into 25k train / 25k valid. `cifar-split.txt` equals
  `random.seed(1021); random.shuffle(list(range(50000)))`, halves sorted; we compute it (the tests check
  equality with the file).
- CIFAR-100 and ImageNet16-120: the whole training set against the `xvalid` half of the test set, read
  from the official split files (JSON) under `<data_dir>/nb201/splits/`, downloaded from AutoDL-Projects at
  a pinned commit when allowed, and checked by sha256.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from darts_core.data.files import check_digest, download, missing
from darts_core.errors import DartsCoreError

COMMIT = "f46486e21b71ae6459a700be720d7648b5429569"
URL = f"https://raw.githubusercontent.com/D-X-Y/AutoDL-Projects/{COMMIT}/configs/nas-benchmark/{{name}}"
SHA256 = {
    "cifar-split.txt": "986da6174822048d4c5a25ee8ebdb7e754cd5372b51c633ffd4898ace8db9e32",
    "cifar100-test-split.txt": "14a5e3708e790ad57f987cdbcf202f724519475d6e8b0db34d0182e73b581bba",
    "imagenet-16-120-test-split.txt": "c0edac1d3676a9f21acea8feeb31336202d75b1a73df62aec31c6b45bb289a18",
    "ImageNet16-120-split.txt": "b2f3d37fbc2e2c239eb90ce12abeb6bac7a539f8d3888b4d5a136d292cddbef9",
}
# dataset -> (split file of its test/val set, key of the half used as search validation)
VALID_SPLIT = {"cifar100": ("cifar100-test-split.txt", "xvalid"), "ImageNet16-120": ("imagenet-16-120-test-split.txt", "xvalid")}


def split_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "nb201" / "splits"


def cifar10_split(n: int = 50000, seed: int = 1021) -> tuple[np.ndarray, np.ndarray]:
    """(train, valid) indices of the CIFAR-10 search split, each sorted."""
    order = list(range(n))
    random.Random(seed).shuffle(order)  # same stream as random.seed(seed); random.shuffle(order)
    half = n // 2
    return np.sort(np.asarray(order[:half], dtype=np.int64)), np.sort(np.asarray(order[half:], dtype=np.int64))


def load_split(name: str, directory: str | Path, allow_download: bool = False) -> dict[str, np.ndarray]:
    """An official split file as {key: int64 indices}; sha256-checked."""
    path, sha = Path(directory) / name, SHA256[name]
    if not path.is_file():
        if not allow_download:
            raise missing(path, sha, "sha256", URL.format(name=name), "or pass --download")
        download(URL.format(name=name), path, sha, "sha256")
    check_digest(path, sha, "sha256")
    raw = json.loads(path.read_text())
    try:
        return {key: np.asarray([int(i) for i in value[1]], dtype=np.int64) for key, value in raw.items()}
    except (TypeError, ValueError, IndexError):
        raise DartsCoreError(f"split file {path}: expected {{key: ['int', [indices]]}}") from None


def search_valid_indices(dataset: str, data_dir: str | Path, allow_download: bool = False) -> np.ndarray:
    """Indices (into the test/val set) of the search-validation half for CIFAR-100 / ImageNet16-120."""
    name, key = VALID_SPLIT[dataset]
    return load_split(name, split_dir(data_dir), allow_download)[key]
