"""CIFAR-10 / CIFAR-100 from the original python tarballs (no torchvision).

Accepted layouts under `root`: the extracted `cifar-10-batches-py/` (`cifar-100-python/`), as torchvision
and xautodl `get_datasets` keep them, or the tarball `cifar-10-python.tar.gz` (`cifar-100-python.tar.gz`)
read in place. Checksums are those of torchvision's CIFAR10/CIFAR100 classes.

Trust: the batches are pickles; each is unpickled only after its file (or the tarball it is read from)
matched the md5 pinned here, the digest the dataset's publishers and torchvision give. No other file is
unpickled.
"""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np

from darts_core.data.files import check_digest, download, missing
from darts_core.errors import DartsCoreError

SOURCES = {
    "cifar10": {
        "url": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "tarball": ("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),
        "folder": "cifar-10-batches-py",
        "train": [(f"data_batch_{i}", md5) for i, md5 in enumerate(
            ["c99cafc152244af753f735de768cd75f", "d4bba439e000b95fd0a9bffe97cbabec", "54ebc095f3ab1f0389bbae665268c751",
             "634d18415352ddfa80567beed471001a", "482c414d41f54cd18b22e5b47cb7c3cb"], start=1)],
        "test": [("test_batch", "40351d587109b95175f43aff81a1287e")],
        "label_key": "labels",
    },
    "cifar100": {
        "url": "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        "tarball": ("cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85"),
        "folder": "cifar-100-python",
        "train": [("train", "16019d7e3df5f24257cddd939b257f8d")],
        "test": [("test", "f0ef6b0ae62326f3e7ffdfab6717acfc")],
        "label_key": "fine_labels",
    },
}


def _arrays(entries: list[dict], label_key: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([np.asarray(e["data"], dtype=np.uint8).reshape(-1, 3, 32, 32) for e in entries])
    y = np.concatenate([np.asarray(e[label_key], dtype=np.int64) for e in entries])
    return x, y


def read_cifar(name: str, root: str | Path, allow_download: bool = False):
    """(train_x, train_y, test_x, test_y): uint8 N x 3 x 32 x 32 images and int64 labels."""
    if name not in SOURCES:
        raise DartsCoreError(f"unknown CIFAR dataset {name!r}; choose from {', '.join(SOURCES)}")
    src, root = SOURCES[name], Path(root)
    folder = root / src["folder"]
    parts = {"train": src["train"], "test": src["test"]}
    if folder.is_dir():
        loaded = {}
        for split, files in parts.items():
            entries = []
            for fname, md5 in files:
                path = folder / fname
                if not path.is_file():
                    raise missing(path, md5, "md5", src["url"], f"or remove {folder} and use the tarball")
                check_digest(path, md5, "md5")
                with open(path, "rb") as f:
                    entries.append(pickle.load(f, encoding="latin1"))
            loaded[split] = _arrays(entries, src["label_key"])
        return (*loaded["train"], *loaded["test"])
    tar_name, tar_md5 = src["tarball"]
    tar_path = root / tar_name
    if not tar_path.is_file():
        if not allow_download:
            raise missing(tar_path, tar_md5, "md5", src["url"], f"or pass --download (or put {src['folder']}/ there)")
        download(src["url"], tar_path, tar_md5, "md5")
    check_digest(tar_path, tar_md5, "md5")
    with tarfile.open(tar_path, "r:gz") as tar:
        def load(fname):
            return pickle.load(tar.extractfile(f"{src['folder']}/{fname}"), encoding="latin1")

        train = _arrays([load(f) for f, _ in parts["train"]], src["label_key"])
        test = _arrays([load(f) for f, _ in parts["test"]], src["label_key"])
    return (*train, *test)
