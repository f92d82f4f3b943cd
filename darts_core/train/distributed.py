"""Training on several GPUs in one job: DistributedDataParallel, one process per GPU, launched by `torchrun`
(darts_core.train.launch); gloo on the CPU (the tests), NCCL on GPUs.

What a job of N processes computes is what one process computes on the same global batch, with the
BatchNorm of the official multi-GPU runs:
- The global batch is the protocol's `batch_size` (DrNAS train_imagenet.py: 768 over its 8 GPUs with
  `nn.DataParallel`, 96 per GPU, lr 0.5 for the total batch, not scaled by the GPU count). Batch b of the
  epoch is the same samples whatever N; process r takes rows `bounds(len, N)[r]` of it.
- BatchNorm: per process, not synchronised, as DataParallel does (each replica normalises its own chunk;
  the running statistics kept are those of the replica on the first device; DDP's `broadcast_buffers`
  gives every process rank 0's at each forward). Batch statistics over 96 images differ from those over
  768, so N processes equal one process only when that one splits its batch into the same N groups:
  `TrainConfig.bn_groups` (0 = one group per process). A job with fewer GPUs than the paper's 8 keeps
  the 8-GPU statistics with `bn_groups: 8` (each process runs its share in 8/N chunks).
- Gradients: each group's mean loss is weighted by its share of the global batch (times N, since DDP
  averages over processes), so the step is that of the global batch's mean loss, also for a last
  batch that does not split evenly.
- Randomness: every process seeds the same and draws the same numbers: Cutout and drop path draw for the
  whole global batch and keep their rows (darts_core.train.augment, darts_core.nn.darts_ops
  `batch_window`); the data order and augmentation are functions of (seed, epoch, batch or image).
- Only rank 0 writes logs, metrics and checkpoints; every rank resumes from the same checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from darts_core.errors import DartsCoreError


def bounds(total: int, parts: int) -> list[tuple[int, int]]:
    """(first, end) rows of `parts` near-equal slices of `total` (the first `total % parts` one larger)."""
    base, extra = divmod(total, parts)
    out, first = [], 0
    for i in range(parts):
        end = first + base + (1 if i < extra else 0)
        out.append((first, end))
        first = end
    return out


@dataclass(frozen=True)
class Dist:
    """This process's place in the job: rank of world (1 = no process group)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1

    def sums(self, values) -> list[float]:
        """Element-wise sums over the processes (float64)."""
        t = torch.tensor([float(v) for v in values], dtype=torch.float64)
        if self.active:
            t = t.to(_collective_device())
            torch.distributed.all_reduce(t)
        return t.cpu().tolist()

    def any(self, flag: bool) -> bool:
        """True on every process when `flag` is true on any one."""
        return self.sums([1.0 if flag else 0.0])[0] > 0

    def barrier(self) -> None:
        if self.active:
            torch.distributed.barrier()

    def broadcast_buffers(self, module: torch.nn.Module) -> None:
        """Rank 0's buffers (BN running statistics) everywhere, before an evaluation."""
        if self.active:
            for buf in module.buffers():
                torch.distributed.broadcast(buf.data, 0)


def _collective_device() -> torch.device:
    backend = torch.distributed.get_backend()
    return torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")


SINGLE = Dist()


def from_env(device: str) -> tuple[Dist, str]:
    """The job's Dist from torchrun's RANK / WORLD_SIZE / LOCAL_RANK (none: one process) and this process's
    device (`cuda` -> cuda:LOCAL_RANK); joins the process group (NCCL on CUDA, else gloo)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return SINGLE, device
    dist = Dist(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    cuda = str(device).startswith("cuda")
    if cuda:
        if torch.cuda.device_count() <= dist.local_rank:
            raise DartsCoreError(f"process {dist.rank} of {world} needs GPU {dist.local_rank}, but this machine shows "
                                 f"{torch.cuda.device_count()}; ask for as many GPUs as processes")
        torch.cuda.set_device(dist.local_rank)
        device = f"cuda:{dist.local_rank}"
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return dist, device


def close() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


class Shard:
    """This process's rows of every global batch of `loader`: yields (x, y, first, total), rows first:
    first+len(y) of a global batch of `total`. A loader with `shard(rank, world)` (the ImageNet folder
    loader) reads only its own images; any other one is read whole and sliced (the in-memory CIFAR
    loaders: the cost of augmenting the whole batch is small)."""

    def __init__(self, loader, dist: Dist, groups: int = 1):
        self.loader, self.dist = loader, dist
        self.own = hasattr(loader, "shard") and dist.active
        sizes = global_sizes(loader)
        need = dist.world * groups
        if sizes is not None and min(sizes) < need:
            raise DartsCoreError(f"a global batch of {min(sizes)} samples (the last of the epoch) cannot be split into "
                                 f"{need} BatchNorm groups ({dist.world} processes); change batch_size or bn_groups")
        if self.own:
            loader.shard(dist.rank, dist.world)

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.loader, "set_epoch"):
            self.loader.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        sizes = global_sizes(self.loader) if self.own else None
        for b, (x, y) in enumerate(self.loader):
            if self.own:
                total = sizes[b]
                first = bounds(total, self.dist.world)[self.dist.rank][0]
            else:
                total = len(y)
                first, end = bounds(total, self.dist.world)[self.dist.rank]
                x, y = x[first:end], y[first:end]
            yield x, y, first, total


def global_sizes(loader) -> list[int] | None:
    """Global batch sizes of one epoch, when the loader tells its item count and batch size."""
    n, size = getattr(loader, "num_items", None), getattr(loader, "batch_size", None)
    if n is None or size is None:
        inner = getattr(loader, "batches", None)  # darts_core.data.loaders.EpochLoader of PlainBatches
        n, size = (len(inner.order), inner.batch_size) if hasattr(inner, "order") else (None, None)
    if n is None:
        return None
    return [min(size, n - first) for first in range(0, n, size)]
