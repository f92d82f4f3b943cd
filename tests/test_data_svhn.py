"""SVHN from the official MATLAB files (darts_core.data.svhn): small .mat files built here with scipy in the
official layout (X 32x32x3xN uint8, y Nx1 with 10 for the digit 0), their md5s pinned for the test; a file
whose md5 differs from its pin is refused in one line before scipy opens it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from darts_core.data import NUM_CLASSES, svhn
from darts_core.data.files import file_digest
from darts_core.data.preflight import check_dataset
from darts_core.errors import DartsCoreError


def write_mat(path, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, (n, 1)).astype(np.uint8)  # official labels 1..10
    y[0, 0] = 10  # at least one "0" digit
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(str(path), {"X": x, "y": y})
    return x, y


@pytest.fixture
def svhn_files(tmp_path):
    root = tmp_path / "data"
    train = write_mat(root / "svhn" / "train_32x32.mat", 10, 0)
    test = write_mat(root / "svhn" / "test_32x32.mat", 4, 1)
    pins = {split: (name, file_digest(root / "svhn" / name)) for split, (name, _) in svhn.FILES.items()}
    return root, pins, train, test


def test_official_pins():
    assert svhn.FILES == {"train": ("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"),
                          "test": ("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3")}


def test_reader_layout_and_labels(svhn_files):
    root, pins, (x, y), (xt, yt) = svhn_files
    tx, ty, sx, sy = svhn.read_svhn(root, files=pins)
    assert tx.shape == (10, 3, 32, 32) and tx.dtype == np.uint8 and sx.shape == (4, 3, 32, 32)
    # torchvision SVHN: np.transpose(X, (3, 2, 0, 1)) -> image i, channel c, row h, column w = X[h, w, c, i]
    assert tx[3, 2, 5, 7] == x[5, 7, 2, 3] and tx[9, 0, 31, 0] == x[31, 0, 0, 9]
    want = y.reshape(-1).astype(np.int64)
    want[want == 10] = 0
    np.testing.assert_array_equal(ty, want)
    assert ty[0] == 0 and ty.dtype == np.int64 and 0 <= ty.min() and ty.max() <= 9 and NUM_CLASSES["svhn"] == 10
    np.testing.assert_array_equal(sy, np.where(yt.reshape(-1) == 10, 0, yt.reshape(-1)))


def test_torchvision_layout_is_read_too(svhn_files, tmp_path):
    root, pins, _, _ = svhn_files
    flat = tmp_path / "flat"
    flat.mkdir()
    for name, _ in pins.values():
        (flat / name).write_bytes((root / "svhn" / name).read_bytes())
    assert svhn.read_svhn(flat, files=pins)[0].shape == (10, 3, 32, 32)


def test_corrupted_file_is_refused_in_one_line(svhn_files):
    root, pins, _, _ = svhn_files
    path = root / "svhn" / "test_32x32.mat"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DartsCoreError) as err:
        svhn.read_svhn(root, files=pins)
    msg = str(err.value)
    assert "\n" not in msg and "test_32x32.mat: md5 is" in msg and f"expected {pins['test'][1]}" in msg


def test_official_pins_refuse_a_foreign_file(svhn_files):
    root, _, _, _ = svhn_files  # the files built here are not the official ones
    with pytest.raises(DartsCoreError, match=r"train_32x32.mat: md5 is \w+, expected e26dedcc434d2e4c54c9b2d4a06d8373"):
        svhn.read_svhn(root)


def test_wrong_content_with_matching_pin_is_a_one_line_error(tmp_path):
    root = tmp_path / "d"
    (root / "svhn").mkdir(parents=True)
    scipy.io.savemat(str(root / "svhn" / "train_32x32.mat"), {"X": np.zeros((28, 28, 1, 2), np.uint8), "y": np.ones((2, 1))})
    (root / "svhn" / "test_32x32.mat").write_bytes(b"not a mat file")
    pins = {s: (n, file_digest(root / "svhn" / n)) for s, (n, _) in svhn.FILES.items()}
    with pytest.raises(DartsCoreError, match=r"train_32x32.mat: X must be 32 x 32 x 3 x N uint8, got 28 x 28 x 1 x 2"):
        svhn.read_svhn(root, files=pins)
    pins["train"] = ("test_32x32.mat", pins["test"][1])
    with pytest.raises(DartsCoreError, match=r"test_32x32.mat: not a readable MATLAB file") as err:
        svhn.read_svhn(root, files=pins)
    assert "\n" not in str(err.value)


def test_missing_file_names_checksum_and_source(tmp_path):
    with pytest.raises(DartsCoreError, match=r"svhn/train_32x32.mat not found \(expected md5 e26dedcc.*\); get it from "
                                             r"http://ufldl.stanford.edu/housenumbers/train_32x32.mat"):
        svhn.read_svhn(tmp_path)
    with pytest.raises(DartsCoreError, match="train_32x32.mat not found"):
        check_dataset("svhn", tmp_path)
    check_dataset("svhn", tmp_path, allow_download=True)


def test_search_split_and_normalisation(svhn_files, monkeypatch):
    """RobustDARTS src/search/args.py: train_portion 0.5, indices[:split] / indices[split:] of the training
    set; src/utils.py _data_transforms_svhn: mean/std, crop with padding 4 and a horizontal flip."""
    from darts_core.data import loaders
    from darts_core.data.transforms import train_transform

    root, pins, _, _ = svhn_files
    real = svhn.read_svhn
    monkeypatch.setattr(svhn, "read_svhn", lambda r, d=False: real(r, d, files=pins))
    search, valid, classes, shape = loaders.search_loaders("svhn", root, 3, 0, 0, split="darts")
    assert classes == 10 and shape == (3, 32, 32)
    assert sorted(search.batches.train_idx.tolist()) == [0, 1, 2, 3, 4]
    assert sorted(search.batches.valid_idx.tolist()) == [5, 6, 7, 8, 9]
    with pytest.raises(DartsCoreError, match="search_split nb201: this dataset has only RobustDARTS's split"):
        loaders.search_loaders("svhn", root, 3, 0, 0, split="nb201")
    tf = train_transform("svhn")
    np.testing.assert_allclose(np.array(tf.mean) / 255, [0.4377, 0.4438, 0.4728])
    np.testing.assert_allclose(np.array(tf.std) / 255, [0.1980, 0.2010, 0.1970])
    assert tf.pad == 4 and tf.flip
    train, test, classes, _ = loaders.eval_loaders("svhn", root, 4, 0, 0)
    assert len(train) == 3 and len(test) == 1  # 10 training images in batches of 4; the 4 test images


def test_search_config_refuses_a_split_svhn_lacks():
    from darts_core.search.config import resolve_config

    with pytest.raises(DartsCoreError, match="svhn has only RobustDARTS's split"):
        resolve_config({"dataset": "svhn", "space": "s1", "method": "darts-v1"})
    assert resolve_config({"dataset": "svhn", "preset": "darts-space", "space": "s1"}).search_split == "darts"
