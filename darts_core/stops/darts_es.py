"""DARTS-ES (Zela et al., ICLR 2020): early stop on the dominant Hessian eigenvalue of the validation loss
w.r.t. the alphas, as RobustDARTS @ 3dec3fe `src/utils.py` EVLocalAvg + `src/search/train_search.py`.

The official bookkeeping, with its defaults (window 5, ev_freq 2, es_start_epoch 10, delta 4, factor 1.3):
- eigenvalues are measured after training epoch k (0-based) for k % ev_freq == 0 and at the last epoch;
- local average: from the ceil(window/2)-th measurement on, the mean of all values so far (fewer than
  `window`) or of a sliding window of `window` values; it is attributed to la_epoch = k - ev_freq*floor(window/2);
- at each measurement except the last epoch's, if la_epoch - ev_freq*delta >= es_start_epoch: stop when
  avg[-1] / avg[-1-delta] > factor, rolling back to epoch la_epoch - ev_freq*delta (whose genotype is used).

Epoch mapping. RobustDARTS's epoch k is the (k+1)-th training epoch, so a value measured "at epoch k" is
our epoch k+1 (runlog: epoch e = after e finished epochs); hessian.csv stores our epochs. The rule runs on
RobustDARTS indices k = e - 1, so "not before epoch 10" means k >= 10, and a roll-back to k_stop is our
epoch k_stop + 1. Measurements at our epoch 0 (before any training) are ignored (RobustDARTS has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.stops import Stop

DEFAULTS = {"window": 5, "ev_freq": 2, "es_start_epoch": 10, "delta": 4, "factor": 1.3}


@dataclass
class EVLocalAvg:
    """RobustDARTS src/utils.py EVLocalAvg (same state, same arithmetic), epochs in RobustDARTS indices."""

    window: int = 5
    ev_freq: int = 2
    epochs: int = 50
    stop_search: bool = False
    stop_epoch: int | None = None
    ev: list = field(default_factory=list)
    ev_local_avg: list = field(default_factory=list)
    la_epochs: dict = field(default_factory=dict)
    la_start_idx: int = 0
    checked: list = field(default_factory=list)  # (epoch, ratio) of every decision (not in the original)

    def __post_init__(self):
        self.la_end_idx = self.window
        if self.stop_epoch is None:
            self.stop_epoch = self.epochs - 1

    def update(self, epoch: int, ev: float) -> None:
        self.ev.append(float(ev))
        half = int(np.ceil(self.window / 2))
        if len(self.ev) >= half and epoch < self.epochs - 1:
            if len(self.ev) < self.window:
                self.ev_local_avg.append(float(np.mean(self.ev)))
            else:
                self.ev_local_avg.append(float(np.mean(self.ev[self.la_start_idx:self.la_end_idx])))
                self.la_start_idx += 1
                self.la_end_idx += 1
            self.la_epochs[epoch] = int(epoch - int(self.ev_freq * np.floor(self.window / 2)))
        elif len(self.ev) < half:
            self.la_epochs[epoch] = -1
        elif epoch == self.epochs - 1:  # tail averages over shrinking windows (no stop decision uses them)
            for _ in range(half):
                self.ev_local_avg.append(float(np.mean(self.ev[self.la_start_idx:self.la_end_idx + 1])))
                self.la_start_idx += 1

    def early_stop(self, epoch: int, factor: float = 1.3, es_start_epoch: int = 10, delta: int = 4) -> None:
        if int(self.la_epochs[epoch] - self.ev_freq * delta) >= es_start_epoch:
            if len(self.ev_local_avg) < delta + 1:  # cannot happen with the defaults; the original would IndexError
                return
            current_la, previous_la = self.ev_local_avg[-1], self.ev_local_avg[-1 - delta]
            self.checked.append((epoch, current_la / previous_la))
            self.stop_search = current_la / previous_la > factor
            if self.stop_search:
                self.stop_epoch = int(self.la_epochs[epoch] - self.ev_freq * delta)


def infer_ev_freq(epochs) -> int:
    """Most common step between measurement epochs, the last (extra, final-epoch) one excluded."""
    e = np.sort(np.asarray(list(epochs), dtype=np.int64))
    steps = np.diff(e[:-1]) if len(e) > 2 else np.diff(e)
    if len(steps) == 0:
        return DEFAULTS["ev_freq"]
    vals, counts = np.unique(steps, return_counts=True)
    return int(vals[np.argmax(counts)])


def check_hessian(hessian: pd.DataFrame, source: str = "hessian table") -> pd.DataFrame:
    for col in ("epoch", "eigenvalue"):
        if col not in hessian.columns:
            raise DartsCoreError(f"{source}: missing column {col}")
    vals = hessian["eigenvalue"].to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        raise DartsCoreError(f"{source}: row {int(bad[0])} has a non-finite eigenvalue ({vals[bad[0]]})")
    if hessian["epoch"].duplicated().any():
        row = int(np.flatnonzero(hessian["epoch"].duplicated().to_numpy())[0])
        raise DartsCoreError(f"{source}: row {row} repeats epoch {int(hessian['epoch'].iloc[row])}")
    return hessian.sort_values("epoch", kind="mergesort").reset_index(drop=True)


def darts_es_stop(hessian: pd.DataFrame, total_epochs: int | None, window: int = 5, ev_freq: int | None = None,
                  es_start_epoch: int = 10, delta: int = 4, factor: float = 1.3) -> Stop:
    """Replay EVLocalAvg over hessian.csv rows (our epochs). `total_epochs`: the run's number of training
    epochs (None while it is running: no measurement is treated as the last). Returns our stop epoch,
    or (met False) the last measured epoch."""
    h = check_hessian(hessian)
    h = h[h["epoch"] >= 1]
    if h.empty:
        return Stop(None, False, "no dominant eigenvalue measured after epoch 0")
    ev_freq = infer_ev_freq(h["epoch"]) if ev_freq is None else int(ev_freq)
    n_epochs = int(total_epochs) if total_epochs is not None else 10**9
    tracker = EVLocalAvg(window=window, ev_freq=ev_freq, epochs=n_epochs)
    for epoch, ev in zip(h["epoch"].astype(int), h["eigenvalue"].astype(float)):
        k = epoch - 1  # RobustDARTS epoch index
        tracker.update(k, ev)
        if k != n_epochs - 1:
            tracker.early_stop(k, factor, es_start_epoch, delta)
            if tracker.stop_search:
                ratio = tracker.ev_local_avg[-1] / tracker.ev_local_avg[-1 - delta]
                return Stop(tracker.stop_epoch + 1, True,
                            f"local-average eigenvalue ratio {ratio:.3f} > {factor} at epoch {epoch}; "
                            f"rolled back to epoch {tracker.stop_epoch + 1}")
    last = int(h["epoch"].iloc[-1])
    if not tracker.checked:
        return Stop(last, False, f"never checked: no measurement late enough (la_epoch - ev_freq*delta >= {es_start_epoch})")
    k, ratio = max(tracker.checked, key=lambda kr: kr[1])
    return Stop(last, False, f"ratio never > {factor} (largest {ratio:.3f}, at epoch {k + 1})")
