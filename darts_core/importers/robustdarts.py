"""A RobustDARTS search run -> our run products (`python -m darts_core import-log robustdarts SOURCE RUN_DIR`).

robustdarts (automl/RobustDARTS `experiments/search_logs/<space>/<dataset>/<dp>_<wd>-<job>/`). SOURCE is the
run directory (with --task N, the file suffix = seed; default: the only or the first log) or a log_N.txt.
  log_N.txt: `epoch k lr ...`, `train_acc`, `valid_acc`, `genotype = Genotype(...)` after each epoch k
  -> genotypes.csv epoch k+1 (no epoch 0: the initial genotype is not logged), metrics epoch k+1 (losses
  from errors_N.json). Dominant eigenvalues, measured after training epoch k (k = 0, 2, ..., 48 and 49):
  from derivatives_N.json (max real eigenvalue of each stored H, numpy eigvals as train_search.py) or else
  from DERIVED/dominant_eigenvalues.csv (found in a parent directory, or --eigenvalues) -> hessian.csv epoch
  k+1. No alphas: criteria that need them are reported as not computable, not faked.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.importers.common import TS, empty_target, number, sha256, ts
from darts_core.search.hessian import max_eigenvalue
from darts_core.spaces import darts as darts_space

RE_RD_EPOCH = re.compile(TS + r"epoch (\d+) lr (\S+)(?: drop_prob (\S+) cutout_prob (\S+))?\s*$")
RE_RD_TRAIN = re.compile(TS + r"train_acc (\S+)\s*$")
RE_RD_VALID = re.compile(TS + r"valid_acc (\S+)\s*$")
RE_RD_GENO = re.compile(TS + r"genotype = (Genotype\(.*\))\s*$")
RE_RD_DIR = re.compile(r"^(?P<dp>[\d.]+)_(?P<wd>[\d.eE-]+)-(?P<job>\d+)$")


def _rd_locate(source: Path, task: int | None) -> tuple[Path, Path, int]:
    if source.is_file():
        m = re.fullmatch(r"log_(\d+)\.txt", source.name)
        if not m:
            raise DartsCoreError(f"{source}: a RobustDARTS log is named log_N.txt")
        return source.parent, source, int(m.group(1))
    if not source.is_dir():
        raise DartsCoreError(f"RobustDARTS run {source} does not exist")
    logs = sorted(source.glob("log_*.txt"))
    if not logs:
        raise DartsCoreError(f"{source}: no log_N.txt (not a RobustDARTS run directory)")
    if task is None:
        log = logs[0]
        task = int(re.fullmatch(r"log_(\d+)\.txt", log.name).group(1))
    else:
        log = source / f"log_{task}.txt"
        if not log.is_file():
            raise DartsCoreError(f"{source}: no log_{task}.txt (have {', '.join(p.name for p in logs)})")
    return source, log, int(task)


def parse_robustdarts_log(path: Path) -> list[dict]:
    lines = path.read_text(errors="replace").splitlines()
    epochs, cur = [], None
    for lineno, line in enumerate(lines, start=1):
        if "STARTING ITERATION" in line and epochs:
            raise DartsCoreError(f"{path}, line {lineno}: a second search iteration (adaptive regularisation restart) "
                                 "is not supported")
        if m := RE_RD_EPOCH.match(line):
            k = int(m.group(2))
            expected = 0 if not epochs else epochs[-1]["k"] + 1
            if k != expected:
                raise DartsCoreError(f"{path}, line {lineno}: epoch {k} follows epoch {expected - 1}, expected {expected}")
            cur = {"k": k, "line": lineno, "t0": ts(m.group(1)), "lr": number(m.group(3), path, lineno, "lr")}
            epochs.append(cur)
        elif cur is None:
            continue
        elif m := RE_RD_TRAIN.match(line):
            cur["train_acc"] = number(m.group(2), path, lineno, "train_acc")
        elif m := RE_RD_VALID.match(line):
            cur["valid_acc"], cur["t1"] = number(m.group(2), path, lineno, "valid_acc"), ts(m.group(1))
        elif m := RE_RD_GENO.match(line):
            cur["arch"] = darts_space.genotype_string(darts_space.parse_genotype(m.group(2)))
            cur["geno_line"] = lineno
    if not epochs:
        raise DartsCoreError(f"{path}: no `epoch N lr X` line: not a RobustDARTS search log")
    return epochs


def _rd_eigen_csv(run_dir: Path, task: int, explicit: Path | None) -> tuple[pd.DataFrame, Path] | None:
    csv = explicit
    if csv is None:
        for parent in [run_dir, *run_dir.parents][:8]:
            cand = parent / "DERIVED" / "dominant_eigenvalues.csv"
            if cand.is_file():
                csv = cand
                break
    if csv is None:
        return None
    if not csv.is_file():
        raise DartsCoreError(f"eigenvalue table {csv} does not exist")
    m = RE_RD_DIR.match(run_dir.name)
    if not m:
        raise DartsCoreError(f"{run_dir}: directory name is not <drop_path>_<weight_decay>-<job> (needed to find its "
                             f"rows in {csv})")
    df = pd.read_csv(csv)
    need = ("space", "dataset", "drop_path_prob", "weight_decay", "job_id", "task_id_seed", "epoch", "dominant_eigenvalue")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DartsCoreError(f"{csv}: missing column(s) {', '.join(missing)}")
    sel = (df["job_id"] == int(m.group("job"))) & (df["task_id_seed"] == task) \
        & np.isclose(df["drop_path_prob"], float(m.group("dp"))) & np.isclose(df["weight_decay"], float(m.group("wd")))
    parts = run_dir.parts
    if len(parts) >= 3:
        sel &= (df["space"] == parts[-3]) & (df["dataset"] == parts[-2])
    rows = df[sel]
    if rows.empty:
        return None
    return rows[["epoch", "dominant_eigenvalue"]].rename(columns={"dominant_eigenvalue": "eigenvalue"}), csv


def read_derivatives(path: Path) -> pd.DataFrame:
    """derivatives_N.json (JSON lines {epoch, H, g}) -> `epoch, eigenvalue` (RobustDARTS epochs)."""
    rows = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                H = np.asarray(rec["H"], dtype=np.float64)
                epoch = int(rec["epoch"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise DartsCoreError(f"{path}, line {lineno}: not a {{epoch, H, g}} record ({err})") from None
            try:
                rows.append({"epoch": epoch, "eigenvalue": max_eigenvalue(H)})
            except DartsCoreError as err:
                raise DartsCoreError(f"{path}, line {lineno}: {err}") from None
    if not rows:
        raise DartsCoreError(f"{path}: no records")
    return pd.DataFrame(rows)


def import_robustdarts(source: str | os.PathLike, run_dir: str | os.PathLike, task: int | None = None,
                       eigenvalues: str | os.PathLike | None = None) -> dict:
    """Write genotypes.csv, metrics.csv, hessian.csv (if eigenvalues are found), run.json."""
    empty_target(run_dir)
    src_dir, log, task = _rd_locate(Path(source), task)
    epochs = parse_robustdarts_log(log)
    missing = [e["k"] for e in epochs if "arch" not in e]
    if missing and missing != [epochs[-1]["k"]]:
        raise DartsCoreError(f"{log}: epoch(s) {missing[:5]} log no genotype")
    epochs = [e for e in epochs if "arch" in e]  # an interrupted last epoch is dropped
    losses = {}
    err_path = src_dir / f"errors_{task}.json"
    if err_path.is_file():
        try:
            losses = json.loads(err_path.read_text())
        except json.JSONDecodeError as err:
            raise DartsCoreError(f"{err_path} is not valid JSON ({err})") from None

    def loss(key: str, k: int) -> float:
        seq = losses.get(key, [])
        return float(seq[k]) if k < len(seq) else float("nan")

    genos = [{"epoch": e["k"] + 1, "arch": e["arch"]} for e in epochs]
    metrics = [{"epoch": e["k"] + 1, "train_loss": loss("train_loss", e["k"]), "train_acc": e.get("train_acc", np.nan),
                "valid_loss": loss("valid_loss", e["k"]), "valid_acc": e.get("valid_acc", np.nan), "weight_lr": e["lr"],
                "alpha_lr": float("nan"), "seconds": (e["t1"] - e["t0"]).total_seconds() if "t1" in e else np.nan}
               for e in epochs]
    deriv = src_dir / f"derivatives_{task}.json"
    ev_source = None
    if deriv.is_file():
        ev, ev_source = read_derivatives(deriv), f"{deriv.resolve()} (max real eigenvalue of each stored H)"
    else:
        found = _rd_eigen_csv(src_dir.resolve(), task, Path(eigenvalues) if eigenvalues else None)
        ev = None
        if found is not None:
            ev, csv = found
            ev_source = f"{csv.resolve()}"
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    runlog.write_table(pd.DataFrame(genos, columns=list(runlog.GENOTYPE_COLUMNS)), out / runlog.GENOTYPES)
    runlog.write_table(pd.DataFrame(metrics, columns=list(runlog.METRIC_COLUMNS)), out / runlog.METRICS)
    files = [runlog.GENOTYPES, runlog.METRICS]
    if ev is not None:
        h = pd.DataFrame({"epoch": ev["epoch"].astype(int).to_numpy() + 1, "eigenvalue": ev["eigenvalue"].to_numpy(dtype=np.float64),
                          "method": "exact"})
        runlog.write_table(h.sort_values("epoch").reset_index(drop=True), out / runlog.HESSIAN)
        files.append(runlog.HESSIAN)
    m = RE_RD_DIR.match(src_dir.name)
    parts = src_dir.resolve().parts
    space = parts[-3] if len(parts) >= 3 and parts[-3] in darts_space.SPACES else "darts"
    info = {
        "config": {"space": space, "dataset": parts[-2] if len(parts) >= 2 else None, "seed": task,
                   "epochs": int(epochs[-1]["k"]) + 1,
                   "drop_path_prob": float(m.group("dp")) if m else None, "w_wd": float(m.group("wd")) if m else None},
        "seed": task, "status": "imported", "epochs_done": int(epochs[-1]["k"]) + 1, "stop": None,
        "import": {
            "format": "robustdarts", "source": str(log.resolve()), "bytes": log.stat().st_size, "sha256": sha256(log),
            "files": files, "eigenvalue_source": ev_source,
            "epoch_convention": "genotype, metrics and eigenvalue of RobustDARTS epoch k (0-based, logged after training "
                                "it) -> our epoch k+1; the initial genotype (our epoch 0) is not logged",
            "alpha_note": "RobustDARTS logs hold no alphas: criteria that need them are not computable for this run",
            "genotype_note": "genotypes as logged (RobustDARTS model_search.py genotype(); for spaces with `none`, S3, "
                             "its op indexing differs from quark0's)",
        },
    }
    runlog.write_json(info, out / runlog.RUN_INFO)
    return info
