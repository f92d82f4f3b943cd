"""The paper's own numbers (Zhang & Ding, CIKM 2021), transcribed once from its Tables 1–5.

`zhang2021.csv` columns: table (table1..table5), row (method as printed), variant (Table 2's
parenthesised lines: `standard-201`, `standard-201-25-epochs`, `original-paper[-no-none]`; Table 3's
`w_lr=...`), dataset, metric (`valid`, `test`, `search_seconds`, `params_m`, `test_error`,
`top1_error`, `top5_error`, `gpu_days`), mean, std (empty where the paper prints none), section
(where the table stands), page (empty: the text we transcribed from carries no page breaks), note.
Cells the paper leaves blank or prints as '-' have no row.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

TABLES = ("table1", "table2", "table3", "table4", "table5")


def load_reported() -> pd.DataFrame:
    with resources.files(__package__).joinpath("zhang2021.csv").open() as fh:
        df = pd.read_csv(fh, dtype={"variant": str, "note": str, "page": str}, keep_default_na=False)
    df["mean"] = df["mean"].astype(float)
    df["std"] = pd.to_numeric(df["std"].replace("", float("nan")))
    return df
