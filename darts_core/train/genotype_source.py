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
    # errors name the file (and the CSV row): the genotype string alone does not say where it came from
    try:
        if path.suffix == ".csv":
            df = pd.read_csv(path)
            if not {"epoch", "arch"} <= set(df.columns) or df.empty:
                raise DartsCoreError("expected a non-empty CSV with columns epoch, arch")
            rows = df if epoch is None else df[df["epoch"] == epoch]
            if rows.empty:
                raise DartsCoreError(f"no row for epoch {epoch} (epochs {df['epoch'].min()}..{df['epoch'].max()})")
            where = f"{path}, epoch {rows['epoch'].iloc[-1]}"
            return _parse(str(rows["arch"].iloc[-1]), where)
        return _parse(path.read_text(), str(path))
    except pd.errors.EmptyDataError:
        raise DartsCoreError(f"{path} is empty (expected a genotypes.csv with columns epoch, arch)") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DartsCoreError(f"{path}: not a text file holding a genotype ({type(err).__name__})") from None
    except DartsCoreError as err:
        if str(err).startswith(str(path)):
            raise
        raise DartsCoreError(f"{path}: {err}") from None


def _parse(text: str, where: str) -> darts.Genotype:
    try:
        return darts.parse_genotype(text)
    except DartsCoreError as err:
        raise DartsCoreError(f"{where}: {err}") from None
