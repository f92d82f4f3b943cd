"""Train-from-scratch loaders: CIFAR-10/100 and digits from darts_core.data (in-memory, batch-wise
augmentation: flip + crop, pad 4), ImageNet from a folder (darts_core.train.imagenet). Cutout is applied by
the trainer. Every loader has `set_epoch(epoch)` and draws its randomness from (seed, epoch), so a resumed
run sees the batches an uninterrupted one would.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from darts_core.errors import DartsCoreError
from darts_core.train.protocols import RETRAIN_DATASETS

DATASETS = RETRAIN_DATASETS


def _seed(*key: int) -> int:
    return int(np.random.SeedSequence([int(k) for k in key]).generate_state(1, dtype=np.uint64)[0] >> 1)


class _SeededItems(Dataset):
    """Item i = dataset.load(i, generator seeded by (seed, epoch, i)): augmentation independent of workers."""

    def __init__(self, dataset, seed: int, epoch: int):
        self.dataset, self.seed, self.epoch = dataset, seed, epoch

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        return self.dataset.load(i, torch.Generator().manual_seed(_seed(self.seed, self.epoch, i, 8)))


class FolderEpochLoader:
    """A DataLoader over a dataset with `load(i, generator)`, re-created per epoch: the order is shuffled
    by a generator seeded by (seed, epoch), each image augmented with its own (seed, epoch, i) generator.
    After `shard(rank, world)` it yields only that process's rows of every batch
    (darts_core.train.distributed.bounds), reading only those images."""

    def __init__(self, dataset, batch_size: int, workers: int, seed: int, shuffle: bool):
        self.dataset, self.batch_size, self.workers, self.seed, self.shuffle = dataset, batch_size, workers, seed, shuffle
        self.epoch, self.part = 0, (0, 1)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def shard(self, rank: int, world: int) -> None:
        self.part = (rank, world)

    @property
    def num_items(self) -> int:
        return len(self.dataset)

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        from darts_core.train.distributed import bounds

        n = len(self.dataset)
        # = DataLoader(shuffle=True, generator=gen): RandomSampler draws torch.randperm(n, generator=gen)
        gen = torch.Generator().manual_seed(_seed(self.seed, self.epoch, 7))
        order = torch.randperm(n, generator=gen).tolist() if self.shuffle else list(range(n))
        rank, world = self.part
        batches = []
        for start in range(0, n, self.batch_size):
            batch = order[start : start + self.batch_size]
            first, end = bounds(len(batch), world)[rank]
            batches.append(batch[first:end])
        items = _SeededItems(self.dataset, self.seed, self.epoch)
        return iter(DataLoader(items, batch_sampler=batches, num_workers=self.workers,
                               pin_memory=torch.cuda.is_available(), persistent_workers=False))


def retrain_loaders(dataset: str, data_dir, batch_size: int, eval_batch_size: int, workers: int, seed: int,
                    allow_download: bool = False):
    """(train loader, test loader, num_classes, input_shape (C, H, W))."""
    if dataset not in DATASETS:
        raise DartsCoreError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    if dataset == "imagenet":
        from darts_core.train.imagenet import imagenet_datasets

        if data_dir is None:
            raise DartsCoreError("ImageNet needs --data DIR (a folder with train/ and val/ class sub-folders)")
        train, val = imagenet_datasets(data_dir)
        return (FolderEpochLoader(train, batch_size, workers, seed, True),
                FolderEpochLoader(val, eval_batch_size or batch_size, workers, seed, False),
                len(train.classes), (3, 224, 224))
    from darts_core.data.loaders import eval_loaders

    return eval_loaders(dataset, data_dir, batch_size, workers, seed, allow_download)
