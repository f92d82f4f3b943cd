"""Selective stop (Zhang & Ding, CIKM 2021, Sec. 2.4) on the magnitude curves of Eq. 11.

- SS-peak, Eq. 12: t* = argmax_{0 < t <= T} m(t, o_i).
- SS-residual, Eq. 13: t* = argmax_{0 < t <= T} sum_{j != i} (m(t, o_i) - m(t, o_j))
  = (M - 1) m(t, o_i) - sum_{j != i} m(t, o_j), M = number of ops of the cell.
  When every edge's weights are a distribution over the same M ops (softmax), sum_j m(t, o_j) = 1 and the
  residual is M m(t, o_i) - 1: the same epoch as SS-peak. They differ only when the weights do not sum to
  1 per edge (rounded imported logs, ops missing on some edges as in S1, or non-softmax mixers).
- Epochs 0 < t <= T (Eq. 11-13): epoch 0, the initialisation, is never a stop point.
- Ties go to the earliest epoch (values within 1e-12 relative of the maximum count as ties).
- A maximum at the last logged epoch is no peak (the curve may still rise): `met` is False and the run's
  final epoch is used (see criteria.evaluate).
The op is configurable (the paper: nor_conv_3x3; 1x1 conv for GAEA-ERM), and so is the cell type
(default normal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.stops import Stop
from darts_core.stops.magnitudes import magnitude_table

KINDS = ("peak", "residual")
TIE_RTOL = 1e-12


def ss_curve(mags: pd.DataFrame, op: str, cell: str = "normal", kind: str = "residual") -> pd.Series:
    """The curve whose argmax is the stop: m(t, op) (peak) or the Eq. 13 residual sum; index epoch."""
    if kind not in KINDS:
        raise DartsCoreError(f"selective-stop kind {kind!r}; choose from {', '.join(KINDS)}")
    wide = magnitude_table(mags, cell)
    if op not in wide.columns:
        raise DartsCoreError(f"op {op!r} is not in the {cell} cell of this run (ops: {', '.join(wide.columns)})")
    mi = wide[op]
    if kind == "peak":
        return mi.rename(f"m(t, {op})")
    others = wide.drop(columns=[op])
    return ((len(wide.columns) - 1) * mi - others.sum(axis=1)).rename(f"residual(t, {op})")


def first_max(curve: pd.Series, first_epoch: int = 1) -> tuple[int, float]:
    """(epoch, value) of the maximum over epochs >= first_epoch; ties -> the earliest epoch."""
    sub = curve[curve.index >= first_epoch]
    if sub.empty:
        raise DartsCoreError(f"no epoch >= {first_epoch} in the curve (epochs {list(curve.index)})")
    v = sub.to_numpy(dtype=np.float64)
    top = np.nanmax(v)
    k = int(np.flatnonzero(v >= top - TIE_RTOL * max(1.0, abs(top)))[0])
    return int(sub.index[k]), float(v[k])


def peak_stop(curve: pd.Series, what: str, first_epoch: int = 1) -> Stop:
    """Stop at the curve's maximum over 0 < t <= T; not met when the maximum is at the last epoch."""
    epoch, value = first_max(curve, first_epoch)
    last = int(curve.index.max())
    if epoch == last and len(curve[curve.index >= first_epoch]) > 1:
        return Stop(epoch, False, f"{what} is highest at the last logged epoch {last} ({value:.6g}): no peak within the run")
    if epoch == last:
        return Stop(epoch, False, "only one epoch after initialisation: no peak")
    return Stop(epoch, True, f"{what} peaks at epoch {epoch} ({value:.6g})")


def ss_peak(mags: pd.DataFrame, op: str, cell: str = "normal") -> Stop:
    """Eq. 12."""
    return peak_stop(ss_curve(mags, op, cell, "peak"), f"m(t, {op}) [{cell}]")


def ss_residual(mags: pd.DataFrame, op: str, cell: str = "normal") -> Stop:
    """Eq. 13."""
    return peak_stop(ss_curve(mags, op, cell, "residual"), f"sum_j (m(t, {op}) - m(t, o_j)) [{cell}]")
