"""scikit-learn's 8x8 handwritten digits (1,797 real images, bundled with scikit-learn): the CPU demo set.

Grey levels 0..16 are scaled to 0..255 and repeated to 3 channels; images stay 8x8 (the NB201 network
reduces them to 4x4 and 2x2, which is enough for a demo and keeps a CPU epoch at seconds). A fixed
permutation (seed 1021, independent of the run seed) gives 750 search-train / 750 search-valid / 297 test
images. No augmentation: flips and shifts change what a digit is at this size.
"""

from __future__ import annotations

import numpy as np

SPLIT_SEED = 1021
N_TRAIN, N_VALID = 750, 750


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 N x 3 x 8 x 8, labels int64)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    gray = np.rint(np.asarray(data.images, dtype=np.float64) * (255.0 / 16.0)).astype(np.uint8)
    return np.repeat(gray[:, None], 3, axis=1), np.asarray(data.target, dtype=np.int64)


def digits_split(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, valid, test) indices, sorted."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    cut = (order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_VALID], order[N_TRAIN + N_VALID :])
    return tuple(np.sort(c) for c in cut)


def digits_mean_std(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean / std in 0..255 units over all images."""
    x = images.astype(np.float64)
    return tuple(x.mean(axis=(0, 2, 3)).tolist()), tuple(x.std(axis=(0, 2, 3)).tolist())
