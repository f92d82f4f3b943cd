"""What a search checkpoint holds and how a run is restored from it (epoch granularity).

Everything that influences the next epoch is saved: weights and BN buffers, alphas and their (stale)
gradients (they enter the official clip norm), both optimiser states, the schedule position, all RNG
states, and the run record. Data order needs no state: batches are functions of (seed, epoch, batch).
"""

from __future__ import annotations

from darts_core.checkpoint import require_keys, rng_state, set_rng_state
from darts_core.errors import DartsCoreError
from darts_core.layout import CHECKPOINT  # noqa: F401  (re-exported)
from darts_core.search.config import changed_setting
from darts_core.search.schedule import weight_lr


def checkpoint_state(epoch: int, cfg, model, w_optimizer, a_optimizer, record, method=None) -> dict:
    """`method`: its own state when it has one (`state_dict()`: ENAS's controller, its optimiser and baseline)."""
    extra = {"method": method.state_dict()} if hasattr(method, "state_dict") else {}
    return {
        "epoch": epoch,  # finished epochs
        "config": cfg.to_dict(),
        "model": model.state_dict(),
        "alpha_grads": [None if a.grad is None else a.grad.detach().clone() for a in model.arch_parameters()],
        "w_optimizer": w_optimizer.state_dict(),
        "a_optimizer": a_optimizer.state_dict(),
        "schedule": {"epoch": epoch, "next_weight_lr": weight_lr(cfg, min(epoch, cfg.epochs - 1))},
        "rng": rng_state(),
        "record": record.state_dict(),
        **extra,
    }


STATE_KEYS = ("epoch", "config", "model", "alpha_grads", "w_optimizer", "a_optimizer", "rng", "record")


def check_same_config(saved: dict, cfg, path) -> None:
    now = cfg.to_dict()
    key = changed_setting(saved, now)
    if key is not None:
        raise DartsCoreError(
            f"{path} was written with {key}={saved.get(key)!r}, this run has {key}={now.get(key)!r}; "
            "use another output directory or delete the checkpoint"
        )


def restore(state: dict, cfg, model, w_optimizer, a_optimizer, record, path, method=None) -> int:
    """Load a checkpoint into the live objects; returns the number of finished epochs."""
    require_keys(state, STATE_KEYS, path, "search checkpoint")
    check_same_config(state["config"], cfg, path)
    if hasattr(method, "load_state_dict"):  # first: it may reshape the supernet (DrNAS progressive's stages)
        if "method" not in state:
            raise DartsCoreError(f"{path} holds no state of method {cfg.method} (written by an older version)")
        method.load_state_dict(state["method"])
    model.load_state_dict(state["model"])
    for a, g in zip(model.arch_parameters(), state["alpha_grads"]):
        a.grad = None if g is None else g.to(a.device)
    w_optimizer.load_state_dict(state["w_optimizer"])
    a_optimizer.load_state_dict(state["a_optimizer"])
    set_rng_state(state["rng"])
    record.load_state_dict(state["record"])
    return int(state["epoch"])
