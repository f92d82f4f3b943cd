"""The run products of one search (darts_core.runlog): kept in memory, checkpointed, written atomically."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from darts_core import __version__, runlog


class RunRecord:
    """Alpha log, metrics, genotypes and Hessian eigenvalues of the finished epochs, and how the run ended."""

    def __init__(self):
        self.alphas: list[pd.DataFrame] = []
        self.metrics: list[dict] = []
        self.genotypes: list[dict] = []
        self.hessian: list[dict] = []
        # when a stop criterion ended the run: {"epoch": declared at, "reason": text, "criterion": name or
        # None, "stop_epoch": the epoch whose alphas give the architecture (e.g. a magnitude peak)}
        self.stop: dict | None = None

    def add(self, epoch: int, alphas: pd.DataFrame, arch: str, metrics: dict | None = None) -> None:
        self.alphas.append(alphas)
        self.genotypes.append({"epoch": epoch, "arch": arch})
        if metrics is not None:
            self.metrics.append({"epoch": epoch, **metrics})

    def alphas_df(self) -> pd.DataFrame:
        return pd.concat(self.alphas, ignore_index=True)

    def hessian_df(self) -> pd.DataFrame:
        return pd.DataFrame(self.hessian, columns=list(runlog.HESSIAN_COLUMNS))

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("alphas", "metrics", "genotypes", "hessian", "stop")}

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)

    def write(self, out: Path) -> None:
        runlog.write_table(self.alphas_df(), out / runlog.ALPHAS)
        runlog.write_table(pd.DataFrame(self.metrics, columns=list(runlog.METRIC_COLUMNS)), out / runlog.METRICS)
        runlog.write_table(pd.DataFrame(self.genotypes, columns=list(runlog.GENOTYPE_COLUMNS)), out / runlog.GENOTYPES)
        if self.hessian:
            runlog.write_table(self.hessian_df(), out / runlog.HESSIAN)


def versions() -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "darts_core": __version__}


def run_info(cfg, device: torch.device, record: RunRecord, status: str, **extra) -> dict:
    """Content of run.json: resolved config, seed, versions, device and how the run ended."""
    done = record.genotypes[-1]["epoch"] if record.genotypes else 0
    return {"config": cfg.to_dict(), "seed": cfg.seed, "versions": versions(), "device": str(device),
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(), "status": status,
            "epochs_done": done, "stop": record.stop, "accuracy_unit": "percent", **extra}
