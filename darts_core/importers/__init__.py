"""Real search logs -> our run products, so every stop criterion runs on searches we did not produce.

`python -m darts_core import-log FORMAT SOURCE RUN_DIR` (darts_core.stops.cli) -> `import_log(fmt, source, run_dir)`.

- `dartspt`: DARTS-PT logs (NB201 and DARTS space; alphas, genotypes, metrics).
- `robustdarts`: RobustDARTS runs (genotypes, metrics, dominant eigenvalues; no alphas).
- `common`: timestamps, Namespace args, checked numbers, checksums.
"""

from __future__ import annotations

import os

from darts_core.errors import DartsCoreError
from darts_core.importers.dartspt import import_dartspt
from darts_core.importers.robustdarts import import_robustdarts

FORMATS = ("darts-pt", "robustdarts")


def import_log(fmt: str, source: str | os.PathLike, run_dir: str | os.PathLike, **kw) -> dict:
    if fmt == "darts-pt":
        if kw.get("task") is not None or kw.get("eigenvalues") is not None:
            raise DartsCoreError("--task and --eigenvalues are robustdarts options")
        return import_dartspt(source, run_dir)
    if fmt == "robustdarts":
        return import_robustdarts(source, run_dir, task=kw.get("task"), eigenvalues=kw.get("eigenvalues"))
    raise DartsCoreError(f"unknown log format {fmt!r}; choose from {', '.join(FORMATS)}")
