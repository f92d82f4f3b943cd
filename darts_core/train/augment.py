"""Batch-wise Cutout (DeVries & Taylor 2017) as quark0 cnn/utils.py `Cutout`, applied to normalised images:
per image one square of side `length` centred at a uniform pixel, clipped at the border, set to 0.
Draws from the torch CPU RNG (checkpointed with the run)."""

from __future__ import annotations

import torch


def cutout(x: torch.Tensor, length: int, first: int = 0, total: int | None = None) -> torch.Tensor:
    """Return a copy of the N x C x H x W batch `x` with one zeroed square per image.

    `x` may be rows first:first+N of a global batch of `total` images (one process of a multi-GPU job):
    the centres are drawn for all `total` and this shard's rows kept, so every process draws the same
    numbers and the squares are those of a one-process run over the whole batch."""
    if length <= 0:
        return x
    n, _, h, w = x.shape
    total = n if total is None else total
    rows_of_shard = slice(first, first + n)
    cy, cx = torch.randint(0, h, (total,))[rows_of_shard], torch.randint(0, w, (total,))[rows_of_shard]
    # quark0: y1 = clip(y - L//2, 0, h), y2 = clip(y + L//2, 0, h) (so an even L gives an L x L square)
    y1, y2 = (cy - length // 2).clamp(0, h), (cy + length // 2).clamp(0, h)
    x1, x2 = (cx - length // 2).clamp(0, w), (cx + length // 2).clamp(0, w)
    rows, cols = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    hole = ((rows >= y1.view(n, 1, 1)) & (rows < y2.view(n, 1, 1)) & (cols >= x1.view(n, 1, 1)) & (cols < x2.view(n, 1, 1)))
    return x * (~hole).unsqueeze(1).to(device=x.device, dtype=x.dtype)
