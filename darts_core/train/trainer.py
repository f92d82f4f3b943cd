"""Generic supervised trainer with per-epoch atomic checkpoints and exact resume.

`fit(model, train_loader, test_loader, cfg, out_dir, device)` trains `cfg.epochs` epochs with SGD (momentum,
weight decay), the protocol's per-epoch learning rate, gradient clipping, an auxiliary-loss weight, scheduled
drop path (`model.drop_path_prob`, if the model has it), label smoothing and Cutout, as quark0 cnn/train.py and
train_imagenet.py. The model returns logits or (logits, aux_logits or None). After every epoch it writes
`checkpoint.pt` (model, optimizer, RNG, next epoch, metric history) and `metrics.csv`; at the end
`results.json`. Called again on the same `out_dir`, it continues from the last finished epoch; on the CPU the
resumed run is bit-identical to an uninterrupted one (the lr is a function of the epoch, so there is no
scheduler state; a loader with `state_dict`/`load_state_dict` is checkpointed too).

Several processes (DistributedDataParallel, `torchrun`; darts_core.train.distributed says what they
compute), mixed precision (`cfg.amp`) and a time limit per call (stop after a checkpoint, resume on the
next call) are options; the defaults are the one-process float32 run above.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from darts_core.checkpoint import load_checkpoint, require_keys, rng_state, save_checkpoint, set_rng_state
from darts_core.errors import DartsCoreError
from darts_core.layout import CHECKPOINT, RETRAIN_METRICS as METRICS, RETRAIN_RESULTS as RESULTS
from darts_core.nn.darts_ops import batch_window
from darts_core.runlog import finite_or_error, write_json, write_table
from darts_core.train.augment import cutout
from darts_core.train.distributed import SINGLE, Dist, Shard, bounds
from darts_core.train.protocols import TrainConfig

METRIC_COLUMNS = ("epoch", "lr", "drop_path_prob", "train_loss", "train_top1", "test_loss", "test_top1", "test_top5", "seconds")


def _split(out):
    return out if isinstance(out, tuple) else (out, None)


def topk_correct(logits: torch.Tensor, target: torch.Tensor, ks=(1, 5)) -> list[int]:
    kmax = min(max(ks), logits.size(1))
    hit = logits.topk(kmax, dim=1).indices.eq(target.view(-1, 1))
    return [int(hit[:, : min(k, kmax)].any(dim=1).sum()) for k in ks]


class TimeLimitReached(DartsCoreError):
    """The job stopped after a checkpoint because the next epoch would not end within its time limit;
    run it again (Snakemake's retries) and it resumes there."""


def _autocast(cfg: TrainConfig, device: torch.device):
    if cfg.amp == "off":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if cfg.amp == "bf16" else torch.float16)


def _rng_fork(device: torch.device):
    """The RNG states every BatchNorm group of a step starts from (CPU, and the device's)."""
    cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    return torch.get_rng_state(), cuda


def _rng_join(state, device: torch.device) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1], device)


def train_epoch(model, loader, optimizer, criterion, cfg: TrainConfig, epoch: int, device, dist: Dist = SINGLE,
                engine=None, groups: int = 1, scaler=None) -> dict:
    """One epoch over `loader` (a distributed.Shard). `engine`: what runs the forward (the DDP wrapper of
    `model`, or `model`); `groups`: BatchNorm groups per process, each forwarded and backpropagated on its
    own from the same RNG state (darts_core.train.distributed), BN running statistics kept from the first."""
    engine = model if engine is None else engine
    model.train()
    loader.set_epoch(epoch)  # darts_core.data loaders: batches are a function of (seed, epoch, batch)
    lr = cfg.lr_at(epoch)
    for group in optimizer.param_groups:
        group["lr"] = lr
    if hasattr(model, "drop_path_prob"):
        model.drop_path_prob = cfg.drop_prob_at(epoch)
    loss_sum, correct, n = 0.0, 0, 0
    for x, y, first, total in loader:
        x = cutout(x, cfg.cutout_length, first, total).to(device, non_blocking=True)
        y = y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        parts = bounds(total, dist.world * groups)[dist.rank * groups:(dist.rank + 1) * groups]
        fork = _rng_fork(device) if groups > 1 else None
        for j, (a, b) in enumerate(parts):
            if j:
                _rng_join(fork, device)
            xs, ys = x[a - first:b - first], y[a - first:b - first]
            sync = engine.no_sync() if j < len(parts) - 1 and hasattr(engine, "no_sync") else contextlib.nullcontext()
            with sync:
                with batch_window(a, b, total), _autocast(cfg, device):
                    logits, aux = _split(engine(xs))
                    loss = criterion(logits, ys)
                    if cfg.auxiliary and aux is not None:
                        loss = loss + cfg.auxiliary_weight * criterion(aux, ys)
                # weighted by the group's share of the global batch; x world: DDP averages over processes
                scaled = loss * ((b - a) * dist.world / total)
                (scaler.scale(scaled) if scaler is not None else scaled).backward()
            if j == 0 and len(parts) > 1:
                kept = [buf.detach().clone() for buf in model.buffers()]
            loss_sum += float(loss.detach()) * (b - a)
            correct += topk_correct(logits.detach().float(), ys, (1,))[0]
            n += b - a
        if len(parts) > 1:  # the running statistics of the first group only (DataParallel: device 0's replica)
            with torch.no_grad():
                for buf, value in zip(model.buffers(), kept):
                    buf.copy_(value)
        if scaler is not None:
            scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
    loss_sum, correct, n = dist.sums([loss_sum, correct, n])
    if n == 0:
        raise DartsCoreError("the training loader yielded no batches")
    return {"lr": lr, "drop_path_prob": getattr(model, "drop_path_prob", 0.0),
            "train_loss": finite_or_error(loss_sum / n, f"epoch {epoch} train loss"), "train_top1": 100.0 * correct / n}


@torch.no_grad()
def evaluate(model, loader, device, dist: Dist = SINGLE, cfg: TrainConfig | None = None) -> dict:
    """Plain cross-entropy (no smoothing, no auxiliary), top-1 / top-5 accuracy in percent; each process
    evaluates its rows of every batch with rank 0's BN statistics, the sums are added up."""
    dist.broadcast_buffers(model)
    model.eval()
    loss_sum, c1, c5, n = 0.0, 0, 0, 0
    for x, y, _, _ in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with _autocast(cfg, device) if cfg is not None else contextlib.nullcontext():
            logits, _ = _split(model(x))
        logits = logits.float()
        loss_sum += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
        k1, k5 = topk_correct(logits, y, (1, 5))
        c1, c5, n = c1 + k1, c5 + k5, n + y.size(0)
    loss_sum, c1, c5, n = dist.sums([loss_sum, c1, c5, n])
    if n == 0:
        raise DartsCoreError("the test loader yielded no batches")
    return {"test_loss": loss_sum / n, "test_top1": 100.0 * c1 / n, "test_top5": 100.0 * c5 / n}


def _restore(path: Path, identity: dict, model, optimizer, train_loader, scaler, device) -> tuple[int, list[dict]]:
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
    if scaler is not None and state.get("scaler") is not None:
        scaler.load_state_dict(state["scaler"])
    set_rng_state(state["rng"])
    if state.get("rng_device") is not None and device.type == "cuda":
        # every rank drew what rank 0 drew, so rank 0's device generator is every rank's (rng_state()
        # holds each device's generator as process 0 saw it)
        torch.cuda.set_rng_state(state["rng_device"], device)
    return int(state["epoch"]), list(state["history"])


def bn_groups_per_process(cfg: TrainConfig, dist: Dist) -> int:
    """BatchNorm groups each process splits its share of a batch into (TrainConfig.bn_groups)."""
    if cfg.bn_groups == 0:
        return 1
    if cfg.bn_groups % dist.world:
        raise DartsCoreError(f"protocol {cfg.name}: bn_groups {cfg.bn_groups} is not a multiple of the job's "
                             f"{dist.world} processes (GPUs)")
    return cfg.bn_groups // dist.world


def fit(model: nn.Module, train_loader, test_loader, cfg: TrainConfig, out_dir, device="cpu",
        identity: dict | None = None, info: dict | None = None,
        on_epoch_end: Callable[[int, dict], None] | None = None, log: Callable[[str], None] | None = None,
        dist: Dist = SINGLE, time_limit_s: float | None = None) -> dict:
    """Train to `cfg.epochs` (resuming from `out_dir/checkpoint.pt` if present); write and return results.

    `identity`: JSON-able facts that must match to resume (e.g. genotype, dataset, seed); the config (its
    BatchNorm groups as resolved for the job) is always part of it. `info`: extra entries for results.json.
    `on_epoch_end(epoch, row)` runs after the epoch's checkpoint is written (raising there simulates a
    preemption). `log(line)`: progress, one line per epoch and one on resuming (the workflow's job log).
    `dist`: this process's place in a multi-process job (darts_core.train.distributed; rank 0 writes).
    `time_limit_s`: seconds this call may run; it stops after the checkpoint of the last epoch that
    leaves room for one more (1.5 x the slowest epoch) and raises TimeLimitReached."""
    t_start = time.time()
    out = Path(out_dir)
    groups = bn_groups_per_process(cfg, dist)
    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
    # bn_groups as the count it resolves to: an 8-GPU run resumes on 4 GPUs with bn_groups 8, not with 0
    identity = {"config": {**cfg.to_dict(), "bn_groups": dist.world * groups}, **(identity or {})}
    device = torch.device(device)
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                                nesterov=cfg.nesterov)
    scaler = torch.amp.GradScaler(device.type) if cfg.amp == "fp16" else None
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)  # = quark0 CrossEntropyLabelSmooth
    train_shard, test_shard = Shard(train_loader, dist, groups), Shard(test_loader, dist)
    log = log if dist.main else None
    start, history = 0, []
    if (out / CHECKPOINT).exists():  # every rank reads the same file before any rank can write it again
        start, history = _restore(out / CHECKPOINT, identity, model, optimizer, train_loader, scaler, device)
        if log:
            log(f"resuming {out} after epoch {start} of {cfg.epochs}")
    engine = model
    if dist.active:
        from torch.nn.parallel import DistributedDataParallel

        # DDP's default gives every rank rank 0's buffers at each forward; only rank 0's BN statistics count
        # anyway (evaluate broadcasts them), as DataParallel keeps its device-0 replica's
        engine = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    info = {**(info or {}), "resumed_after_epoch": start if start else None, "processes": dist.world,
            "bn_groups": dist.world * groups, "amp": cfg.amp}
    slowest = max((r["seconds"] for r in history), default=0.0)
    for epoch in range(start, cfg.epochs):
        t0 = time.time()
        row = {"epoch": epoch, **train_epoch(model, train_shard, optimizer, criterion, cfg, epoch, device, dist,
                                             engine, groups, scaler),
               **evaluate(model, test_shard, device, dist, cfg)}
        row["seconds"] = time.time() - t0
        history.append(row)
        if dist.main:
            save_checkpoint({"epoch": epoch + 1, "identity": identity, "model": model.state_dict(),
                             "optimizer": optimizer.state_dict(), "rng": rng_state(), "history": history,
                             "scaler": scaler.state_dict() if scaler is not None else None,
                             "rng_device": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                             "loader": train_loader.state_dict() if hasattr(train_loader, "state_dict") else None},
                            out / CHECKPOINT)
            write_table(pd.DataFrame(history, columns=list(METRIC_COLUMNS)), out / METRICS)
        dist.barrier()  # the checkpoint is on disk before any rank goes on (or is killed)
        if log:
            log(f"epoch {epoch + 1}/{cfg.epochs} lr {row['lr']:.5f} train {row['train_loss']:.3f}/"
                f"{row['train_top1']:.2f}% test {row['test_loss']:.3f}/{row['test_top1']:.2f}% "
                f"{row['seconds']:.1f}s")
        if on_epoch_end is not None:
            on_epoch_end(epoch, row)
        slowest = max(slowest, row["seconds"])
        late = time_limit_s is not None and time.time() - t_start + 1.5 * slowest > time_limit_s
        if epoch + 1 < cfg.epochs and dist.any(late):
            raise TimeLimitReached(f"stopped after epoch {epoch + 1} of {cfg.epochs}: another epoch (~{slowest:.0f} s) "
                                   f"would pass this job's time limit ({time_limit_s / 60:.0f} min); run it again to "
                                   f"resume from {out / CHECKPOINT}")
    # again here: a finished checkpoint resumed after its outputs were removed (Snakemake deletes a job's
    # outputs before rerunning it) still gives metrics.csv
    if not dist.main:
        return {}
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
