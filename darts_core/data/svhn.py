"""SVHN (cropped digits, format 2) from the official MATLAB files, read with scipy (no torchvision).

Files: `train_32x32.mat` and `test_32x32.mat` under `<data_dir>/svhn/` (or `<data_dir>/` itself, where
torchvision's `SVHN(root)` keeps them), from http://ufldl.stanford.edu/housenumbers/; md5s are those
torchvision's SVHN class pins. `X` is 32 x 32 x 3 x N uint8, `y` N x 1 with label 10 for the digit 0; as
torchvision's SVHN (which RobustDARTS src/search/args.py and src/evaluation/args.py load through
`dset.SVHN(split='train' / 'test')`), images become N x 3 x 32 x 32 (transpose (3, 2, 0, 1)) and label 10
becomes 0. The `extra` split is not used (RobustDARTS does not).

Trust: a .mat file is MATLAB v5 data, not a pickle; it is still opened only after its md5 matched the pin,
so a corrupt or foreign file is refused with one line before scipy reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from darts_core.data.files import check_digest, download, missing
from darts_core.errors import DartsCoreError

URL = "http://ufldl.stanford.edu/housenumbers/{name}"
FOLDER = "svhn"
# split -> (file name, md5): torchvision.datasets.SVHN.split_list
FILES = {
    "train": ("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"),
    "test": ("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"),
}


def svhn_path(root: str | Path, name: str) -> Path:
    """Where a file is read from: `<root>/svhn/<name>`, else `<root>/<name>` (torchvision's layout)."""
    root = Path(root)
    nested = root / FOLDER / name
    return nested if nested.is_file() or not (root / name).is_file() else root / name


def _read_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import scipy.io

    try:
        mat = scipy.io.loadmat(str(path), variable_names=("X", "y"))
    except Exception as err:  # noqa: BLE001 - scipy raises ValueError, TypeError, MatReadError...
        raise DartsCoreError(f"{path}: not a readable MATLAB file ({type(err).__name__}: "
                             f"{' '.join(str(err).split())})") from None
    x, y = mat.get("X"), mat.get("y")
    if x is None or y is None:
        raise DartsCoreError(f"{path}: expected variables X and y (SVHN format 2), found "
                             f"{', '.join(k for k in mat if not k.startswith('__')) or 'none'}")
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise DartsCoreError(f"{path}: X must be 32 x 32 x 3 x N uint8, got {' x '.join(map(str, x.shape))} {x.dtype}")
    y = np.asarray(y).reshape(-1)
    if len(y) != x.shape[3]:
        raise DartsCoreError(f"{path}: {x.shape[3]} images but {len(y)} labels")
    if len(y) and (y.min() < 1 or y.max() > 10):
        raise DartsCoreError(f"{path}: labels must be 1..10 (10 = digit 0), got {int(y.min())}..{int(y.max())}")
    images = np.ascontiguousarray(np.transpose(x, (3, 2, 0, 1)))  # torchvision SVHN: N x C x H x W
    labels = y.astype(np.int64)
    labels[labels == 10] = 0  # torchvision: np.place(labels, labels == 10, 0)
    return images, labels


def read_svhn(root: str | Path, allow_download: bool = False, files: dict | None = None):
    """(train_x, train_y, test_x, test_y): uint8 N x 3 x 32 x 32 images and int64 labels 0..9.
    `files` replaces the pinned {split: (name, md5)} (tests build their own small files)."""
    files = FILES if files is None else files
    out = []
    for split in ("train", "test"):
        name, md5 = files[split]
        path = svhn_path(root, name)
        if not path.is_file():
            if not allow_download:
                raise missing(path, md5, "md5", URL.format(name=name), "or pass --download")
            download(URL.format(name=name), path, md5, "md5")
        check_digest(path, md5, "md5")
        out += _read_mat(path)
    return tuple(out)

