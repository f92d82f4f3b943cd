"""DARTS+ (Liang et al. 2019, arXiv 1909.06035) stop criteria; no official code exists, readings stated here.

- sc_k: the first epoch t >= 1 at which the derived cell holds >= k skip-connects. NB201: edges whose
  argmax (over all ops incl. `none`) is skip_connect; DARTS space: skip_connect entries of the NORMAL
  cell's genotype (top-2 edges per node, `none` excluded). The paper uses k = 2.
- rt_k: "stop when the ranking of the architecture parameters of the learnable operations becomes stable
  for k epochs". Ranking: for every (cell, edge), the order of its learnable ops (ops with parameters:
  NB201 nor_conv_1x1, nor_conv_3x3; DARTS sep_conv_*, dil_conv_*) by decreasing alpha (ties: official op
  order). Stable for k epochs at epoch s: the rankings at s-k, s-k+1, ..., s are all identical (k
  consecutive epochs without a change). The stop is the FIRST such s, the epoch at which an online search
  would stop (the alphas at epoch 0, the initialisation, count as the first reference). The paper uses k = 10.
Both run on epochs 1..T (a search stops after a finished epoch); never met -> the final epoch, met False.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.stops import Stop


def _check_k(k: int, name: str) -> int:
    if int(k) != k or k < 1:
        raise DartsCoreError(f"{name}: k must be a positive integer, got {k!r}")
    return int(k)


def sc_stop(archs: pd.Series, k: int, count_skips: Callable[[str], int], first_epoch: int = 1) -> Stop:
    """archs: epoch -> arch string. First epoch >= first_epoch whose cell has >= k skip-connects."""
    k = _check_k(k, "darts+_sc")
    archs = archs.sort_index()
    best = (None, -1)
    for epoch, arch in archs.items():
        if epoch < first_epoch:
            continue
        n = count_skips(arch)
        if n >= k:
            return Stop(int(epoch), True, f"{n} skip-connect(s) in the derived cell at epoch {epoch} (>= {k})")
        if n > best[1]:
            best = (int(epoch), n)
    if best[0] is None:
        return Stop(None, False, f"no architecture after epoch {first_epoch - 1}")
    return Stop(int(archs.index.max()), False, f"never >= {k} skip-connects (at most {best[1]}, first at epoch {best[0]})")


def rt_stop(rankings: pd.Series, k: int) -> Stop:
    """rankings: epoch -> hashable ranking key (consecutive epochs). First epoch s whose ranking equals
    the rankings of the k epochs before it."""
    k = _check_k(k, "darts+_rt")
    rankings = rankings.sort_index()
    if rankings.empty or all(len(key) == 0 for key in rankings):
        return Stop(None, False, "no edge has two learnable ops: the ranking is undefined")
    run, prev, longest = 0, None, (0, None)
    for epoch, key in rankings.items():
        run = run + 1 if prev is not None and key == prev else 0
        prev = key
        if run > longest[0]:
            longest = (run, int(epoch))
        if run >= k:
            return Stop(int(epoch), True, f"learnable-op ranking unchanged over epochs {int(epoch) - k}..{int(epoch)}")
    note = f"ranking never stable for {k} epochs"
    if longest[1] is not None:
        note += f" (longest: {longest[0]} epoch(s), ending at epoch {longest[1]})"
    return Stop(int(rankings.index.max()), False, note)
