"""Batch-wise versions of the official augmentation and normalisation (xautodl
`datasets/get_dataset_with_transform.py`): RandomHorizontalFlip + RandomCrop(size, padding) for training
(zero padding of the uint8 image, as torchvision pads the PIL image), ToTensor (/255) and Normalize.
Randomness comes from an explicit torch.Generator, so a batch is a pure function of its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

# per-dataset mean / std in 0..255 units (get_dataset_with_transform.py)
MEAN_STD = {
    "cifar10": ((125.3, 123.0, 113.9), (63.0, 62.1, 66.7)),
    "cifar100": ((129.3, 124.1, 112.4), (68.2, 65.4, 70.4)),
    "ImageNet16-120": ((122.68, 116.66, 104.01), (63.22, 61.26, 65.09)),
}
PADDING = {"cifar10": 4, "cifar100": 4, "ImageNet16-120": 2}


@dataclass(frozen=True)
class BatchTransform:
    mean: tuple[float, ...]  # 0..255 units
    std: tuple[float, ...]
    pad: int = 0  # random crop of the original size from the zero-padded image; 0 = none
    flip: bool = False  # random horizontal flip with p = 0.5

    def __call__(self, images: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        """uint8 B x C x H x W -> normalised float32."""
        x = images.float().div_(255.0)
        b, _, h, w = x.shape
        if self.pad:
            padded = F.pad(x, (self.pad,) * 4)
            off = torch.randint(0, 2 * self.pad + 1, (b, 2), generator=gen).tolist()
            x = torch.stack([padded[k, :, i : i + h, j : j + w] for k, (i, j) in enumerate(off)])
        if self.flip:
            mask = torch.rand(b, generator=gen) < 0.5
            x[mask] = x[mask].flip(-1)
        mean = torch.tensor(self.mean).view(1, -1, 1, 1) / 255.0
        std = torch.tensor(self.std).view(1, -1, 1, 1) / 255.0
        return (x - mean) / std

    def eval(self) -> "BatchTransform":
        """The test transform: normalisation only."""
        return BatchTransform(self.mean, self.std)


def train_transform(dataset: str) -> BatchTransform:
    mean, std = MEAN_STD[dataset]
    return BatchTransform(mean, std, PADDING[dataset], True)
