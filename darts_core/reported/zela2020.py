"""The test errors Zela et al. (ICLR 2020, "Understanding and Robustifying DARTS", arXiv 1909.09656v2)
report on S1-S4 x CIFAR-10 / CIFAR-100 / SVHN, as transcribed into `zela2020.csv`.

`zela2020.csv` columns (one row per cell the paper prints):
- paper_table: the paper's table, as it numbers it (e.g. `Table 3`);
- space: s1..s4; dataset: cifar10, cifar100, svhn (our dataset names);
- method: DARTS, DARTS-ES, R-DARTS(DP), R-DARTS(L2) (the paper's row names; the table rows of the
  `retrain_by_dataset` kind match them by label);
- mean: test error (%); std: as printed, empty where the paper prints none;
- source: where the number was read (paper version, table, and the copy it was read in); note.
A cell without a row was not transcribed: the table prints "not available" beside it, never a guess.

State of the transcription: no cell yet. The paper's full text is stored (the search `pages` corpus
holds arXiv 1909.09656v2 as LaTeX (SPIQA), Markdown (eu-1-nl.mrnet.io/papers/1909.09656.md) and text
(fdocuments.us)), but that corpus answers with each page's opening only, and no query reached the
test-error table; no other stored copy of the paper's text holds it (code/docs/issues corpora searched
for its row names). Numbers quoted by later papers are not the paper's and are not taken.
"""

from __future__ import annotations

import os
from importlib import resources

import pandas as pd

from darts_core.errors import DartsCoreError

COLUMNS = ["paper_table", "space", "dataset", "method", "mean", "std", "source", "note"]
SPACES = ("s1", "s2", "s3", "s4")
DATASETS = ("cifar10", "cifar100", "svhn")
METHODS = ("DARTS", "DARTS-ES", "R-DARTS(DP)", "R-DARTS(L2)")
FILE = "zela2020.csv"


def check_zela(df: pd.DataFrame, where: str = FILE) -> pd.DataFrame:
    """The transcription's contract: its columns, known names, a test error in [0, 100], a source, and
    one row per (space, dataset, method). Raises DartsCoreError naming the line and the problem."""
    if list(df.columns) != COLUMNS:
        raise DartsCoreError(f"{where}: columns {list(df.columns)}, expected {COLUMNS}")
    known = {"space": SPACES, "dataset": DATASETS, "method": METHODS}
    for i, row in enumerate(df.to_dict("records")):
        line = f"{where} line {i + 2}"  # the header is line 1
        for col, names in known.items():
            if row[col] not in names:
                raise DartsCoreError(f"{line}: {col} {row[col]!r} is not one of {', '.join(names)}")
        for col in ("mean", "std"):
            value = row[col]
            if col == "std" and pd.isna(value):
                continue
            if pd.isna(value) or not 0.0 <= float(value) <= 100.0:
                raise DartsCoreError(f"{line}: {col} {value!r} is not a test error in % (0-100)")
        if not str(row["source"]).strip() or not str(row["paper_table"]).strip():
            raise DartsCoreError(f"{line}: a transcribed number needs its paper_table and source")
    dup = df.duplicated(["space", "dataset", "method"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise DartsCoreError(f"{where}: {first['space']}/{first['dataset']}/{first['method']} is transcribed twice")
    return df


def load_zela(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The transcription (the package's zela2020.csv unless `path`), checked."""
    kw = dict(dtype={c: str for c in ("paper_table", "space", "dataset", "method", "source", "note")},
              keep_default_na=False)
    if path is None:
        with resources.files(__package__).joinpath(FILE).open() as fh:
            df = pd.read_csv(fh, **kw)
        where = f"darts_core/reported/{FILE}"
    else:
        df = pd.read_csv(path, **kw)
        where = str(path)
    for col in ("mean", "std"):
        try:
            text = df[col].astype(str).str.strip()
            df[col] = pd.to_numeric(text.where(text != ""))
        except (ValueError, TypeError) as err:
            raise DartsCoreError(f"{where}: column {col}: {err}") from None
    return check_zela(df, where)


def reported_error(reported: pd.DataFrame, space: str, dataset: str, method: str) -> tuple[float, float] | None:
    """(mean, std) the paper prints for one cell (std NaN where it prints none); None if not transcribed."""
    hit = reported[(reported["space"] == space) & (reported["dataset"] == dataset) & (reported["method"] == method)]
    return None if hit.empty else (float(hit["mean"].iloc[0]), float(hit["std"].iloc[0]))
