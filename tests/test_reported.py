"""The transcribed paper numbers: every value must stand in the paper's text, in its table."""

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from darts_core.reported import TABLES, load_reported

CSV = Path(__file__).resolve().parents[1] / "darts_core" / "reported" / "zhang2021.csv"
SHARED = Path(os.environ.get("DARTS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")).parent
PAPER = SHARED / "papers" / "zhang2021-delve-into-darts-degradation.txt"


def table_text(text: str, n: int) -> str:
    """The paper text of Table n, up to the next table (Table 1 has no caption line in the extract)."""
    starts = {1: text.index("Method\tSearch"), 2: text.index("Table 2:"), 3: text.index("Table 3:"),
              4: text.index("Table 4:"), 5: text.index("Table 5:")}
    ends = {1: text.index("Figure 3(b) illustrates"), 2: text.index("Table 3:"), 3: text.index("training epochs are aligned"),
            4: text.index("Table 4. As shown"), 5: text.index("4 CONCLUSION")}
    return re.sub(r"\s*±\s*", "±", text[starts[n]: ends[n]])


def test_shape_of_transcription():
    df = load_reported()
    assert set(df["table"]) == set(TABLES)
    # Table 1: 13 rows x 6 accuracy columns, plus search seconds for the 7 one-shot rows.
    t1 = df[df.table == "table1"]
    assert len(t1) == 13 * 6 + 7
    # Table 3: 10 rows x 3 datasets x 3 learning rates.
    assert len(df[df.table == "table3"]) == 90
    assert not df.duplicated(["table", "row", "variant", "dataset", "metric"]).any()


def test_key_values():
    df = load_reported().set_index(["table", "row", "variant", "dataset", "metric"])
    assert df.loc[("table1", "DARTS-V1", "", "cifar10", "test"), "mean"] == 54.30
    assert df.loc[("table1", "optimal", "", "ImageNet16-120", "test"), "mean"] == 47.31
    assert df.loc[("table2", "SS-DARTS", "", "cifar100", "test"), "std"] == 1.10
    assert df.loc[("table3", "SS-DARTS", "w_lr=0.015", "ImageNet16-120", "test"), "mean"] == 44.24


def test_every_value_stands_in_its_table():
    """Each transcribed cell, as printed (mean, or mean±std), is found in the text of its own table."""
    if not PAPER.exists():
        if os.environ.get("DARTS_REQUIRE_SHARED") == "1":
            pytest.fail(f"paper text not found at {PAPER}; DARTS_REQUIRE_SHARED=1 requires it")
        pytest.skip(f"paper text not found at {PAPER}")
    text = PAPER.read_text()
    raw = pd.read_csv(CSV, dtype=str, keep_default_na=False)
    for n, tab in enumerate(TABLES, start=1):
        body = table_text(text, n)
        for row in raw[raw.table == tab].itertuples():
            token = f"{row.mean}±{row.std}" if row.std else row.mean
            assert re.search(rf"(?<![\d.]){re.escape(token)}(?![\d])", body), f"{tab} {row.row} {row.variant} {row.dataset} {row.metric}: {token}"
