"""Checkpoints that survive preemption: atomic writes and the full RNG state, so a resumed run
continues exactly where an uninterrupted one would be (bit-identical on the CPU)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from darts_core.errors import DartsCoreError
from darts_core.runlog import atomic_write


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(state: dict, path: str | os.PathLike) -> Path:
    """torch.save to a temporary file, then rename: a kill mid-write keeps the previous checkpoint."""
    return atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> dict:
    """Load one of our own checkpoints. weights_only=False because they hold RNG states and optimiser
    dicts (plain Python objects); only files this package wrote are read here."""
    path = Path(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=False)
    except FileNotFoundError:
        raise DartsCoreError(f"checkpoint {path} does not exist") from None
    except Exception as err:  # a truncated or foreign file
        raise DartsCoreError(f"checkpoint {path} cannot be read ({type(err).__name__}: {err})") from None
    if not isinstance(state, dict):
        raise DartsCoreError(f"checkpoint {path} is not a checkpoint of darts_core (a {type(state).__name__}); "
                             "use another output folder or delete it")
    return state
