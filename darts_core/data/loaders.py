"""Search and evaluation loaders: deterministic by (seed, epoch, batch), whatever the number of workers.

The search loader mirrors xautodl `SearchDatasetWrap.py` (SearchDataset) as used by
`get_nas_search_loaders`: the search-train indices are shuffled every epoch and each train image is paired
with a valid image drawn uniformly with replacement (`random.choice(valid_split)`); both halves get the
training augmentation. The valid loader (supernet validation metrics) uses the test transform. Every batch
draws its randomness from its own generator seeded by (seed, epoch, batch index): a resumed run sees
exactly the batches an uninterrupted one would, and workers (processes) do not change them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from darts_core.data import DATASETS, NUM_CLASSES, cifar, digits, imagenet16, splits, svhn
from darts_core.data.transforms import BatchTransform, train_transform
from darts_core.errors import DartsCoreError



def _generator(*key: int) -> torch.Generator:
    seed = int(np.random.SeedSequence([int(k) for k in key]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(seed)


class SearchBatches(Dataset):
    """Item b = search batch b of the current epoch: (x_train, y_train, x_valid, y_valid)."""

    def __init__(self, train, train_idx, valid, valid_idx, batch_size, seed, transform):
        self.train, self.valid = train, valid  # (uint8 images, int64 labels) tensors
        self.train_idx, self.valid_idx = torch.as_tensor(train_idx), torch.as_tensor(valid_idx)
        self.batch_size, self.seed, self.transform = batch_size, seed, transform
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        perm = torch.randperm(len(self.train_idx), generator=_generator(self.seed, epoch, 0, 0))
        self.order = self.train_idx[perm]

    def __len__(self) -> int:
        return math.ceil(len(self.order) / self.batch_size)  # last batch smaller (drop_last=False)

    def __getitem__(self, b: int):
        gen = _generator(self.seed, self.epoch, b + 1, 1)
        ti = self.order[b * self.batch_size : (b + 1) * self.batch_size]
        vi = self.valid_idx[torch.randint(0, len(self.valid_idx), (len(ti),), generator=gen)]
        return (self.transform(self.train[0][ti], gen), self.train[1][ti],
                self.transform(self.valid[0][vi], gen), self.valid[1][vi])


class PlainBatches(Dataset):
    """Item b = batch b of (x, y) over `indices`, reshuffled per epoch when `shuffle`."""

    def __init__(self, data, indices, batch_size, seed, transform, shuffle):
        self.data, self.indices = data, torch.as_tensor(indices)
        self.batch_size, self.seed, self.transform, self.shuffle = batch_size, seed, transform, shuffle
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        gen = _generator(self.seed, epoch, 0, 2)
        self.order = self.indices[torch.randperm(len(self.indices), generator=gen)] if self.shuffle else self.indices

    def __len__(self) -> int:
        return math.ceil(len(self.order) / self.batch_size)

    def __getitem__(self, b: int):
        gen = _generator(self.seed, self.epoch, b + 1, 3)
        idx = self.order[b * self.batch_size : (b + 1) * self.batch_size]
        return self.transform(self.data[0][idx], gen), self.data[1][idx]


class EpochLoader:
    """Iterates the batches of one epoch, in the main process or in `workers` processes."""

    def __init__(self, batches: Dataset, workers: int = 0):
        self.batches, self.workers = batches, workers

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        if self.workers <= 0:
            return (self.batches[b] for b in range(len(self.batches)))
        return iter(DataLoader(self.batches, batch_size=None, shuffle=False, num_workers=self.workers))


def _tensors(x: np.ndarray, y: np.ndarray):
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))


def _load(dataset: str, data_dir, allow_download: bool):
    """{train, test: (x, y) tensors; search_train/search_valid: (data, idx); transform}."""
    if dataset not in DATASETS:
        raise DartsCoreError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    if dataset == "digits":
        x, y = digits.read_digits()
        tr, va, te = digits.digits_split(len(y))
        mean, std = digits.digits_mean_std(x)
        d = _tensors(x, y)
        both = np.sort(np.concatenate([tr, va]))
        return dict(search_train=(d, tr), search_valid=(d, va), train=(d, both), test=(d, te),
                    transform=BatchTransform(mean, std))
    if dataset == "svhn":  # no NAS-Bench-201 split: searches use RobustDARTS's (`darts`), see _split
        tx, ty, sx, sy = svhn.read_svhn(data_dir, allow_download)
        train, test = _tensors(tx, ty), _tensors(sx, sy)
        return dict(search_train=None, search_valid=None, train=(train, np.arange(len(ty))),
                    test=(test, np.arange(len(sy))), transform=train_transform(dataset))
    if dataset in ("cifar10", "cifar100"):
        tx, ty, sx, sy = cifar.read_cifar(dataset, data_dir, allow_download)
    else:
        tx, ty, sx, sy = imagenet16.read_imagenet16(Path(data_dir), NUM_CLASSES[dataset])
    train, test = _tensors(tx, ty), _tensors(sx, sy)
    all_train, all_test = np.arange(len(ty)), np.arange(len(sy))
    if dataset == "cifar10":
        tr, va = splits.cifar10_split(len(ty))
        search_train, search_valid = (train, tr), (train, va)
    else:
        va = splits.search_valid_indices(dataset, data_dir, allow_download)
        if len(va) and va.max() >= len(sy):
            raise DartsCoreError(f"{dataset}: split index {va.max()} is outside the {len(sy)}-image test set")
        search_train, search_valid = (train, all_train), (test, va)
    return dict(search_train=search_train, search_valid=search_valid, train=(train, all_train),
                test=(test, all_test), transform=train_transform(dataset))


def _shape(data) -> tuple[int, int, int]:
    return tuple(int(s) for s in data[0].shape[1:])


# How the search splits the data (search config `search_split`):
# - nb201: the official NAS-Bench-201 search split (xautodl get_nas_search_loaders), as above;
# - darts: first half of the training set trains the weights, second half the alphas (quark0/darts,
#   DrNAS and RobustDARTS train_search.py: train_portion 0.5, indices[:split] / indices[split:]);
# - train: both from the whole training set (GAEA-ERM, single level: gaea_release train_utils.py
#   create_nasbench_201_data_queues with search.single_level, valid_data = deepcopy(train_data)).
# The metrics' valid loader reads the search-valid images of `nb201`/`train`, the second half for `darts`.
# SVHN has only `darts`, RobustDARTS's SVHN search split (first / second half of the 73,257 training
# images, src/search/args.py get_train_val_loaders).
SPLITS = ("nb201", "darts", "train")
ONLY_DARTS_SPLIT = ("svhn",)


def _split(d: dict, split: str):
    if d["search_train"] is None and split != "darts":
        raise DartsCoreError(f"search_split {split}: this dataset has only RobustDARTS's split; set search_split: darts")
    if split == "nb201":
        return d["search_train"], d["search_valid"], d["search_valid"]
    data, idx = d["train"]
    if split == "train":
        return (data, idx), (data, idx), d["search_valid"]
    if split == "darts":
        half = int(np.floor(0.5 * len(idx)))
        return (data, idx[:half]), (data, idx[half:]), (data, idx[half:])
    raise DartsCoreError(f"unknown search split {split!r}; choose from {', '.join(SPLITS)}")


def search_loaders(dataset: str, data_dir, batch_size: int, workers: int, seed: int, allow_download: bool = False,
                   split: str = "nb201"):
    """(search loader of (x_train, y_train, x_valid, y_valid) batches, valid loader of (x, y) batches for
    the supernet's validation metrics, num_classes, input_shape (C, H, W)). `split`: see SPLITS."""
    d = _load(dataset, data_dir, allow_download)
    tf = d["transform"]
    (train, tr), (valid, va), (metric, mi) = _split(d, split)
    search = SearchBatches(train, tr, valid, va, batch_size, seed, tf)
    valid_loader = PlainBatches(metric, mi, batch_size, seed, tf.eval(), shuffle=True)
    return EpochLoader(search, workers), EpochLoader(valid_loader, workers), NUM_CLASSES[dataset], _shape(train)


def set_cutout(loader: EpochLoader, length: int, prob: float) -> None:
    """Set the cutout of a search loader's (training) transform, both halves of each batch (RobustDARTS:
    train and valid queues share train_transform)."""
    import dataclasses

    loader.batches.transform = dataclasses.replace(loader.batches.transform, cutout=int(length), cutout_prob=float(prob))


def eval_loaders(dataset: str, data_dir, batch_size: int, workers: int, seed: int, allow_download: bool = False):
    """Train-from-scratch loaders: (train loader (augmented, shuffled), test loader, num_classes,
    input_shape). Train = the full training set (digits: search train + valid), test = the full test set."""
    d = _load(dataset, data_dir, allow_download)
    tf = d["transform"]
    (train, tr), (test, te) = d["train"], d["test"]
    return (EpochLoader(PlainBatches(train, tr, batch_size, seed, tf, shuffle=True), workers),
            EpochLoader(PlainBatches(test, te, batch_size, seed, tf.eval(), shuffle=False), workers),
            NUM_CLASSES[dataset], _shape(train))
