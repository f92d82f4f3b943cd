"""`run_packed_search`: K seeds of one search setting in one process, one packed supernet
(darts_core.nn.nb201_packed, steps in darts_core.search.packed), writing K run folders exactly as K
`run_search` calls would.

Each seed keeps what a separate run has: its own NB201Supernet, optimisers and record (a "shadow"), built
as run_search builds them (seed_everything(seed), then the supernet: same initial weights), its own
batches (the loaders of its seed: data order and augmentation come from generators keyed by (seed,
epoch, batch)), and the global RNG state its own run would hold (nothing in a DARTS-V1/V2 epoch draws from
it, so it stays the state after the supernet was built). The packed model trains; after every epoch each
seed's part is copied back into its shadow, which writes that seed's checkpoint.pt (the single-run format:
a packed job resumes a single run's checkpoint and vice versa), products and run.json (with
`packed_seeds`). `seconds` in metrics.csv is the wall time of the packed epoch (all K seeds).

Run folders left after different epochs (some seeds searched one per job before) are finished one after
another by run_search, as one-seed jobs would. A diverged seed (NaN loss) ends the job, as in run_search: its run.json says diverged, the others keep
their last checkpoint and resume with seeds_per_job 1.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import time
from pathlib import Path

import torch
from torch import nn

from darts_core.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from darts_core.data.loaders import search_loaders
from darts_core.errors import DartsCoreError
from darts_core.layout import RUN_LOCK
from darts_core.methods import get_method, method_class
from darts_core.nn.nb201_packed import pack_state, unpack_state
from darts_core.runlog import RUN_INFO, folder_lock, write_json
from darts_core.search.loop import resolve_device, run_search, seed_everything
from darts_core.search.packed import SeedDiverged
from darts_core.search.packing import check_pack
from darts_core.search.progress import Progress
from darts_core.search.record import RunRecord, run_info
from darts_core.search.schedule import alphas_frozen, set_lr, weight_lr
from darts_core.search.state import CHECKPOINT, checkpoint_state, restore
from darts_core.spaces import get_space


class _Seed:
    """One seed's separate-run state: config, folder, loaders, shadow model and optimisers, record, RNG."""

    def __init__(self, cfg, out, search, valid, model, w_opt, a_opt, record, rng, resumed):
        self.cfg, self.out, self.search, self.valid = cfg, out, search, valid
        self.model, self.w_opt, self.a_opt, self.record, self.rng, self.resumed = model, w_opt, a_opt, record, rng, resumed


def _with_seed(loader, seed: int, k: int):
    """The loader of another seed over the same tensors (SearchBatches / PlainBatches are keyed by seed);
    the job's `workers` shared by its k loaders (batches do not depend on the number of workers)."""
    out = copy.copy(loader)
    out.batches = copy.copy(loader.batches)
    out.batches.seed = seed
    out.batches.set_epoch(0)
    out.workers = -(-loader.workers // k) if loader.workers > 0 else 0
    return out


class _AtDifferentEpochs(Exception):
    """The run folders were left after different epochs: one packed model cannot continue them."""


def _sgd(params, cfg):
    return torch.optim.SGD(params, lr=cfg.w_lr, momentum=cfg.w_momentum, weight_decay=cfg.w_wd, nesterov=cfg.w_nesterov)


def _pack_optimizer(packed, shadows) -> None:
    """Packed optimiser state = the seeds' states stacked on dim 0 (step counters must agree)."""
    for g, group in enumerate(packed.param_groups):
        for key in group:
            if key != "params":
                group[key] = shadows[0].param_groups[g][key]
        for i, P in enumerate(group["params"]):
            per = [o.state.get(o.param_groups[g]["params"][i], {}) for o in shadows]
            if not any(per):
                packed.state.pop(P, None)
                continue
            if not all(per):
                raise DartsCoreError("packing: the seeds' optimiser states differ (resume them with seeds_per_job 1)")
            state = {}
            for key, v0 in per[0].items():
                values = [s[key] for s in per]
                if torch.is_tensor(v0) and v0.dim() > 0:
                    state[key] = torch.cat([v.reshape(-1) for v in values]).view_as(P).clone()
                else:
                    if any(not (torch.equal(v, v0) if torch.is_tensor(v0) else v == v0) for v in values):
                        raise DartsCoreError(f"packing: optimiser {key} differs between the seeds")
                    state[key] = v0.clone() if torch.is_tensor(v0) else v0
            packed.state[P] = state


def _unpack_optimizer(packed, k: int, kk: int, shadow) -> None:
    """Seed k's part of the packed optimiser (kk seeds) into its shadow optimiser."""
    for g, group in enumerate(packed.param_groups):
        for key in group:
            if key != "params":
                shadow.param_groups[g][key] = group[key]
        for P, p in zip(group["params"], shadow.param_groups[g]["params"]):
            if P not in packed.state:
                shadow.state.pop(p, None)
                continue
            shadow.state[p] = {key: (v.view(kk, -1)[k].view_as(p).clone() if torch.is_tensor(v) and v.shape == P.shape
                                     else v.clone() if torch.is_tensor(v) else v)
                               for key, v in packed.state[P].items()}


def run_packed_search(cfgs, out_dirs) -> list[Path]:
    """Run (or resume) K searches that differ only by seed (cfgs[k] into out_dirs[k]); returns the folders."""
    if len(cfgs) != len(out_dirs) or len({str(Path(o)) for o in out_dirs}) != len(out_dirs):
        raise DartsCoreError(f"packed search: {len(cfgs)} configs need as many distinct run folders, got {list(map(str, out_dirs))}")
    check_pack(cfgs)  # before any work
    outs = [Path(o) for o in out_dirs]
    try:
        with contextlib.ExitStack() as stack:
            for out in outs:
                out.mkdir(parents=True, exist_ok=True)
                stack.enter_context(folder_lock(out, RUN_LOCK))  # each folder one writer, as run_search
            _run(list(cfgs), outs)
    except _AtDifferentEpochs as err:  # e.g. some seeds searched one per job before: finish each on its own
        Progress(cfgs[0].epochs).log(f"run folders left after different epochs ({err}): searching them one by one")
        for cfg, out in zip(cfgs, outs):
            run_search(cfg, out)
    return outs


def _seeds(cfgs, outs, device):
    cfg0 = cfgs[0]
    base_search, base_valid, num_classes, shape = search_loaders(cfg0.dataset, cfg0.data_dir, cfg0.batch_size, cfg0.workers,
                                                                 cfg0.seed, cfg0.download, split=cfg0.search_split)
    method_cls, space = method_class(cfg0.method, cfg0), get_space(cfg0.space)
    seeds = []
    for cfg, out in zip(cfgs, outs):
        seed_everything(cfg.seed, device)  # as run_search: the supernet's initialisation is its seed's
        options = method_cls.supernet_options(cfg) if hasattr(method_cls, "supernet_options") else {}  # as run_search
        model = space.build_supernet(cfg, num_classes, shape, mixer=method_cls.make_mixer(cfg), **options).to(device)
        w_opt, a_opt = _sgd(model.weight_parameters(), cfg), method_cls.make_alpha_optimizer(model.arch_parameters(), cfg)
        record, ckpt, resumed = RunRecord(), out / CHECKPOINT, None
        if ckpt.exists():
            resumed = restore(load_checkpoint(ckpt), cfg, model, w_opt, a_opt, record, ckpt)  # sets that run's RNG
        else:
            record.add(0, model.alpha_log(0), model.genotype())
        seeds.append(_Seed(cfg, out, _with_seed(base_search, cfg.seed, len(cfgs)), _with_seed(base_valid, cfg.seed, len(cfgs)), model, w_opt,
                           a_opt, record, rng_state(), resumed))
    if len({s.resumed for s in seeds}) > 1:
        raise _AtDifferentEpochs(", ".join(f"{s.out}: {s.resumed or 0}" for s in seeds))
    return seeds, num_classes, shape


def _train_epoch(cfg, epoch, method, seeds, w_opt, device, progress, frozen):
    """One epoch of packed steps; per seed (train loss, train acc %), and the last valid batches."""
    method.model.train()
    for s in seeds:
        s.search.set_epoch(epoch)
    k, steps = len(seeds), len(seeds[0].search)
    loss_sum, correct, n = [0.0] * k, [0] * k, [0] * k
    for step, batches in enumerate(progress.steps(zip(*(s.search for s in seeds)), epoch + 1, steps)):
        set_lr(w_opt, weight_lr(cfg, epoch, step / steps))
        xt, yt, xv, yv = (torch.stack([b[i] for b in batches]).to(device) for i in range(4))
        losses, logits = method.step(xt, yt, xv, yv, update_alphas=not frozen)
        for i, value in enumerate(losses.tolist()):
            loss_sum[i] += value * len(yt[i])
            correct[i] += int((logits[i].argmax(1) == yt[i]).sum())
            n[i] += len(yt[i])
    return [(loss_sum[i] / n[i], 100.0 * correct[i] / n[i]) for i in range(k)], (xv, yv)


def _evaluate(model, seeds, criterion, device):
    """Per seed (loss, top-1 %) on its own valid batches, model in eval mode (loop.evaluate)."""
    model.eval()
    k = len(seeds)
    loss_sum, correct, n = [0.0] * k, [0] * k, [0] * k
    with torch.no_grad():
        for batches in zip(*(s.valid for s in seeds)):
            x, y = torch.stack([b[0] for b in batches]).to(device), torch.stack([b[1] for b in batches]).to(device)
            logits = model(x)
            for i in range(k):
                loss_sum[i] += float(criterion(logits[i], y[i])) * len(y[i])
                correct[i] += int((logits[i].argmax(1) == y[i]).sum())
                n[i] += len(y[i])
    model.train()
    return [(loss_sum[i] / max(n[i], 1), 100.0 * correct[i] / max(n[i], 1)) for i in range(k)]


def _hessian(cfg, model, criterion, batch, epoch: int, i: int) -> dict:
    """loop._hessian for seed i: the Hessian of seed i's valid loss w.r.t. its own alpha rows (a fresh
    leaf in the place of those rows), BN buffers, alpha grads and RNG restored afterwards."""
    from darts_core.search.hessian import dominant_eigenvalue

    x, y = batch
    buffers = [b.clone() for b in model.buffers()]
    grad = None if model.alpha.grad is None else model.alpha.grad.clone()
    rows = model.alpha.detach().view(model.k, -1, model.alpha.shape[-1])
    mine = rows[i].clone().requires_grad_()

    def loss_fn():
        model.train()
        full = torch.cat([rows[:i], mine.unsqueeze(0), rows[i + 1:]]).view_as(model.alpha)
        return criterion(model(x, alpha=full)[i], y[i])

    with torch.random.fork_rng(devices=[]):
        value = float(dominant_eigenvalue(loss_fn, [mine], cfg.a_wd, cfg.hessian_method))
    with torch.no_grad():
        for b, saved in zip(model.buffers(), buffers):
            b.copy_(saved)
    model.alpha.grad = grad
    return {"epoch": epoch, "eigenvalue": value, "method": cfg.hessian_method}


def _run(cfgs, outs) -> None:
    cfg = cfgs[0]
    device = resolve_device(cfg.device)
    seeds, num_classes, shape = _seeds(cfgs, outs, device)
    k, packed_seeds = len(seeds), [c.seed for c in cfgs]
    model = get_space(cfg.space).build_packed_supernet(cfg, k, num_classes, shape).to(device)
    pack_state(model, [s.model for s in seeds])
    grads = [s.model.alpha.grad for s in seeds]
    if any(g is not None for g in grads):
        model.alpha.grad = torch.cat([g.reshape(-1) for g in grads]).view_as(model.alpha).clone()
    w_opt = _sgd(model.weight_parameters(), cfg)
    a_opt = method_class(cfg.method, cfg).make_alpha_optimizer(model.arch_parameters(), cfg)
    _pack_optimizer(w_opt, [s.w_opt for s in seeds])
    _pack_optimizer(a_opt, [s.a_opt for s in seeds])
    module, _, attr = get_method(cfg.method).packed.partition(":")
    criterion = nn.CrossEntropyLoss()
    method = getattr(importlib.import_module(module), attr)(model, criterion, w_opt, a_opt, cfg.grad_clip, packed_seeds)
    method.configure(cfg)
    progress = Progress(cfg.epochs)
    start, resumed = seeds[0].resumed or 0, seeds[0].resumed
    extra = {"resumed_after_epoch": resumed, "packed_seeds": packed_seeds}
    for s in seeds:
        write_json(run_info(s.cfg, device, s.record, "running", **extra), s.out / RUN_INFO)
    if resumed is not None:
        progress.log(f"resuming seeds {packed_seeds} after epoch {start}")
    saved = resumed
    for epoch in range(start, cfg.epochs):
        tic = time.time()
        frozen = alphas_frozen(cfg, epoch)
        try:
            train, last_valid = _train_epoch(cfg, epoch, method, seeds, w_opt, device, progress, frozen)
        except SeedDiverged as err:
            bad = next(s for s in seeds if s.cfg.seed == err.seed)
            write_json(run_info(bad.cfg, device, bad.record, "diverged", error=str(err), **extra), bad.out / RUN_INFO)
            kept = f"checkpoints keep epoch {saved}" if saved is not None else "no checkpoint was written"
            raise DartsCoreError(f"{err} in epoch {epoch + 1}; {kept}; the other seeds resume with "
                                 "compute.seeds_per_job: 1") from None
        hessian = cfg.hessian_every and (epoch % cfg.hessian_every == 0 or epoch + 1 == cfg.epochs)
        for i, s in enumerate(seeds):
            if hessian:
                s.record.hessian.append(_hessian(cfg, model, criterion, last_valid, epoch + 1, i))
        for s in seeds:
            s.valid.set_epoch(epoch)
        valid = _evaluate(model, seeds, criterion, device)
        seconds = time.time() - tic
        alpha_lr = 0.0 if frozen or not get_method(cfg.method).arch_parameters else cfg.a_lr
        for i, s in enumerate(seeds):
            unpack_state(model, i, s.model)
            _unpack_optimizer(w_opt, i, k, s.w_opt)
            _unpack_optimizer(a_opt, i, k, s.a_opt)
            metrics = {"train_loss": train[i][0], "train_acc": train[i][1], "valid_loss": valid[i][0],
                       "valid_acc": valid[i][1], "weight_lr": weight_lr(cfg, epoch, 0.0), "alpha_lr": alpha_lr,
                       "seconds": seconds}
            s.record.add(epoch + 1, s.model.alpha_log(epoch + 1), s.model.genotype(), metrics)
            set_rng_state(s.rng)  # the checkpoint holds the RNG state of this seed's own run
            save_checkpoint(checkpoint_state(epoch + 1, s.cfg, s.model, s.w_opt, s.a_opt, s.record), s.out / CHECKPOINT)
            s.record.write(s.out)
            write_json(run_info(s.cfg, device, s.record, "running", **extra), s.out / RUN_INFO)
        saved = epoch + 1
        progress.log(f"epoch {epoch + 1}/{cfg.epochs} seeds {packed_seeds}: valid "
                     + " ".join(f"{v[1]:.1f}%" for v in valid) + f" lr {weight_lr(cfg, epoch, 0.0):.5f} {seconds:.1f}s")
    for s in seeds:
        s.record.write(s.out)
        write_json(run_info(s.cfg, device, s.record, "finished", **extra), s.out / RUN_INFO)
