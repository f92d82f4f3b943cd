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
    # RobustDARTS src/utils.py _data_transforms_svhn: SVHN_MEAN [0.4377, 0.4438, 0.4728], SVHN_STD
    # [0.1980, 0.2010, 0.1970] (0..1 units), with RandomCrop(32, padding=4) and RandomHorizontalFlip
    "svhn": (tuple(255.0 * m for m in (0.4377, 0.4438, 0.4728)), tuple(255.0 * s for s in (0.1980, 0.2010, 0.1970))),
}
PADDING = {"cifar10": 4, "cifar100": 4, "ImageNet16-120": 2, "svhn": 4}


@dataclass(frozen=True)
class BatchTransform:
    mean: tuple[float, ...]  # 0..255 units
    std: tuple[float, ...]
    pad: int = 0  # random crop of the original size from the zero-padded image; 0 = none
    flip: bool = False  # random horizontal flip with p = 0.5
    cutout: int = 0  # cutout length (RobustDARTS src/utils.py Cutout); 0 = none
    cutout_prob: float = 1.0  # probability per image (RobustDARTS schedules it, see search/regularisation)

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
        x = (x - mean) / std
        if self.cutout > 0 and self.cutout_prob > 0:
            x = x * cutout_mask(b, h, w, self.cutout, self.cutout_prob, gen)
        return x

    def eval(self) -> "BatchTransform":
        """The test transform: normalisation only."""
        return BatchTransform(self.mean, self.std)


def cutout_mask(b: int, h: int, w: int, length: int, prob: float, gen: torch.Generator | None = None) -> torch.Tensor:
    """B x 1 x H x W masks of RobustDARTS `Cutout(length, prob)` (after Normalize, as it is appended to
    the transform): with probability `prob` per image, zero the square [y - L/2, y + L/2) x [x - L/2,
    x + L/2) clipped to the image, centre (y, x) uniform over the pixels."""
    apply = torch.rand(b, generator=gen) < prob
    cy = torch.randint(0, h, (b,), generator=gen)
    cx = torch.randint(0, w, (b,), generator=gen)
    rows, cols = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    y1, y2 = (cy - length // 2).clamp(0, h).view(b, 1, 1), (cy + length // 2).clamp(0, h).view(b, 1, 1)
    x1, x2 = (cx - length // 2).clamp(0, w).view(b, 1, 1), (cx + length // 2).clamp(0, w).view(b, 1, 1)
    hole = (rows >= y1) & (rows < y2) & (cols >= x1) & (cols < x2) & apply.view(b, 1, 1)
    return (~hole).float().unsqueeze(1)


def train_transform(dataset: str) -> BatchTransform:
    mean, std = MEAN_STD[dataset]
    return BatchTransform(mean, std, PADDING[dataset], True)
