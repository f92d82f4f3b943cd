"""ImageNet16 (16x16 downsampled ImageNet) from its pickles, restricted to the first k classes.

Mirrors xautodl `datasets/DownsampledImageNet.py` (ImageNet16): files `train_data_batch_1..10` and
`val_data` with keys `data` (N x 3072, CHW) and `labels` (1-based); ImageNet16-120 keeps labels <= 120
(151,700 train / 6,000 val images). The md5s are those of that file.

Trust: the batches are pickles; each is unpickled only after it matched the md5 pinned here (xautodl's).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from darts_core.data.files import check_digest, missing

SOURCE = "the NAS-Bench-201 authors' Google Drive, https://drive.google.com/drive/folders/1T3UIyZXUhMmIuJLOBMIYKAsJknAtrrO4"
FOLDER = "ImageNet16"
TRAIN = [
    ("train_data_batch_1", "27846dcaa50de8e21a7d1a35f30f0e91"), ("train_data_batch_2", "c7254a054e0e795c69120a5727050e3f"),
    ("train_data_batch_3", "4333d3df2e5ffb114b05d2ffc19b1e87"), ("train_data_batch_4", "1620cdf193304f4a92677b695d70d10f"),
    ("train_data_batch_5", "348b3c2fdbb3940c4e9e834affd3b18d"), ("train_data_batch_6", "6e765307c242a1b3d7d5ef9139b48945"),
    ("train_data_batch_7", "564926d8cbf8fc4818ba23d2faac7564"), ("train_data_batch_8", "f4755871f718ccb653440b9dd0ebac66"),
    ("train_data_batch_9", "bb6dd660c38c58552125b1a92f86b5d4"), ("train_data_batch_10", "8f03f34ac4b42271a294f91bf480f29b"),
]
VALID = [("val_data", "3410e3017fdaefba8d5073aaa65e4bd6")]


def _read(files, folder: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for fname, md5 in files:
        path = folder / fname
        if not path.is_file():
            raise missing(path, md5, "md5", SOURCE)
        check_digest(path, md5, "md5")
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="latin1")
        x = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 16, 16)
        y = np.asarray(entry["labels"], dtype=np.int64)
        keep = (y >= 1) & (y <= num_classes)
        xs.append(x[keep])
        ys.append(y[keep] - 1)  # labels are 1-based in the pickles
    return np.concatenate(xs), np.concatenate(ys)


def read_imagenet16(root: str | Path, num_classes: int = 120):
    """(train_x, train_y, val_x, val_y): uint8 N x 3 x 16 x 16, labels 0..num_classes-1."""
    folder = Path(root) / FOLDER
    return (*_read(TRAIN, folder, num_classes), *_read(VALID, folder, num_classes))
