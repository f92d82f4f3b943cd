"""The run products every search writes and every later step reads (the pipeline's contract).

A run directory holds:
- `alphas.parquet`: tidy, one row per (epoch, cell, edge, op). Columns
  `epoch` (int, 0 = initialisation, then after each finished epoch), `cell` (str: `normal`, `reduce`),
  `edge` (str, `i<-j`), `op` (str), `alpha` (float, the raw architecture parameter), `weight` (float,
  the mixing weight the supernet uses: softmax(alpha) per edge for DARTS; simplex weight for GAEA; for
  the sampling methods the probability of each op: softmax(alpha) for GDAS and SETN, the picked cell (one-hot)
  for RSPS, for ENAS P(op on edge) under its LSTM controller with alpha = log of it, darts_core.search.enas).
- `metrics.csv`: one row per finished epoch: `epoch, train_loss, train_acc, valid_loss, valid_acc,
  weight_lr, alpha_lr, seconds` (accuracies in percent; wall seconds of that epoch).
- `genotypes.csv`: `epoch, arch` (the architecture derived from that epoch's alphas; epoch 0 included;
  SETN and ENAS: the architecture they picked after that epoch, the best of the candidates they scored).
- `hessian.csv` (optional, DARTS-ES): `epoch, eigenvalue, method`.
- `run.json`: resolved config, seed, package versions, device, and how the run ended.
Writes are atomic (temporary file, then rename) so a killed job never leaves a half file behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.layout import ALPHAS, GENOTYPES, HESSIAN, METRICS, RUN_INFO  # noqa: F401  (re-exported)

ALPHA_COLUMNS = ("epoch", "cell", "edge", "op", "alpha", "weight")
METRIC_COLUMNS = ("epoch", "train_loss", "train_acc", "valid_loss", "valid_acc", "weight_lr", "alpha_lr", "seconds")
GENOTYPE_COLUMNS = ("epoch", "arch")
HESSIAN_COLUMNS = ("epoch", "eigenvalue", "method")
WEIGHT_SUM_TOL = 5e-3  # float32 weights, and the 4-decimal prints of imported DARTS-PT logs


def _free_bytes(folder: Path) -> int | None:
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def atomic_write(path: str | os.PathLike, write) -> Path:
    """Call `write(tmp_path)` on a temporary file beside `path`, then rename it into place. A full disk (or
    quota) is one line naming the file and saying so, whatever the writer raised (torch reports a failed
    write as a RuntimeError without the cause); `path` keeps its previous content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        _raise_if_full(err, path)
        raise
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except Exception as err:  # noqa: BLE001 - re-raised unless the disk is full
        _raise_if_full(err, path)
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _raise_if_full(err: BaseException, path: Path) -> None:
    import errno

    free = _free_bytes(path.parent)
    full = isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)
    if full or (free is not None and free < (1 << 20) and not isinstance(err, DartsCoreError)):
        kept = "its previous version is kept" if path.exists() else "nothing was written"
        where = "" if free is None else f" ({free} bytes free in {path.parent})"
        raise DartsCoreError(f"cannot write {path}: No space left on device{where}; {kept}") from None


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, name: str, what: str = "search"):
    """Hold an exclusive fcntl lock on `folder/name` for the block: a second writer of the same run folder
    (an orphaned search still running after Snakemake was killed, then a rerun) stops with one line. The
    lock file is opened without following links and must be a regular file; the kernel drops the lock
    when the process dies, so a killed search never leaves the folder locked."""
    import errno
    import fcntl
    import socket
    import stat

    path = Path(folder) / name
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EISDIR):
            raise DartsCoreError(f"lock file {path} is a symbolic link or a folder; not following it, remove it") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DartsCoreError(f"lock file {path} is not a regular file; remove it")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise DartsCoreError(f"run folder {folder} is in use by another {what} ({holder}); end that one first, "
                                 "nothing was written") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        yield path
    finally:
        os.close(fd)


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a DataFrame as Parquet or CSV (by suffix), atomically."""
    path = Path(path)
    if path.suffix == ".parquet":
        return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a text file (Markdown, LaTeX, JSON) atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def write_json(obj, path: str | os.PathLike) -> Path:
    return write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", path)


def alpha_rows(epoch: int, cell: str, edges: Sequence[str], ops: Sequence[str], alpha, weight) -> pd.DataFrame:
    """Tidy rows for one epoch and cell from (edges x ops) arrays of raw parameters and mixing weights."""
    alpha, weight = np.asarray(alpha, dtype=np.float64), np.asarray(weight, dtype=np.float64)
    shape = (len(edges), len(ops))
    if alpha.shape != shape or weight.shape != shape:
        raise DartsCoreError(f"alpha/weight shapes {alpha.shape}/{weight.shape}, expected {shape}")
    return pd.DataFrame(
        {
            "epoch": np.full(alpha.size, int(epoch), dtype=np.int64),
            "cell": cell,
            "edge": np.repeat(list(edges), len(ops)),
            "op": np.tile(list(ops), len(edges)),
            "alpha": alpha.ravel(),
            "weight": weight.ravel(),
        }
    )


def read_alphas(path: str | os.PathLike, known_ops: Sequence[str] | None = None) -> pd.DataFrame:
    """Read and check an alpha log: columns, no NaN, known ops, and epochs 0..T with none missing.

    Errors name the file and the first offending row (0-based, in file order).
    """
    path = Path(path)
    if not path.exists():
        raise DartsCoreError(f"alpha log {path} does not exist")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as err:  # pyarrow / pandas raise several types for a truncated or foreign file
        raise DartsCoreError(f"alpha log {path} cannot be read ({type(err).__name__}: "
                             f"{' '.join(str(err).split())})") from None
    missing = [c for c in ALPHA_COLUMNS if c not in df.columns]
    if missing:
        raise DartsCoreError(f"alpha log {path}: missing column(s) {', '.join(missing)}")
    # column types and repeated rows: later steps (epoch arithmetic, pivots) would fail with a pandas traceback
    for col, ok in (("epoch", pd.api.types.is_integer_dtype), ("alpha", pd.api.types.is_numeric_dtype),
                    ("weight", pd.api.types.is_numeric_dtype)):
        if not ok(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise DartsCoreError(f"alpha log {path}: column {col} holds {df[col].dtype} values, expected "
                                 f"{'integers' if col == 'epoch' else 'numbers'}")
    dup = np.flatnonzero(df.duplicated(["epoch", "cell", "edge", "op"]).to_numpy())
    if len(dup):
        row = df.iloc[dup[0]]
        raise DartsCoreError(f"alpha log {path}: row {dup[0]} repeats (epoch {row['epoch']}, cell {row['cell']}, "
                             f"edge {row['edge']}, op {row['op']})")
    for col in ("alpha", "weight"):
        bad = df.index[~np.isfinite(df[col].to_numpy(dtype=np.float64))]
        if len(bad):
            raise DartsCoreError(f"alpha log {path}: row {bad[0]} has a non-finite {col} ({df[col].iloc[bad[0]]})")
    # values, not only shapes: every method logs a distribution over each edge's ops (softmax for DARTS and
    # GDAS, GAEA's simplex weights, DrNAS's Dirichlet mean, RSPS's uniform / one-hot sampling weights)
    weights = df["weight"].to_numpy(dtype=np.float64)
    neg = np.flatnonzero(weights < 0)
    if len(neg):
        raise DartsCoreError(f"alpha log {path}: row {neg[0]} has a negative weight ({weights[neg[0]]:g}); mixing "
                             "weights are a distribution over an edge's ops")
    sums = df.groupby(["epoch", "cell", "edge"], sort=False)["weight"].sum()
    off = sums[(sums - 1.0).abs() > WEIGHT_SUM_TOL]
    if len(off):
        (epoch, cell, edge), total = off.index[0], off.iloc[0]
        row = int(np.flatnonzero(((df["epoch"] == epoch) & (df["cell"] == cell) & (df["edge"] == edge)).to_numpy())[0])
        raise DartsCoreError(f"alpha log {path}: epoch {epoch} cell {cell} edge {edge} (from row {row}): weights sum "
                             f"to {total:.6g}, not 1; mixing weights are a distribution over an edge's ops")
    if known_ops is not None:
        bad = df.index[~df["op"].isin(list(known_ops))]
        if len(bad):
            raise DartsCoreError(f"alpha log {path}: row {bad[0]} has unknown op {df['op'].iloc[bad[0]]!r}")
    epochs = np.sort(df["epoch"].unique())
    if len(epochs) == 0:
        raise DartsCoreError(f"alpha log {path}: no rows")
    expected = np.arange(epochs[0], epochs[-1] + 1)
    if len(epochs) != len(expected):
        gap = sorted(set(expected) - set(epochs))[0]
        row = int(df.index[df["epoch"] > gap][0])
        raise DartsCoreError(f"alpha log {path}: epoch {gap} is missing (row {row} jumps to epoch {df['epoch'].iloc[row]})")
    sizes = df.groupby("epoch").size()
    if sizes.nunique() != 1:
        short = int(sizes.idxmin())
        row = int(df.index[df["epoch"] == short][0])
        raise DartsCoreError(
            f"alpha log {path}: epoch {short} (from row {row}) has {sizes.min()} rows, others have {sizes.max()}"
        )
    return df


def weight_tensor(df: pd.DataFrame, epoch: int, cell: str, edges: Sequence[str], ops: Sequence[str], column: str = "weight") -> np.ndarray:
    """(edges x ops) array of one epoch and cell from a tidy alpha log."""
    sub = df[(df["epoch"] == epoch) & (df["cell"] == cell)]
    table = sub.pivot(index="edge", columns="op", values=column)
    return table.loc[list(edges), list(ops)].to_numpy(dtype=np.float64)


def finite_or_error(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise DartsCoreError(f"{what} is {value}: the run diverged")
    return value


def search_seconds_until(run_dir: str | os.PathLike, epoch) -> float:
    """Wall seconds of a search up to the architecture of `epoch` (genotypes.csv's epoch e follows e training
    epochs, metrics.csv numbers them from 1); NaN without timings."""
    path = Path(run_dir) / METRICS
    if not path.is_file() or pd.isna(epoch):
        return float("nan")
    m = pd.read_csv(path)
    if "seconds" not in m.columns:
        return float("nan")
    return float(m.loc[m["epoch"] <= int(epoch), "seconds"].sum())
