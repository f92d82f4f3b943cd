"""ImageNet from a user-given folder (`ROOT/train/<class>/*.JPEG`, `ROOT/val/<class>/*.JPEG`), read with
Pillow (torchvision is not installable beside our torch). Transforms as quark0 cnn/train_imagenet.py:
train RandomResizedCrop(224), horizontal flip, ColorJitter(0.4, 0.4, 0.4, 0.2), normalise; val Resize(256),
CenterCrop(224). Random draws follow torchvision's algorithms and come from an explicit torch.Generator
(darts_core.train.data seeds one per (seed, epoch, image)).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageEnhance
from torch.utils.data import Dataset

from darts_core.errors import DartsCoreError

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".webp")


def _uniform(lo: float, hi: float, gen: torch.Generator | None) -> float:
    return float(torch.empty(()).uniform_(lo, hi, generator=gen))


def random_resized_crop(img: Image.Image, size: int, gen=None, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)) -> Image.Image:
    """torchvision RandomResizedCrop.get_params: 10 tries of (area, log-uniform aspect), else a centre crop."""
    w, h = img.size
    area = w * h
    for _ in range(10):
        target = area * _uniform(*scale, gen)
        aspect = math.exp(_uniform(math.log(ratio[0]), math.log(ratio[1]), gen))
        cw, ch = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            top = int(torch.randint(0, h - ch + 1, (), generator=gen))
            left = int(torch.randint(0, w - cw + 1, (), generator=gen))
            return img.resize((size, size), Image.BILINEAR, box=(left, top, left + cw, top + ch))
    in_ratio = w / h
    if in_ratio < ratio[0]:
        cw, ch = w, int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        cw, ch = int(round(h * ratio[1])), h
    else:
        cw, ch = w, h
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.resize((size, size), Image.BILINEAR, box=(left, top, left + cw, top + ch))


def _adjust_hue(img: Image.Image, factor: float) -> Image.Image:
    h, s, v = img.convert("HSV").split()
    shifted = (np.asarray(h, dtype=np.int16) + int(factor * 255)) % 256
    return Image.merge("HSV", (Image.fromarray(shifted.astype(np.uint8), "L"), s, v)).convert("RGB")


def color_jitter(img: Image.Image, gen=None, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2) -> Image.Image:
    """torchvision ColorJitter: the four adjustments in a random order, factors uniform around 1."""
    for k in torch.randperm(4, generator=gen).tolist():
        if k == 0 and brightness:
            img = ImageEnhance.Brightness(img).enhance(_uniform(max(0.0, 1 - brightness), 1 + brightness, gen))
        elif k == 1 and contrast:
            img = ImageEnhance.Contrast(img).enhance(_uniform(max(0.0, 1 - contrast), 1 + contrast, gen))
        elif k == 2 and saturation:
            img = ImageEnhance.Color(img).enhance(_uniform(max(0.0, 1 - saturation), 1 + saturation, gen))
        elif k == 3 and hue:
            img = _adjust_hue(img, _uniform(-hue, hue, gen))
    return img


def resize_center_crop(img: Image.Image, resize: int = 256, crop: int = 224) -> Image.Image:
    w, h = img.size
    if w <= h:
        nw, nh = resize, int(resize * h / w)
    else:
        nw, nh = int(resize * w / h), resize
    img = img.resize((nw, nh), Image.BILINEAR)
    left, top = int(round((nw - crop) / 2.0)), int(round((nh - crop) / 2.0))
    return img.crop((left, top, left + crop, top + crop))


def to_tensor(img: Image.Image) -> torch.Tensor:
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


class ImageFolder(Dataset):
    """Samples (path, class index) with classes = sorted sub-folder names, files sorted within each."""

    def __init__(self, root: str | os.PathLike, train: bool, size: int = 224):
        self.root, self.train, self.size = Path(root), train, size
        if not self.root.is_dir():
            raise DartsCoreError(f"ImageNet folder {self.root} not found (expected <root>/train/<class>/*.JPEG and <root>/val/...)")
        self.classes = sorted(d.name for d in self.root.iterdir() if d.is_dir())
        self.samples = [(p, i) for i, c in enumerate(self.classes) for p in sorted((self.root / c).iterdir())
                        if p.suffix.lower() in EXTENSIONS]
        if not self.samples:
            raise DartsCoreError(f"ImageNet folder {self.root}: no images in class sub-folders")

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        return self.load(index, None)

    def load(self, index: int, gen: torch.Generator | None):
        path, label = self.samples[index]
        with Image.open(path) as f:
            img = f.convert("RGB")
        if self.train:
            img = random_resized_crop(img, self.size, gen)
            if torch.rand((), generator=gen) < 0.5:
                img = img.transpose(Image.FLIP_LEFT_RIGHT)
            img = color_jitter(img, gen)
        else:
            img = resize_center_crop(img, int(self.size * 256 / 224), self.size)
        return to_tensor(img), label


def imagenet_datasets(root: str | os.PathLike, size: int = 224) -> tuple[ImageFolder, ImageFolder]:
    root = Path(root)
    train, val = ImageFolder(root / "train", True, size), ImageFolder(root / "val", False, size)
    if train.classes != val.classes:
        raise DartsCoreError(f"ImageNet folder {root}: train and val have different class folders")
    return train, val
