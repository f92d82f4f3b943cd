"""Checkpoints that survive preemption: atomic writes and the full RNG state, so a resumed run
continues exactly where an uninterrupted one would be (bit-identical on the CPU).

A checkpoint is read with `torch.load(weights_only=True)`: a `checkpoint.pt` planted in a run or retrain
folder cannot run code when it is unpickled. What torch's restricted unpickler refuses (numpy arrays and
scalars: the NumPy RNG state; the run record's DataFrames) is saved as a uint8 tensor of its bytes with its
dtype and shape (`_encode`), and read back bit for bit (`_decode`).
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from darts_core.errors import DartsCoreError
from darts_core.runlog import atomic_write

_NUMPY = "__darts_core_numpy__"  # marks an encoded numpy array or scalar: {_NUMPY: [dtype, shape, scalar], "data": tensor}
_FRAME = "__darts_core_frame__"  # marks an encoded DataFrame: {_FRAME: [columns], "index": ..., "columns": [...]}


def _encode(obj):
    """`obj` with every numpy array or scalar replaced by a tensor of its bytes (types weights_only accepts)."""
    if isinstance(obj, pd.DataFrame):
        index = obj.index
        if not isinstance(index, pd.RangeIndex):
            raise DartsCoreError("cannot checkpoint a DataFrame without a RangeIndex")
        cols = []
        for name in obj.columns:
            col = obj[name]
            if col.dtype == object:
                cols.append({"dtype": "object", "values": [_encode(v) for v in col.tolist()]})
            else:
                cols.append({"dtype": str(col.dtype), "values": _encode(col.to_numpy())})
        return {_FRAME: list(obj.columns), "index": [index.start, index.stop, index.step], "columns": cols}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.array(obj, order="C")  # (ascontiguousarray would make a 0-d scalar 1-d)
        if arr.dtype.hasobject:
            raise DartsCoreError(f"cannot checkpoint a numpy array of dtype {arr.dtype}")
        data = torch.from_numpy(arr.reshape(-1).view(np.uint8).copy())
        return {_NUMPY: [arr.dtype.str, list(arr.shape), isinstance(obj, np.generic)], "data": data}
    if isinstance(obj, dict):
        return type(obj)((k, _encode(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_encode(v) for v in obj)
    return obj


def _decode(obj):
    if isinstance(obj, dict):
        if _FRAME in obj:
            columns = {}
            for name, col in zip(obj[_FRAME], obj["columns"]):
                values = col["values"]
                columns[name] = (pd.Series([_decode(v) for v in values], dtype=object) if col["dtype"] == "object"
                                 else pd.Series(_decode(values), dtype=col["dtype"]))
            frame = pd.DataFrame(columns, columns=obj[_FRAME])
            frame.index = pd.RangeIndex(*obj["index"])
            return frame
        if _NUMPY in obj:
            dtype, shape, scalar = obj[_NUMPY]
            arr = np.frombuffer(obj["data"].numpy().tobytes(), dtype=np.dtype(dtype)).reshape(shape).copy()
            return arr[()] if scalar else arr
        return type(obj)((k, _decode(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_decode(v) for v in obj)
    return obj


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
    encoded = _encode(state)
    return atomic_write(path, lambda tmp: torch.save(encoded, tmp))


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> dict:
    """Load one of our own checkpoints with weights_only=True: tensors, numbers, strings and containers
    only, so a foreign file cannot run code; numpy values come back as they were saved (`_decode`)."""
    path = Path(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise DartsCoreError(f"checkpoint {path} does not exist") from None
    except Exception as err:  # a truncated or foreign file, or one holding objects we never save
        text = " ".join(str(err).split())
        found = re.search(r"GLOBAL ([\w.]+)", text)
        if found:
            raise DartsCoreError(f"checkpoint {path} is not a checkpoint of darts_core: it holds a pickled "
                                 f"{found.group(1)}, which is not loaded (it could run code); use another output "
                                 "folder or delete it") from None
        if "WeightsUnpickler error: " in text:  # torch's advice around the cause is not for this file
            text = text.split("WeightsUnpickler error: ", 1)[1].split(" Check the documentation", 1)[0]
        raise DartsCoreError(f"checkpoint {path} cannot be read ({type(err).__name__}: {text[:300]})") from None
    if not isinstance(state, dict):
        raise DartsCoreError(f"checkpoint {path} is not a checkpoint of darts_core (a {type(state).__name__}); "
                             "use another output folder or delete it")
    return _decode(state)


def require_keys(state: dict, keys, path, what: str = "checkpoint") -> dict:
    """`state` if it has every key of `keys`; else a one-line error naming the file and the missing keys."""
    missing = [k for k in keys if k not in state]
    if missing:
        raise DartsCoreError(f"checkpoint {path} is not a {what} of darts_core (no {', '.join(map(repr, missing))}); "
                             "use another output folder or delete it")
    return state
