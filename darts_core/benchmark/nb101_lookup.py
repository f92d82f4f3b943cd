"""NAS-Bench-101 accuracies of architectures of a space with an NB101 spec (the NAS-Bench-1Shot1 spaces):
the arch string -> `Space.nb101_spec` (eval_darts_one_shot_model_in_nasbench.py) -> the NB101 table's
look-up (darts_core.benchmark.nb101.table.lookup: pruned, checked, hashed as the official api).

Columns: `arch, module_hash, cifar10_valid, cifar10_test, params`: the 108-epoch validation and test
accuracy in percent, each the mean of the table's repeats (3 in the official file; NAS-Bench-1Shot1 reports
the errors of all three), and the trainable parameters of the first repeat.
- `lookup_archs(archs, table)`: one row per given arch, in the given order.
- `lookup_run(run_dir, table)`: one row per row of the run's genotypes.csv, with its `epoch` first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from darts_core.benchmark.nb101.table import lookup
from darts_core.errors import DartsCoreError
from darts_core.runlog import GENOTYPES
from darts_core.spaces import space_of_arch

COLUMNS = ("arch", "module_hash", "cifar10_valid", "cifar10_test", "params")


def _one(arch: str, table: pd.DataFrame) -> dict:
    space = space_of_arch(arch)
    if not hasattr(space, "nb101_spec"):
        raise DartsCoreError(f"arch {arch!r} is not of a space with a NAS-Bench-101 spec")
    found = lookup(table, *space.nb101_spec(arch))
    return {"arch": arch, "module_hash": found.module_hash, "cifar10_valid": 100.0 * found.mean["validation_accuracy"],
            "cifar10_test": 100.0 * found.mean["test_accuracy"],
            "params": int(found.repeats["trainable_parameters"].iloc[0])}


def lookup_archs(archs: Sequence[str], table: pd.DataFrame) -> pd.DataFrame:
    found: dict[str, dict] = {}
    for arch in archs:  # each distinct arch looked up once
        if arch not in found:
            found[arch] = _one(arch, table)
    return pd.DataFrame([found[a] for a in archs], columns=list(COLUMNS))


def lookup_run(run_dir: str | os.PathLike, table: pd.DataFrame) -> pd.DataFrame:
    path = Path(run_dir) / GENOTYPES
    if not path.is_file():
        raise DartsCoreError(f"run {run_dir}: {GENOTYPES} does not exist")
    genotypes = pd.read_csv(path)
    out = lookup_archs(genotypes["arch"].astype(str).tolist(), table)
    out.insert(0, "epoch", genotypes["epoch"].astype(int).to_numpy())
    return out
