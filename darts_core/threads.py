"""CPU threads of a standalone command (`search`, `retrain`, `train-arch`): `--threads N`, by default the
environment's OMP_NUM_THREADS, else 1 (one search per core; torch would otherwise take every core).

The same seed gives the same alpha log at the same thread count; another count may change the float
sums' order, hence the last digits (the count is recorded in run.json, `torch_threads`). Snakemake's
rules pass the rule's `threads` instead (config `compute.threads_per_search`)."""

from __future__ import annotations

import os

from darts_core.errors import DartsCoreError


def default_threads() -> int:
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        raise DartsCoreError(f"OMP_NUM_THREADS={value!r} is not a whole number of threads") from None


def add_threads_option(parser) -> None:
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads (default: $OMP_NUM_THREADS, else 1; the same seed gives the same "
                             "log at the same thread count; recorded in run.json)")


def set_threads(n: int | None) -> int:
    """Set torch's intra-op threads to `n` (None: default_threads()); returns the count set."""
    import torch

    n = default_threads() if n is None else int(n)
    if n < 1:
        raise DartsCoreError(f"--threads {n}: at least 1 thread")
    torch.set_num_threads(n)
    return n
