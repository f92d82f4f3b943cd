"""Loaders without torchvision: CIFAR python pickles (tarball or folder), ImageNet16 pickles, digits;
seeded batches, official pairing of train and valid images, augmentation, and missing-file errors."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest
import torch

from darts_core.data import cifar, files, imagenet16, loaders
from darts_core.data.transforms import BatchTransform, train_transform
from darts_core.errors import DartsCoreError


def fake_cifar10(root, n_per_batch=8, tarball=True):
    """A CIFAR-10-shaped dataset (5 train batches + test batch) whose image k has all pixels = k % 256,
    and the SOURCES entry with its md5s."""
    rng = np.random.default_rng(0)
    members, k = {}, 0
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        ids = np.arange(k, k + n_per_batch)
        k += n_per_batch
        data = np.repeat((ids % 256).astype(np.uint8)[:, None], 3072, axis=1)
        members[name] = pickle.dumps({"data": data, "labels": rng.integers(0, 10, n_per_batch).tolist()})
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, blob in members.items():
        (folder / name).write_bytes(blob)
    md5 = {name: files.file_digest(folder / name) for name in members}
    src = dict(cifar.SOURCES["cifar10"], train=[(f"data_batch_{i}", md5[f"data_batch_{i}"]) for i in range(1, 6)],
               test=[("test_batch", md5["test_batch"])])
    if tarball:
        tar_path = root / "cifar-10-python.tar.gz"
        with tarfile.open(tar_path, "w:gz") as tar:
            for name, blob in members.items():
                info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        src["tarball"] = ("cifar-10-python.tar.gz", files.file_digest(tar_path))
    return src


@pytest.mark.parametrize("tarball", [True, False])
def test_cifar_reader_both_layouts(tmp_path, monkeypatch, tarball):
    src = fake_cifar10(tmp_path, tarball=tarball)
    monkeypatch.setitem(cifar.SOURCES, "cifar10", src)
    tx, ty, sx, sy = cifar.read_cifar("cifar10", tmp_path)
    assert tx.shape == (40, 3, 32, 32) and sx.shape == (8, 3, 32, 32) and tx.dtype == np.uint8
    assert list(tx[:, 0, 0, 0]) == list(range(40)) and list(sx[:, 1, 5, 5]) == list(range(40, 48))
    assert ty.dtype == np.int64 and len(ty) == 40


def test_cifar10_search_loader_pairs_train_half_with_valid_half(tmp_path, monkeypatch):
    monkeypatch.setitem(cifar.SOURCES, "cifar10", fake_cifar10(tmp_path))
    search, valid, classes, shape = loaders.search_loaders("cifar10", tmp_path, 7, 0, seed=0)
    assert (classes, shape, len(search)) == (10, (3, 32, 32), 3)  # 20 train images, batches 7, 7, 6
    train_idx, valid_idx = (set(s.tolist()) for s in loaders.splits.cifar10_split(40))
    mean, std = np.array([125.3, 123.0, 113.9]), np.array([63.0, 62.1, 66.7])

    def ids(x):  # undo the normalisation; the image's id is its (constant) centre value
        return np.rint(x[:, 0, 16, 16].numpy() * std[0] + mean[0]).astype(int).tolist()

    seen = []
    for xt, yt, xv, yv in search:
        assert xt.shape[1:] == (3, 32, 32) and len(xt) == len(xv) == len(yt) == len(yv)
        seen += ids(xt)
        assert set(ids(xv)) <= valid_idx  # valid images: random draws from the valid half
    assert sorted(seen) == sorted(train_idx)  # every train image once per epoch
    assert sorted(i for x, _ in valid for i in ids(x)) == sorted(valid_idx)


def test_batches_are_a_function_of_seed_and_epoch(tmp_path):
    s1, v1, _, _ = loaders.search_loaders("digits", tmp_path, 100, 0, seed=0)
    s2, _, _, _ = loaders.search_loaders("digits", tmp_path, 100, 1, seed=0)  # a worker process
    s3, _, _, _ = loaders.search_loaders("digits", tmp_path, 100, 0, seed=1)
    for loader in (s1, s2, s3):
        loader.set_epoch(2)
    a, b, c = (list(loader) for loader in (s1, s2, s3))
    assert len(a) == 8 and all(torch.equal(x, y) for ba, bb in zip(a, b) for x, y in zip(ba, bb))
    assert not torch.equal(a[0][0], c[0][0])
    s1.set_epoch(3)
    assert not torch.equal(next(iter(s1))[0], a[0][0])


def test_digits_demo_split_and_eval_loaders(tmp_path):
    search, valid, classes, shape = loaders.search_loaders("digits", tmp_path, 64, 0, seed=0)
    assert (classes, shape) == (10, (3, 8, 8)) and len(search) == 12 and len(valid) == 12
    x = next(iter(search))[0]
    assert torch.equal(x[:, 0], x[:, 1]) and torch.equal(x[:, 1], x[:, 2])  # grey repeated to 3 channels
    train, test, _, _ = loaders.eval_loaders("digits", tmp_path, 100, 0, seed=0)
    assert sum(len(y) for _, y in train) == 1500 and sum(len(y) for _, y in test) == 297


def test_transform_normalises_crops_and_flips():
    img = torch.arange(2 * 3 * 4 * 4, dtype=torch.uint8).reshape(2, 3, 4, 4)
    mean, std = (10.0, 20.0, 30.0), (2.0, 4.0, 8.0)
    plain = BatchTransform(mean, std)(img)
    expected = (img.float() / 255 - torch.tensor(mean).view(1, 3, 1, 1) / 255) / (torch.tensor(std).view(1, 3, 1, 1) / 255)
    torch.testing.assert_close(plain, expected)
    aug = BatchTransform(mean, std, pad=1, flip=True)
    padded_all = BatchTransform(mean, std)(torch.nn.functional.pad(img, (1, 1, 1, 1)))  # zero-pad the uint8 image
    outs = [aug(img, torch.Generator().manual_seed(s)) for s in range(40)]
    for out in outs:
        for k in range(2):
            padded = padded_all[k]
            windows = [padded[:, i:i + 4, j:j + 4] for i in range(3) for j in range(3)]
            assert any(torch.allclose(out[k], w) or torch.allclose(out[k], w.flip(-1)) for w in windows)
    assert any(not torch.allclose(o, expected) for o in outs) and train_transform("ImageNet16-120").pad == 2


def test_missing_files_name_file_checksum_and_source(tmp_path):
    with pytest.raises(DartsCoreError) as err:
        loaders.search_loaders("cifar10", tmp_path, 64, 0, seed=0)
    msg = str(err.value)
    assert "cifar-10-python.tar.gz not found" in msg and "md5 c58f30108f718f92721af3b95e74349a" in msg
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in msg and "--download" in msg
    with pytest.raises(DartsCoreError, match=r"ImageNet16/train_data_batch_1 not found \(expected md5 27846dca.*drive.google.com"):
        loaders.search_loaders("ImageNet16-120", tmp_path, 64, 0, seed=0)
    with pytest.raises(DartsCoreError, match="unknown dataset 'mnist'"):
        loaders.search_loaders("mnist", tmp_path, 64, 0, seed=0)
    with pytest.raises(DartsCoreError, match=r"svhn/train_32x32.mat not found \(expected md5 e26dedcc.*ufldl.stanford.edu"):
        loaders.search_loaders("svhn", tmp_path, 64, 0, seed=0, split="darts")


def test_corrupt_file_fails_md5(tmp_path, monkeypatch):
    src = fake_cifar10(tmp_path, tarball=False)
    monkeypatch.setitem(cifar.SOURCES, "cifar10", src)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(b"garbage")
    with pytest.raises(DartsCoreError, match=r"test_batch: md5 is [0-9a-f]{32}, expected"):
        cifar.read_cifar("cifar10", tmp_path)


def test_imagenet16_reader_keeps_first_classes_and_shifts_labels(tmp_path, monkeypatch):
    folder = tmp_path / imagenet16.FOLDER
    folder.mkdir()
    labels = [1, 120, 121, 500, 7]
    blob = pickle.dumps({"data": (np.arange(5 * 768) % 251).astype(np.uint8).reshape(5, 768), "labels": labels})
    (folder / "train_data_batch_1").write_bytes(blob)
    (folder / "val_data").write_bytes(blob)
    md5 = files.file_digest(folder / "val_data")
    monkeypatch.setattr(imagenet16, "TRAIN", [("train_data_batch_1", md5)])
    monkeypatch.setattr(imagenet16, "VALID", [("val_data", md5)])
    tx, ty, vx, vy = imagenet16.read_imagenet16(tmp_path, 120)
    assert tx.shape == (3, 3, 16, 16) and ty.tolist() == [0, 119, 6] and vy.tolist() == [0, 119, 6]
    assert tx[2, 0, 0, 0] == (4 * 768) % 251  # image order kept, CHW layout
