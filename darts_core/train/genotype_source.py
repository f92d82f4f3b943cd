"""Where a cell to train comes from: a published name, a genotype string, a text file or a search's
genotypes.csv. Torch-free, so the workflow's `genotype` rule runs in the analysis env."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces import darts


def resolve_genotype(spec: str, epoch: int | None = None) -> darts.Genotype:
    """A published name (e.g. DARTS_V2), a genotype string, a text file holding one, or a genotypes.csv
    (columns epoch, arch) from which the row of `epoch` (default: the last) is taken."""
    spec = spec.strip()
    if spec in darts.PUBLISHED_TEXT:
        return darts.published(spec)
    if spec.startswith("Genotype("):
        return darts.parse_genotype(spec)
    path = Path(spec)
    if not path.is_file():
        raise DartsCoreError(f"{spec!r} is neither a published genotype ({', '.join(darts.PUBLISHED_TEXT)}), "
                             "a Genotype(...) string nor an existing file")
    if path.suffix == ".csv":
        df = pd.read_csv(path)
        if not {"epoch", "arch"} <= set(df.columns) or df.empty:
            raise DartsCoreError(f"{path}: expected a non-empty CSV with columns epoch, arch")
        rows = df if epoch is None else df[df["epoch"] == epoch]
        if rows.empty:
            raise DartsCoreError(f"{path}: no row for epoch {epoch} (epochs {df['epoch'].min()}..{df['epoch'].max()})")
        return darts.parse_genotype(str(rows["arch"].iloc[-1]))
    return darts.parse_genotype(path.read_text())
