"""The search-time signal of the tabular baselines: per architecture, a validation accuracy and its simulated cost.

Official (AutoDL-Projects exps/NAS-Bench-201-algos/R_EA.py `train_and_eval`, used by RANDOM.py and reinforce.py
too): `api.get_more_info(index, 'cifar10-valid', hp='12', is_random=True)`, i.e. the x-valid accuracy after
the 12-epoch schedule of ONE training seed drawn at random per query, costing `train-all-time` (12 epochs) +
`valid-per-time` seconds. Two sources:

- `pth` (faithful): built once from the official .pth by `proxy_pth.proxy_from_pth` and kept as a Parquet
  file; every seed's 12-epoch value is kept and `evaluate` draws one per query, like `is_random=True`.
- `csv` (approximation, a DEVIATION): the public extract has no 12-epoch results, only the 200-epoch
  cifar10-valid x-valid accuracy averaged over seeds; cost = 12 x `train-per-time` + `valid-per-time` of the
  200-epoch runs. The signal is therefore higher-fidelity and noise-free compared with the official one,
  which makes every method look better and less variable than in the paper. Recorded in `note`.

Long Parquet format: `index, trial, valid, cost` (trial = position in the sorted seed list, 0 for the CSV),
attrs `source`, `dataset`, `note` (and `source_sha256` for a .pth) kept in the file's metadata.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.benchmark.nb201_index import NUM_ARCHS
from darts_core.benchmark.table import CSV_VALID
from darts_core.errors import DartsCoreError
from darts_core.runlog import atomic_write

EPOCHS = 12  # hp='12' in R_EA.py train_and_eval
CSV_NOTE = ("DEVIATION: search signal = 200-epoch cifar10-valid x-valid accuracy (mean over seeds) from the public CSV, "
            "not the official 12-epoch single-seed accuracy (hp='12', is_random=True); cost = 12 x train-per-time + "
            "valid-per-time of the 200-epoch runs, approximating train-all-time(hp='12') + valid-per-time")
PTH_NOTE = ("official: 12-epoch x-valid accuracy of one seed drawn per query (hp='12', is_random=True); "
            "cost = train-all-time + valid-per-time")


@dataclass(frozen=True, eq=False)
class Proxy:
    """`valid[i, t]`, `cost[i, t]`: accuracy (percent) and seconds of trial t of NB201 index i; `count[i]` trials
    (NaN beyond them; 0 = the architecture is not in the source)."""

    valid: np.ndarray
    cost: np.ndarray
    source: str
    dataset: str
    note: str
    extra: dict = field(default_factory=dict)
    count: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        if self.valid.shape != self.cost.shape or self.valid.ndim != 2 or self.valid.shape[0] != NUM_ARCHS:
            raise DartsCoreError(f"proxy arrays must both be ({NUM_ARCHS}, trials), got {self.valid.shape} and {self.cost.shape}")
        ok = ~np.isnan(self.valid) & ~np.isnan(self.cost)
        object.__setattr__(self, "count", ok.sum(axis=1))
        if (ok[:, 1:] & ~ok[:, :-1]).any():
            raise DartsCoreError("proxy: each architecture's trials must come first, NaN only after them")
        if (self.cost[ok] < 0).any():
            raise DartsCoreError("proxy: negative simulated cost")

    def evaluate(self, index: int, rng: random.Random) -> tuple[float, float]:
        """(validation accuracy, simulated seconds) of one query; draws the trial with `rng.choice` like the
        API's `random.choice(seeds)` (always, even for one trial, so the random stream is the official one)."""
        n = int(self.count[index])
        if n == 0:
            raise DartsCoreError(f"proxy ({self.source}) has no result for NB201 index {index}")
        t = rng.choice(range(n))
        return float(self.valid[index, t]), float(self.cost[index, t])

    def info(self) -> dict:
        return {"source": self.source, "dataset": self.dataset, "note": self.note, "trials_max": int(self.valid.shape[1]),
                "archs": int((self.count > 0).sum()), **self.extra}


def proxy_from_csv(csv_dir: str | os.PathLike) -> Proxy:
    """The CSV approximation from `nats_tss_cifar10-valid_avg.csv` (row i = index i, checked by the table code)."""
    path = Path(csv_dir) / CSV_VALID
    if not path.is_file():
        raise DartsCoreError(f"{path} not found: the CSV proxy needs {CSV_VALID} (see ../shared/data/nb201/README.md)")
    df = pd.read_csv(path, usecols=["index", "valid-accuracy", "train-per-time", "valid-per-time"])
    if len(df) != NUM_ARCHS or (df["index"].to_numpy() != np.arange(NUM_ARCHS)).any():
        raise DartsCoreError(f"{path}: expected rows 0..{NUM_ARCHS - 1} in index order")
    valid = df["valid-accuracy"].to_numpy(dtype=np.float64)[:, None]
    cost = (EPOCHS * df["train-per-time"] + df["valid-per-time"]).to_numpy(dtype=np.float64)[:, None]
    return Proxy(valid, cost, source=f"csv: {CSV_VALID} (200-epoch approximation)", dataset="cifar10", note=CSV_NOTE)


def proxy_frame(proxy: Proxy) -> pd.DataFrame:
    """Long rows `index, trial, valid, cost` of the trials that exist."""
    idx, trial = np.nonzero(~np.isnan(proxy.valid))
    df = pd.DataFrame({"index": idx.astype(np.int32), "trial": trial.astype(np.int16),
                       "valid": proxy.valid[idx, trial], "cost": proxy.cost[idx, trial]})
    df.attrs = {"source": proxy.source, "dataset": proxy.dataset, "note": proxy.note, **proxy.extra}
    return df


def proxy_from_frame(df: pd.DataFrame, where: str = "proxy") -> Proxy:
    missing = [c for c in ("index", "trial", "valid", "cost") if c not in df.columns]
    if missing:
        raise DartsCoreError(f"{where}: missing column(s) {', '.join(missing)}")
    idx, trial = df["index"].to_numpy(dtype=np.int64), df["trial"].to_numpy(dtype=np.int64)
    if len(df) and (idx.min() < 0 or idx.max() >= NUM_ARCHS or trial.min() < 0):
        raise DartsCoreError(f"{where}: index outside 0..{NUM_ARCHS - 1} or negative trial")
    shape = (NUM_ARCHS, int(trial.max()) + 1 if len(df) else 1)
    valid, cost = np.full(shape, np.nan), np.full(shape, np.nan)
    valid[idx, trial], cost[idx, trial] = df["valid"].to_numpy(dtype=np.float64), df["cost"].to_numpy(dtype=np.float64)
    attrs = dict(df.attrs)
    core = {k: str(attrs.pop(k, "")) for k in ("source", "dataset", "note")}
    return Proxy(valid, cost, extra=attrs, **core)


def save_proxy(proxy: Proxy, path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix != ".parquet":
        raise DartsCoreError(f"{path}: a proxy file is .parquet")
    df = proxy_frame(proxy)
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def load_proxy(source: str | os.PathLike | Proxy, sha256: str | None = None, trust_unverified: bool = False) -> Proxy:
    """A Proxy from: a Proxy (returned as is), a directory with the CSV extract (approximation), a proxy
    .parquet (from `tabular-proxy`), or the official .pth (converted in memory: ~28 GB RAM, prefer the .parquet)."""
    if isinstance(source, Proxy):
        return source
    path = Path(source)
    if path.is_dir():
        return proxy_from_csv(path)
    if not path.is_file():
        raise DartsCoreError(f"proxy source {path} does not exist (a CSV directory, a proxy .parquet or the official .pth)")
    if path.suffix == ".pth":
        from darts_core.tabular.proxy_pth import proxy_from_pth

        return proxy_from_pth(path, sha256=sha256, trust_unverified=trust_unverified)
    if path.suffix != ".parquet":
        raise DartsCoreError(f"proxy source {path}: expected a directory, a .parquet or a .pth")
    try:
        df = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for a bad file
        raise DartsCoreError(f"proxy file {path} is not a readable Parquet file: {err}") from None
    return proxy_from_frame(df, str(path))
