"""A DARTS-PT search log -> our run products (`python -m darts_core import-log darts-pt SOURCE RUN_DIR`).

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
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.importers.common import TS, empty_target, namespace, number, sha256, ts
from darts_core.spaces import darts as darts_space
from darts_core.spaces import nb201

# DARTS-PT sota/cnn/spaces.py PRIMITIVES (DARTS space without `none`) used by its s5.
DARTSPT_S5_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
PRINT_FLOOR = 5e-5  # half the resolution of torch's 4-decimal print
ROW_SUM_TOL = 1e-3

RE_ARGS = re.compile(TS + r"args = Namespace\((.*)\)\s*$")
RE_EPOCH = re.compile(TS + r"epoch (\d+) lr (\S+)(?:\s.*)?$")
RE_GENO = re.compile(TS + r"genotype = (.*?)\s*$")
RE_TENSOR = re.compile(TS + r"tensor\(\[\[")
RE_TRAIN = re.compile(TS + r"train_acc\s+(\S+)(?:\s*\|\s*train_obj\s+(\S+))?\s*$")
RE_TRAIN_LOSS = re.compile(TS + r"train_loss\s+(\S+)\s*$")
RE_VALID = re.compile(TS + r"valid_acc\s+(\S+)(?:\s*\|\s*valid_obj\s+(\S+))?\s*$")
RE_VALID_LOSS = re.compile(TS + r"valid_loss\s+(\S+)\s*$")
RE_POST = re.compile(TS + r"(\|\S+\|)\s*$")
RE_INDEX = re.compile(r"arch-index=(\d+)")
RE_C10V = re.compile(r"^cifar10-valid\s+train : .*valid : \[loss = \S+, top1 = ([\d.]+)%\]")
RE_NB = {
    "cifar10": re.compile(TS + r"cifar10 train (\S+) test (\S+)\s*$"),
    "cifar100": re.compile(TS + r"cifar100 train (\S+) valid (\S+) test (\S+)\s*$"),
    "imagenet16": re.compile(TS + r"imagenet16 train (\S+) valid (\S+) test (\S+)\s*$"),
}



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
            args = namespace(m.group(2))
        elif (m := RE_EPOCH.match(line)) and " epsilon_alpha " not in line:
            epoch = int(m.group(2))
            expected = 0 if not blocks else blocks[-1]["epoch"] + 1
            if epoch != expected:
                what = "starts at" if not blocks else "jumps to"
                raise DartsCoreError(f"{path}, line {lineno}: log {what} epoch {epoch}, expected {expected} "
                                     "(resumed or concatenated logs are not supported)")
            cur = {"epoch": epoch, "line": lineno, "t0": ts(m.group(1)), "lr": number(m.group(3), path, lineno, "lr"),
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
            cur["train_acc"] = number(m.group(2), path, lineno, "train_acc")
            if m.group(3):
                cur["train_loss"] = number(m.group(3), path, lineno, "train_obj")
        elif m := RE_TRAIN_LOSS.match(line):
            cur["train_loss"] = number(m.group(2), path, lineno, "train_loss")
        elif m := RE_VALID.match(line):
            cur["valid_acc"] = number(m.group(2), path, lineno, "valid_acc")
            cur["t1"] = ts(m.group(1))
            if m.group(3):
                cur["valid_loss"] = number(m.group(3), path, lineno, "valid_obj")
        elif m := RE_VALID_LOSS.match(line):
            cur["valid_loss"] = number(m.group(2), path, lineno, "valid_loss")
            cur["t1"] = ts(m.group(1))
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
    empty_target(run_dir)
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
            "format": "darts-pt", "source": str(path.resolve()), "bytes": path.stat().st_size, "sha256": sha256(path),
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
