"""Generic supervised trainer with per-epoch atomic checkpoints and exact resume.

`fit(model, train_loader, test_loader, cfg, out_dir, device)` trains `cfg.epochs` epochs with SGD (momentum,
weight decay), the protocol's per-epoch learning rate, gradient clipping, an auxiliary-loss weight, scheduled
drop path (`model.drop_path_prob`, if the model has it), label smoothing and Cutout, as quark0 cnn/train.py and
train_imagenet.py. The model returns logits or (logits, aux_logits or None). After every epoch it writes
`checkpoint.pt` (model, optimizer, RNG, next epoch, metric history) and `metrics.csv`; at the end
`results.json`. Called again on the same `out_dir`, it continues from the last finished epoch; on the CPU the
resumed run is bit-identical to an uninterrupted one (the lr is a function of the epoch, so there is no
scheduler state; a loader with `state_dict`/`load_state_dict` is checkpointed too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from darts_core.checkpoint import load_checkpoint, require_keys, rng_state, save_checkpoint, set_rng_state
from darts_core.errors import DartsCoreError
from darts_core.layout import CHECKPOINT, RETRAIN_METRICS as METRICS, RETRAIN_RESULTS as RESULTS
from darts_core.runlog import finite_or_error, write_json, write_table
from darts_core.train.augment import cutout
from darts_core.train.protocols import TrainConfig

METRIC_COLUMNS = ("epoch", "lr", "drop_path_prob", "train_loss", "train_top1", "test_loss", "test_top1", "test_top5", "seconds")


def _split(out):
    return out if isinstance(out, tuple) else (out, None)


def topk_correct(logits: torch.Tensor, target: torch.Tensor, ks=(1, 5)) -> list[int]:
    kmax = min(max(ks), logits.size(1))
    hit = logits.topk(kmax, dim=1).indices.eq(target.view(-1, 1))
    return [int(hit[:, : min(k, kmax)].any(dim=1).sum()) for k in ks]


def train_epoch(model, loader, optimizer, criterion, cfg: TrainConfig, epoch: int, device) -> dict:
    model.train()
    if hasattr(loader, "set_epoch"):  # darts_core.data loaders: batches are a function of (seed, epoch, batch)
        loader.set_epoch(epoch)
    lr = cfg.lr_at(epoch)
    for group in optimizer.param_groups:
        group["lr"] = lr
    if hasattr(model, "drop_path_prob"):
        model.drop_path_prob = cfg.drop_prob_at(epoch)
    loss_sum, correct, n = 0.0, 0, 0
    for x, y in loader:
        x = cutout(x, cfg.cutout_length).to(device, non_blocking=True)
        y = y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        logits, aux = _split(model(x))
        loss = criterion(logits, y)
        if cfg.auxiliary and aux is not None:
            loss = loss + cfg.auxiliary_weight * criterion(aux, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        loss_sum += float(loss.detach()) * y.size(0)
        correct += topk_correct(logits.detach(), y, (1,))[0]
        n += y.size(0)
    if n == 0:
        raise DartsCoreError("the training loader yielded no batches")
    return {"lr": lr, "drop_path_prob": getattr(model, "drop_path_prob", 0.0),
            "train_loss": finite_or_error(loss_sum / n, f"epoch {epoch} train loss"), "train_top1": 100.0 * correct / n}


@torch.no_grad()
def evaluate(model, loader, device) -> dict:
    """Plain cross-entropy (no smoothing, no auxiliary), top-1 / top-5 accuracy in percent."""
    model.eval()
    loss_sum, c1, c5, n = 0.0, 0, 0, 0
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        logits, _ = _split(model(x))
        loss_sum += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
        k1, k5 = topk_correct(logits, y, (1, 5))
        c1, c5, n = c1 + k1, c5 + k5, n + y.size(0)
    if n == 0:
        raise DartsCoreError("the test loader yielded no batches")
    return {"test_loss": loss_sum / n, "test_top1": 100.0 * c1 / n, "test_top5": 100.0 * c5 / n}


def _restore(path: Path, identity: dict, model, optimizer, train_loader) -> tuple[int, list[dict]]:
    state = require_keys(load_checkpoint(path), ("identity", "model", "optimizer", "rng", "epoch", "history"), path,
                         "training checkpoint")
    if state.get("identity") != identity:
        diff = sorted(k for k in identity if state.get("identity", {}).get(k) != identity[k])
        raise DartsCoreError(f"checkpoint {path} belongs to a different run (differs in {', '.join(diff) or 'format'}); "
                             "use another output folder or delete it")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if state.get("loader") is not None:
        train_loader.load_state_dict(state["loader"])
    set_rng_state(state["rng"])
    return int(state["epoch"]), list(state["history"])


def fit(model: nn.Module, train_loader, test_loader, cfg: TrainConfig, out_dir, device="cpu",
        identity: dict | None = None, info: dict | None = None,
        on_epoch_end: Callable[[int, dict], None] | None = None, log: Callable[[str], None] | None = None) -> dict:
    """Train to `cfg.epochs` (resuming from `out_dir/checkpoint.pt` if present); write and return results.

    `identity`: JSON-able facts that must match to resume (e.g. genotype, dataset, seed); the config is
    always part of it. `info`: extra entries for results.json. `on_epoch_end(epoch, row)` runs after the
    epoch's checkpoint is written (raising there simulates a preemption). `log(line)`: progress, one line
    per epoch and one on resuming (the workflow's job log)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    identity = {"config": cfg.to_dict(), **(identity or {})}
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                                nesterov=cfg.nesterov)
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)  # = quark0 CrossEntropyLabelSmooth
    start, history = 0, []
    if (out / CHECKPOINT).exists():
        start, history = _restore(out / CHECKPOINT, identity, model, optimizer, train_loader)
        if log:
            log(f"resuming {out} after epoch {start} of {cfg.epochs}")
    info = {**(info or {}), "resumed_after_epoch": start if start else None}
    for epoch in range(start, cfg.epochs):
        t0 = time.time()
        row = {"epoch": epoch, **train_epoch(model, train_loader, optimizer, criterion, cfg, epoch, device),
               **evaluate(model, test_loader, device)}
        row["seconds"] = time.time() - t0
        history.append(row)
        save_checkpoint({"epoch": epoch + 1, "identity": identity, "model": model.state_dict(),
                         "optimizer": optimizer.state_dict(), "rng": rng_state(), "history": history,
                         "loader": train_loader.state_dict() if hasattr(train_loader, "state_dict") else None},
                        out / CHECKPOINT)
        write_table(pd.DataFrame(history, columns=list(METRIC_COLUMNS)), out / METRICS)
        if log:
            log(f"epoch {epoch + 1}/{cfg.epochs} lr {row['lr']:.5f} train {row['train_loss']:.3f}/"
                f"{row['train_top1']:.2f}% test {row['test_loss']:.3f}/{row['test_top1']:.2f}% "
                f"{row['seconds']:.1f}s")
        if on_epoch_end is not None:
            on_epoch_end(epoch, row)
    # again here: a finished checkpoint resumed after its outputs were removed (Snakemake deletes a job's
    # outputs before rerunning it) still gives metrics.csv
    write_table(pd.DataFrame(history, columns=list(METRIC_COLUMNS)), out / METRICS)
    return write_results(out, history, model, info)


def count_parameters_m(model: nn.Module) -> float:
    """Parameters in millions, auxiliary head excluded (quark0 cnn/utils.py count_parameters_in_MB)."""
    return sum(p.numel() for name, p in model.named_parameters() if "auxiliary" not in name) / 1e6


def write_results(out_dir: Path, history: list[dict], model: nn.Module, info: dict) -> dict:
    """results.json: params (M), final-epoch test top-1/top-5 and their errors (Tables 4/5 report the
    final epoch, as quark0's README), best top-1 over epochs, total training seconds."""
    if not history:
        raise DartsCoreError(f"{out_dir}: nothing trained (epochs = 0)")
    final = history[-1]
    res = {**info, "params_m": count_parameters_m(model), "epochs": int(final["epoch"]) + 1,
           "test_top1": final["test_top1"], "test_top5": final["test_top5"], "test_loss": final["test_loss"],
           "test_error": 100.0 - final["test_top1"], "top5_error": 100.0 - final["test_top5"],
           "best_test_top1": max(r["test_top1"] for r in history), "train_seconds": sum(r["seconds"] for r in history)}
    write_json(res, out_dir / RESULTS)
    return res
