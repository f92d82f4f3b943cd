"""Real search logs -> our run products, so every stop criterion runs on searches we did not produce.

`python -m darts_core import-log FORMAT SOURCE RUN_DIR`

darts-pt (DARTS-PT code base, e.g. AI-Tech-Research-Lab/AsquaredM `dartspt/.../log.txt`; NB201 and DARTS
space). Each epoch block of the log is
    `epoch E lr X` / `genotype = ...` / the softmax(alpha) tensor(s) (4 decimals; NB201 one 6x5 tensor,
    DARTS space normal then reduce 14xK) / training / `train_acc`, `train_loss` (or `train_acc A | train_obj L`)
    / `valid_acc`, `valid_loss` / NB201 only: the genotype after the epoch and its NAS-Bench-201 lookup.
  Epoch mapping: the tensor and `genotype =` are printed at the START of DARTS-PT epoch E, before its
  updates, so they are our epoch E (runlog: epoch 0 = initialisation, E = after E finished epochs). The
  accuracies/losses of DARTS-PT epoch E are our metrics row E+1, and the genotype printed after DARTS-PT
  epoch E (NB201) is our genotype E+1, so the last finished epoch T has a genotype but no alphas (the log
  never prints the tensor after the last epoch). Checked while importing: genotype after epoch E == genotype
  at the start of E+1, and the printed genotype == the argmax of the printed weights wherever these have a
  unique maximum (rounded values can tie).
  Alphas: only softmax weights are printed. `weight` = the printed value (rows sum to 1 +- rounding);
  `alpha` = log(weight), softmax-equivalent (softmax(log w) = w / sum w), with weights printed as 0 clipped
  to 5e-5 (half the print resolution) before the log; run.json counts the clipped entries.
  Genotypes: the printed ones (computed by DARTS-PT from the unrounded weights; NB201 = argmax over all ops
  incl. none, as nb201.derive_arch). Also written: `imported_nb201.csv`, the log's own NB201 lookup per epoch.
  Not supported: DARTS-PT projection logs (`dev=proj`, several tensors per epoch) and resumed logs.

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

import ast
import hashlib
import json
import math
import os
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201
from darts_core.stops.hessian import max_eigenvalue

FORMATS = ("darts-pt", "robustdarts")
# DARTS-PT sota/cnn/spaces.py PRIMITIVES (DARTS space without `none`) used by its s5.
DARTSPT_S5_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
PRINT_FLOOR = 5e-5  # half the resolution of torch's 4-decimal print
ROW_SUM_TOL = 1e-3

_TS = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) "
RE_ARGS = re.compile(_TS + r"args = Namespace\((.*)\)\s*$")
RE_EPOCH = re.compile(_TS + r"epoch (\d+) lr (\S+)(?:\s.*)?$")
RE_GENO = re.compile(_TS + r"genotype = (.*?)\s*$")
RE_TENSOR = re.compile(_TS + r"tensor\(\[\[")
RE_TRAIN = re.compile(_TS + r"train_acc\s+(\S+)(?:\s*\|\s*train_obj\s+(\S+))?\s*$")
RE_TRAIN_LOSS = re.compile(_TS + r"train_loss\s+(\S+)\s*$")
RE_VALID = re.compile(_TS + r"valid_acc\s+(\S+)(?:\s*\|\s*valid_obj\s+(\S+))?\s*$")
RE_VALID_LOSS = re.compile(_TS + r"valid_loss\s+(\S+)\s*$")
RE_POST = re.compile(_TS + r"(\|\S+\|)\s*$")
RE_INDEX = re.compile(r"arch-index=(\d+)")
RE_C10V = re.compile(r"^cifar10-valid\s+train : .*valid : \[loss = \S+, top1 = ([\d.]+)%\]")
RE_NB = {
    "cifar10": re.compile(_TS + r"cifar10 train (\S+) test (\S+)\s*$"),
    "cifar100": re.compile(_TS + r"cifar100 train (\S+) valid (\S+) test (\S+)\s*$"),
    "imagenet16": re.compile(_TS + r"imagenet16 train (\S+) valid (\S+) test (\S+)\s*$"),
}


def _ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _namespace(text: str) -> dict:
    """`args = Namespace(a=1, b='x', ...)` -> dict, literals only (nothing is evaluated)."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        return {}
    out = {}
    for kw in call.keywords:
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            continue
    return out


def _float(text: str, path: Path, lineno: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DartsCoreError(f"{path}, line {lineno}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DartsCoreError(f"{path}, line {lineno}: {what} is {value}")
    return value


# --- darts-pt --------------------------------------------------------------------------------------
def _read_tensor(lines: list[str], start: int, path: Path) -> tuple[np.ndarray, int]:
    """Parse a printed `tensor([[...], ...])` starting at lines[start]; returns (array, next line index)."""
    buf, i = [], start
    while i < len(lines):
        buf.append(lines[i])
        i += 1
        if "]]" in lines[i - 1]:
            break
    else:
        raise DartsCoreError(f"{path}, line {start + 1}: alpha tensor is not closed")
    text = " ".join(buf)
    body = text[text.index("[[") + 1:text.index("]]") + 1]
    rows = re.findall(r"\[([^\[\]]*)\]", body)
    try:
        arr = [[float(x) for x in row.split(",") if x.strip()] for row in rows]
    except ValueError:
        raise DartsCoreError(f"{path}, line {start + 1}: alpha tensor has a non-numeric entry") from None
    if not arr or len({len(r) for r in arr}) != 1:
        raise DartsCoreError(f"{path}, line {start + 1}: alpha tensor rows of unequal length")
    a = np.array(arr, dtype=np.float64)
    if not np.isfinite(a).all():
        r = int(np.flatnonzero(~np.isfinite(a).all(axis=1))[0])
        raise DartsCoreError(f"{path}, line {start + 1 + r}: alpha tensor row {r} has a non-finite weight")
    return a, i


def parse_dartspt(path: str | os.PathLike) -> dict:
    """The per-epoch records of a DARTS-PT search log (see module doc), with line numbers."""
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"darts-pt log {path} does not exist")
    lines = path.read_text(errors="replace").splitlines()
    args, blocks, i = {}, [], 0
    cur = None
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        if m := RE_ARGS.match(line):
            args = _namespace(m.group(2))
        elif (m := RE_EPOCH.match(line)) and " epsilon_alpha " not in line:
            epoch = int(m.group(2))
            expected = 0 if not blocks else blocks[-1]["epoch"] + 1
            if epoch != expected:
                what = "starts at" if not blocks else "jumps to"
                raise DartsCoreError(f"{path}, line {lineno}: log {what} epoch {epoch}, expected {expected} "
                                     "(resumed or concatenated logs are not supported)")
            cur = {"epoch": epoch, "line": lineno, "t0": _ts(m.group(1)), "lr": _float(m.group(3), path, lineno, "lr"),
                   "tensors": [], "tensor_lines": []}
            blocks.append(cur)
        elif cur is None:
            pass
        elif (m := RE_GENO.match(line)) and "genotype_pre" not in cur:
            cur["genotype_pre"], cur["genotype_line"] = m.group(2), lineno
        elif RE_TENSOR.match(line):
            arr, i = _read_tensor(lines, i, path)
            cur["tensors"].append(arr)
            cur["tensor_lines"].append(lineno)
            continue
        elif m := RE_TRAIN.match(line):
            cur["train_acc"] = _float(m.group(2), path, lineno, "train_acc")
            if m.group(3):
                cur["train_loss"] = _float(m.group(3), path, lineno, "train_obj")
        elif m := RE_TRAIN_LOSS.match(line):
            cur["train_loss"] = _float(m.group(2), path, lineno, "train_loss")
        elif m := RE_VALID.match(line):
            cur["valid_acc"] = _float(m.group(2), path, lineno, "valid_acc")
            cur["t1"] = _ts(m.group(1))
            if m.group(3):
                cur["valid_loss"] = _float(m.group(3), path, lineno, "valid_obj")
        elif m := RE_VALID_LOSS.match(line):
            cur["valid_loss"] = _float(m.group(2), path, lineno, "valid_loss")
            cur["t1"] = _ts(m.group(1))
        elif (m := RE_POST.match(line)) and "valid_acc" in cur:
            cur["genotype_post"], cur["post_line"] = m.group(2), lineno
        elif m := RE_INDEX.search(line):
            cur.setdefault("nb201", {})["index"] = int(m.group(1))
        elif m := RE_C10V.match(line):
            cur.setdefault("nb201", {})["cifar10valid_valid"] = float(m.group(1))
        else:
            for key, rx in RE_NB.items():
                if m := rx.match(line):
                    vals = [float(x) for x in m.groups()[1:]]
                    nb = cur.setdefault("nb201", {})
                    if key == "cifar10":
                        nb["cifar10_train"], nb["cifar10_test"] = vals
                    else:
                        nb[f"{key}_train"], nb[f"{key}_valid"], nb[f"{key}_test"] = vals
        i += 1
    if not blocks:
        raise DartsCoreError(f"{path}: no `epoch N lr X` line: not a DARTS-PT search log")
    return {"args": args, "blocks": blocks, "lines": len(lines)}


def _dartspt_space(args: dict, blocks: list[dict], path: Path):
    """(family/space name, cells, op lists per cell per edge)."""
    name = str(args.get("search_space", "")).lower()
    n_tensors = len(blocks[0]["tensors"])
    if name in ("nas-bench-201", "nb201") or (not name and n_tensors == 1):
        return "nb201", {"normal": (nb201.OPS,) * len(nb201.EDGES)}
    if name == "s5" or (not name and n_tensors == 2):
        ops = (DARTSPT_S5_OPS,) * len(darts_space.EDGES)
        return "s5", {"normal": ops, "reduce": ops}
    if name in darts_space.SPACES:
        sp = darts_space.SPACES[name]
        return name, {"normal": sp.normal, "reduce": sp.reduce}
    raise DartsCoreError(f"{path}: unknown DARTS-PT search_space {name!r} (known: nas-bench-201, s1-s5)")


def _nb201_geno(text: str, path: Path, lineno: int) -> str:
    m = re.search(r"(\|\S*\|)", text)
    if not m:
        raise DartsCoreError(f"{path}, line {lineno}: genotype {text!r} has no NB201 arch string")
    nb201.parse_arch(m.group(1))
    return m.group(1)


def import_dartspt(source: str | os.PathLike, run_dir: str | os.PathLike) -> dict:
    """Write alphas.parquet, genotypes.csv, metrics.csv, imported_nb201.csv (NB201), run.json."""
    path = Path(source)
    parsed = parse_dartspt(path)
    args, blocks = parsed["args"], parsed["blocks"]
    space, ops_per_cell = _dartspt_space(args, blocks, path)
    cells = tuple(ops_per_cell)
    is_nb201 = space == "nb201"
    # alphas present for every block; a last block cut off before its tensor is dropped
    if blocks and not blocks[-1]["tensors"]:
        blocks = blocks[:-1]
    frames, clipped, tie_epochs, mismatch = [], 0, 0, []
    edges = nb201.EDGES if is_nb201 else darts_space.EDGES
    for b in blocks:
        if len(b["tensors"]) != len(cells):
            raise DartsCoreError(f"{path}, line {b['line']}: epoch {b['epoch']} has {len(b['tensors'])} alpha tensor(s), "
                                 f"expected {len(cells)} (DARTS-PT projection logs, dev=proj, are not supported)")
        for cell, arr, tline in zip(cells, b["tensors"], b["tensor_lines"]):
            ops = ops_per_cell[cell]
            width = {len(o) for o in ops}
            if arr.shape[0] != len(edges) or arr.shape[1] not in width:
                raise DartsCoreError(f"{path}, line {tline}: epoch {b['epoch']} {cell} tensor has shape {arr.shape}, "
                                     f"expected ({len(edges)}, {sorted(width)[0]})")
            bad = np.flatnonzero(np.abs(arr.sum(axis=1) - 1.0) > ROW_SUM_TOL * arr.shape[1] / 5)
            if len(bad):
                raise DartsCoreError(f"{path}, line {tline + int(bad[0])}: epoch {b['epoch']} {cell} edge {edges[bad[0]]}: "
                                     f"weights sum to {arr[bad[0]].sum():.4f}, not 1 (not softmax output?)")
            if (arr < 0).any():
                r = int(np.flatnonzero((arr < 0).any(axis=1))[0])
                raise DartsCoreError(f"{path}, line {tline + r}: negative softmax weight")
            clipped += int((arr < PRINT_FLOOR).sum())
            alpha = np.log(np.maximum(arr, PRINT_FLOOR))
            rows = [(b["epoch"], cell, edges[e], op, float(alpha[e, k]), float(arr[e, k]))
                    for e in range(len(edges)) for k, op in enumerate(ops[e])]
            frames.append(pd.DataFrame(rows, columns=list(runlog.ALPHA_COLUMNS)))
        if "genotype_pre" not in b:
            raise DartsCoreError(f"{path}, line {b['line']}: epoch {b['epoch']} prints no `genotype =` line")
        if is_nb201:
            b["arch"] = _nb201_geno(b["genotype_pre"], path, b["genotype_line"])
            w = b["tensors"][0]
            srt = np.sort(w, axis=1)
            if (srt[:, -1] > srt[:, -2]).all():  # unique maxima: the argmax is determined by the print
                derived = nb201.derive_arch(w)
                if derived != b["arch"]:
                    raise DartsCoreError(f"{path}, line {b['genotype_line']}: printed genotype {b['arch']} differs from the "
                                         f"argmax {derived} of the weights printed with it (line {b['tensor_lines'][0]})")
            else:
                tie_epochs += 1
        else:
            b["arch"] = darts_space.genotype_string(darts_space.parse_genotype(b["genotype_pre"]))
    alphas = pd.concat(frames, ignore_index=True)
    # genotypes: start-of-epoch ones, then the one after the last epoch (NB201 prints it)
    genos = [{"epoch": b["epoch"], "arch": b["arch"]} for b in blocks]
    for prev, nxt in zip(blocks, blocks[1:]):
        if is_nb201 and "genotype_post" in prev and prev["genotype_post"] != nxt["arch"]:
            mismatch.append(prev["epoch"])
    last = blocks[-1]
    finished = [b for b in blocks if "valid_acc" in b]
    if is_nb201 and "genotype_post" in last:
        genos.append({"epoch": last["epoch"] + 1, "arch": _nb201_geno(last["genotype_post"], path, last["post_line"])})
    if mismatch:
        raise DartsCoreError(f"{path}: the genotype printed after epoch(s) {mismatch[:5]} differs from the one printed at the "
                             "start of the next epoch: the epoch mapping of this log is not the DARTS-PT one")
    a_lr = args.get("arch_learning_rate", float("nan"))
    metrics = [{"epoch": b["epoch"] + 1, "train_loss": b.get("train_loss", np.nan), "train_acc": b.get("train_acc", np.nan),
                "valid_loss": b.get("valid_loss", np.nan), "valid_acc": b.get("valid_acc", np.nan), "weight_lr": b["lr"],
                "alpha_lr": a_lr, "seconds": (b["t1"] - b["t0"]).total_seconds() if "t1" in b else np.nan}
               for b in finished]
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    runlog.write_table(alphas, out / runlog.ALPHAS)
    runlog.write_table(pd.DataFrame(genos, columns=list(runlog.GENOTYPE_COLUMNS)), out / runlog.GENOTYPES)
    runlog.write_table(pd.DataFrame(metrics, columns=list(runlog.METRIC_COLUMNS)), out / runlog.METRICS)
    files = [runlog.ALPHAS, runlog.GENOTYPES, runlog.METRICS]
    if is_nb201:
        nb_rows = [{"epoch": b["epoch"] + 1, "arch": b.get("genotype_post"), **b["nb201"]} for b in finished if "nb201" in b]
        if nb_rows:
            runlog.write_table(pd.DataFrame(nb_rows), out / "imported_nb201.csv")
            files.append("imported_nb201.csv")
    epochs_done = len(finished)
    all_ops = sorted({op for c in cells for e in ops_per_cell[c] for op in e},
                     key=lambda op: (nb201.OPS + darts_space.GENOTYPE_OPS).index(op))
    info = {
        "config": {"space": space, "ops": all_ops, "dataset": args.get("dataset"), "seed": args.get("seed"),
                   "method": args.get("method"), "epochs": args.get("epochs"), "a_lr": a_lr,
                   "w_lr": args.get("learning_rate"), "batch_size": args.get("batch_size")},
        "seed": args.get("seed"), "status": "imported", "epochs_done": epochs_done, "stop": None,
        "import": {
            "format": "darts-pt", "source": str(path.resolve()), "bytes": path.stat().st_size, "sha256": _sha256(path),
            "files": files,
            "epoch_convention": "alphas/genotype printed at the start of DARTS-PT epoch E -> our epoch E; metrics and "
                                "post-epoch genotype of DARTS-PT epoch E -> our epoch E+1",
            "alpha_note": "only softmax weights are logged (4 decimals): weight = printed value, alpha = log(weight) "
                          f"(softmax-equivalent), weights below {PRINT_FLOOR} clipped to it before the log",
            "alpha_epochs": [int(blocks[0]["epoch"]), int(blocks[-1]["epoch"])],
            "genotype_epochs": [int(genos[0]["epoch"]), int(genos[-1]["epoch"])],
            "clipped_weights": clipped,
            "epochs_with_tied_rounded_maxima": tie_epochs if is_nb201 else None,
            "args": {k: v for k, v in args.items() if isinstance(v, (int, float, str, bool, type(None)))},
        },
    }
    runlog.write_json(info, out / runlog.RUN_INFO)
    return info


# --- robustdarts -----------------------------------------------------------------------------------
RE_RD_EPOCH = re.compile(_TS + r"epoch (\d+) lr (\S+)(?: drop_prob (\S+) cutout_prob (\S+))?\s*$")
RE_RD_TRAIN = re.compile(_TS + r"train_acc (\S+)\s*$")
RE_RD_VALID = re.compile(_TS + r"valid_acc (\S+)\s*$")
RE_RD_GENO = re.compile(_TS + r"genotype = (Genotype\(.*\))\s*$")
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
            cur = {"k": k, "line": lineno, "t0": _ts(m.group(1)), "lr": _float(m.group(3), path, lineno, "lr")}
            epochs.append(cur)
        elif cur is None:
            continue
        elif m := RE_RD_TRAIN.match(line):
            cur["train_acc"] = _float(m.group(2), path, lineno, "train_acc")
        elif m := RE_RD_VALID.match(line):
            cur["valid_acc"], cur["t1"] = _float(m.group(2), path, lineno, "valid_acc"), _ts(m.group(1))
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
            "format": "robustdarts", "source": str(log.resolve()), "bytes": log.stat().st_size, "sha256": _sha256(log),
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


def import_log(fmt: str, source: str | os.PathLike, run_dir: str | os.PathLike, **kw) -> dict:
    if fmt == "darts-pt":
        if kw.get("task") is not None or kw.get("eigenvalues") is not None:
            raise DartsCoreError("--task and --eigenvalues are robustdarts options")
        return import_dartspt(source, run_dir)
    if fmt == "robustdarts":
        return import_robustdarts(source, run_dir, task=kw.get("task"), eigenvalues=kw.get("eigenvalues"))
    raise DartsCoreError(f"unknown log format {fmt!r}; choose from {', '.join(FORMATS)}")
