"""`run_search`: one search from config to run products, generic over space and method.

Per epoch (DARTS-V1.py `main`): set the epoch's weight lr per step, search steps over the paired
train/valid batches, optional Hessian eigenvalue (DARTS-ES), supernet validation in eval mode
(`valid_func`), alpha log / genotype / metrics, stop callbacks, checkpoint, products. The checkpoint is
written before the products, and holds the record, so a kill at any point resumes consistently.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from darts_core.checkpoint import load_checkpoint, save_checkpoint
from darts_core.data.loaders import search_loaders
from darts_core.errors import DartsCoreError
from darts_core.methods import get_method, method_class
from darts_core.layout import RUN_LOCK
from darts_core.runlog import RUN_INFO, folder_lock, write_json
from darts_core.search import regularisation
from darts_core.search.progress import Progress
from darts_core.search.record import RunRecord, run_info
from darts_core.search.schedule import alphas_frozen, set_lr, weight_lr
from darts_core.search.state import CHECKPOINT, checkpoint_state, restore
from darts_core.spaces import get_space


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DartsCoreError(f"device {name!r} requested but CUDA is not available")
    return torch.device(name)


def seed_everything(seed: int, device: torch.device) -> None:
    """xautodl `prepare_seed`, plus the cuDNN flags DARTS-V1.py sets."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = False, True


def evaluate(model, loader, criterion, device) -> tuple[float, float]:
    """Loss and top-1 accuracy (percent) of the supernet in eval mode (valid_func)."""
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += float(criterion(logits, y)) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            n += len(y)
    model.train()
    return loss_sum / max(n, 1), 100.0 * correct / max(n, 1)


def _hessian(cfg, model, criterion, batch, epoch: int) -> dict:
    """DARTS-ES: dominant eigenvalue of the validation-loss Hessian w.r.t. the alphas on the last valid
    batch of the epoch, model in train mode. BN buffers, alpha grads and RNG are restored afterwards,
    so a run's trajectory does not depend on hessian_every."""
    from darts_core.search.hessian import dominant_eigenvalue

    x, y = batch
    buffers = [b.clone() for b in model.buffers()]
    grads = [None if a.grad is None else a.grad.clone() for a in model.arch_parameters()]

    def loss_fn():
        model.train()
        return criterion(model(x), y)

    with torch.random.fork_rng(devices=[]):
        value = float(dominant_eigenvalue(loss_fn, list(model.arch_parameters()), cfg.a_wd, cfg.hessian_method))
    with torch.no_grad():
        for b, saved in zip(model.buffers(), buffers):
            b.copy_(saved)
    for a, g in zip(model.arch_parameters(), grads):
        a.grad = g
    return {"epoch": epoch, "eigenvalue": value, "method": cfg.hessian_method}


def _train_epoch(cfg, epoch, method, search, w_opt, device, progress, frozen):
    """One epoch of search steps; returns (train loss, train accuracy %, last (x_valid, y_valid))."""
    method.model.train()
    search.set_epoch(epoch)
    loss_sum, correct, n, steps = 0.0, 0, 0, len(search)
    for step, (xt, yt, xv, yv) in enumerate(progress.steps(search, epoch + 1, steps)):
        set_lr(w_opt, weight_lr(cfg, epoch, step / steps))  # scheduler.update(None, step / len(loader))
        xt, yt, xv, yv = xt.to(device), yt.to(device), xv.to(device), yv.to(device)
        loss, logits = method.step(xt, yt, xv, yv, update_alphas=not frozen)
        loss_sum += float(loss) * len(yt)
        correct += int((logits.argmax(1) == yt).sum())
        n += len(yt)
    return loss_sum / n, 100.0 * correct / n, (xv, yv)


def _callbacks(cfg, on_epoch_end):
    """[(callable, wants_hessian)]: the caller's on_epoch_end(epoch, alphas) and the configured online stop
    (darts_core.stops.online, called as fn(epoch, alphas, hessian=DataFrame))."""
    calls = [(on_epoch_end, False)] if on_epoch_end is not None else []
    if cfg.online_stop:
        from darts_core.stops.online import make_online_stop

        calls.append((make_online_stop(cfg.online_stop, cfg.online_patience, tuple(cfg.ops), total_epochs=cfg.epochs), True))
    return calls


def _stop_reason(calls, epoch: int, record: RunRecord) -> dict | None:
    alphas = record.alphas_df()
    for call, wants_hessian in calls:
        reason = call(epoch, alphas, hessian=record.hessian_df()) if wants_hessian else call(epoch, alphas)
        if reason:
            return {"epoch": epoch, "reason": str(reason), "criterion": getattr(reason, "criterion", None),
                    "stop_epoch": getattr(reason, "stop_epoch", epoch)}
    return None


def run_search(cfg, out_dir, on_epoch_end=None) -> Path:
    """Run (or resume) one search; returns the run directory. `on_epoch_end(epoch, alphas_df_so_far)`
    may return a stop reason, which ends the run after that epoch and is recorded in run.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out, RUN_LOCK):  # one writer per run folder, for the search's lifetime
        return _run_search(cfg, out, on_epoch_end)


def _run_search(cfg, out: Path, on_epoch_end) -> Path:
    device = resolve_device(cfg.device)
    calls = _callbacks(cfg, on_epoch_end)  # a bad stop spec fails before any work
    seed_everything(cfg.seed, device)
    search, valid, num_classes, shape = search_loaders(cfg.dataset, cfg.data_dir, cfg.batch_size, cfg.workers,
                                                       cfg.seed, cfg.download, split=cfg.search_split)
    method_cls = method_class(cfg.method, cfg)
    # what a method asks of the supernet beyond the config (DrNAS progressive: partial channels)
    options = method_cls.supernet_options(cfg) if hasattr(method_cls, "supernet_options") else {}
    model = get_space(cfg.space).build_supernet(cfg, num_classes, shape, mixer=method_cls.make_mixer(cfg),
                                                **options).to(device)
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=cfg.w_lr, momentum=cfg.w_momentum,
                            weight_decay=cfg.w_wd, nesterov=cfg.w_nesterov)
    a_opt = method_cls.make_alpha_optimizer(model.arch_parameters(), cfg)
    criterion = nn.CrossEntropyLoss()
    method = method_cls(model, criterion, w_opt, a_opt, cfg.grad_clip)
    if hasattr(method, "configure"):  # method settings beyond the protocol (e.g. GDAS's temperatures)
        method.configure(cfg)
    record, progress, ckpt = RunRecord(), Progress(cfg.epochs), out / CHECKPOINT
    start, resumed = 0, None
    if ckpt.exists():
        start = resumed = restore(load_checkpoint(ckpt), cfg, model, w_opt, a_opt, record, ckpt, method)
        progress.log(f"resuming {out} after epoch {start}")
    else:
        record.add(0, model.alpha_log(0), model.genotype())
    extra = {"resumed_after_epoch": resumed}
    write_json(run_info(cfg, device, record, "running", **extra), out / RUN_INFO)
    saved = start if resumed is not None else None
    for epoch in range(start, cfg.epochs if record.stop is None else start):
        tic = time.time()
        frozen = alphas_frozen(cfg, epoch)  # the warm-up (or the method's rule: DrNAS progressive's stages)
        regularisation.begin_epoch(cfg, model, search, epoch)  # R-DARTS drop path / cutout schedules
        if hasattr(method, "begin_epoch"):  # per-epoch method state, e.g. GDAS's temperature, DrNAS's stages
            method.begin_epoch(epoch)
        try:
            train_loss, train_acc, last_valid = _train_epoch(cfg, epoch, method, search, w_opt, device, progress, frozen)
        except DartsCoreError as err:  # NaN loss: stop at once; the last good checkpoint stays as it is
            write_json(run_info(cfg, device, record, "diverged", error=str(err), **extra), out / RUN_INFO)
            kept = f"{ckpt} keeps epoch {saved}" if saved is not None else "no checkpoint was written"
            raise DartsCoreError(f"{err} in epoch {epoch + 1}; {kept}") from None
        # RobustDARTS train_search.py: after 0-based epochs k % report_freq_hessian == 0 and the last one.
        if cfg.hessian_every and (epoch % cfg.hessian_every == 0 or epoch + 1 == cfg.epochs):
            record.hessian.append(_hessian(cfg, model, criterion, last_valid, epoch + 1))
        valid.set_epoch(epoch)
        v_loss, v_acc = evaluate(model, valid, criterion, device)
        if hasattr(method, "end_epoch"):  # e.g. RSPS picks its architecture on validation batches
            method.end_epoch(epoch, valid, device)
        metrics = {"train_loss": train_loss, "train_acc": train_acc, "valid_loss": v_loss, "valid_acc": v_acc,
                   "weight_lr": weight_lr(cfg, epoch, 0.0), "alpha_lr": 0.0 if frozen or not get_method(cfg.method).arch_parameters else cfg.a_lr,
                   "seconds": time.time() - tic}
        # a method that picks its architecture otherwise than argmax (SETN, ENAS: the best of sampled
        # candidates on validation batches) says which: `genotype()`
        arch = method.genotype() if hasattr(method, "genotype") else model.genotype()
        record.add(epoch + 1, model.alpha_log(epoch + 1), arch, metrics)
        record.stop = _stop_reason(calls, epoch + 1, record)
        save_checkpoint(checkpoint_state(epoch + 1, cfg, model, w_opt, a_opt, record, method), ckpt)
        saved = epoch + 1
        record.write(out)
        write_json(run_info(cfg, device, record, "running", **extra), out / RUN_INFO)
        progress.log(f"epoch {epoch + 1}/{cfg.epochs} train {train_loss:.3f}/{train_acc:.1f}% valid {v_loss:.3f}/"
                     f"{v_acc:.1f}% lr {metrics['weight_lr']:.5f} {metrics['seconds']:.1f}s {record.genotypes[-1]['arch']}")
        if record.stop:
            progress.log(f"stopped after epoch {epoch + 1}: {record.stop['reason']}")
            break
    record.write(out)
    write_json(run_info(cfg, device, record, "stopped" if record.stop else "finished", **extra), out / RUN_INFO)
    return out
