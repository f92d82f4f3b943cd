"""Official NAS-Bench-201 search splits: computed CIFAR-10 split equals cifar-split.txt; split files are
sha256-checked; missing files name themselves, their checksum and their URL."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from darts_core.data import splits
from darts_core.errors import DartsCoreError


@pytest.fixture(scope="module")
def split_files(nb201_csv_dir):
    return nb201_csv_dir / "splits"


def test_cifar10_split_equals_the_official_file(split_files):
    official = splits.load_split("cifar-split.txt", split_files)
    train, valid = splits.cifar10_split()
    assert len(train) == len(valid) == 25000
    np.testing.assert_array_equal(train, official["train"])
    np.testing.assert_array_equal(valid, official["valid"])
    assert len(np.intersect1d(train, valid)) == 0 and len(np.union1d(train, valid)) == 50000


@pytest.mark.parametrize("dataset, size, total", [("cifar100", 5000, 10000), ("ImageNet16-120", 3000, 6000)])
def test_search_valid_halves_of_the_test_sets(split_files, tmp_path, dataset, size, total):
    data_dir = tmp_path / "data"
    shutil.copytree(split_files, splits.split_dir(data_dir))
    idx = splits.search_valid_indices(dataset, data_dir)
    assert len(idx) == size == len(np.unique(idx)) and idx.min() >= 0 and idx.max() < total


def test_tampered_split_file_fails_the_checksum(split_files, tmp_path):
    text = (split_files / "cifar100-test-split.txt").read_text()
    (tmp_path / "cifar100-test-split.txt").write_text(text.replace('"1"', '"2"', 1))
    with pytest.raises(DartsCoreError, match=r"cifar100-test-split.txt: sha256 is [0-9a-f]{64}, expected 14a5e3708e"):
        splits.load_split("cifar100-test-split.txt", tmp_path)


def test_missing_split_file_names_checksum_and_source(tmp_path):
    with pytest.raises(DartsCoreError) as err:
        splits.search_valid_indices("cifar100", tmp_path)
    msg = str(err.value)
    assert "nb201/splits/cifar100-test-split.txt not found" in msg
    assert splits.SHA256["cifar100-test-split.txt"] in msg
    assert f"AutoDL-Projects/{splits.COMMIT}/configs/nas-benchmark/cifar100-test-split.txt" in msg
