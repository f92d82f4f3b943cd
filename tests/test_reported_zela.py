"""The transcription of Zela et al. 2020's S1-S4 test errors (darts_core/reported/zela2020.csv): it parses,
names only known spaces, datasets and methods, and a bad line is refused with a one-line error."""

from pathlib import Path

import pandas as pd
import pytest

from darts_core.errors import DartsCoreError
from darts_core.reported.zela2020 import COLUMNS, DATASETS, METHODS, SPACES, load_zela, reported_error

CSV = Path(__file__).resolve().parents[1] / "darts_core" / "reported" / "zela2020.csv"
GOOD = ["Table X", "s3", "svhn", "DARTS-ES", "3.1", "", "a test line", ""]


def _csv(tmp_path, *lines, header=",".join(COLUMNS)):
    path = tmp_path / "zela.csv"
    path.write_text("\n".join([header, *(",".join(line) for line in lines)]) + "\n")
    return path


def test_the_shipped_csv_parses_and_names_known_cells():
    df = load_zela()
    assert list(df.columns) == COLUMNS
    assert list(pd.read_csv(CSV, nrows=0).columns) == COLUMNS  # the file itself, not only the loader
    for row in df.to_dict("records"):
        assert row["space"] in SPACES and row["dataset"] in DATASETS and row["method"] in METHODS, row
        assert 0 <= row["mean"] <= 100 and row["source"] and row["paper_table"], row
    assert not df.duplicated(["space", "dataset", "method"]).any()


def test_a_good_line_is_read(tmp_path):
    df = load_zela(_csv(tmp_path, GOOD, ["Table X", "s1", "cifar10", "DARTS", "3.84", "0.1", "a test line", "n"]))
    assert reported_error(df, "s3", "svhn", "DARTS-ES")[0] == 3.1
    assert pd.isna(reported_error(df, "s3", "svhn", "DARTS-ES")[1])  # no std printed
    assert reported_error(df, "s1", "cifar10", "DARTS") == (3.84, 0.1)
    assert reported_error(df, "s1", "cifar10", "R-DARTS(L2)") is None  # not transcribed


@pytest.mark.parametrize("change, message", [
    ({2: "mnist"}, r"line 2: dataset 'mnist' is not one of cifar10, cifar100, svhn"),
    ({1: "s5"}, r"line 2: space 's5' is not one of s1, s2, s3, s4"),
    ({3: "R-DARTS"}, r"line 2: method 'R-DARTS' is not one of DARTS, DARTS-ES, R-DARTS\(DP\), R-DARTS\(L2\)"),
    ({4: "130"}, r"line 2: mean 130(\.0)? is not a test error"),
    ({4: ""}, r"line 2: mean nan is not a test error"),
    ({6: ""}, r"line 2: a transcribed number needs its paper_table and source"),
])
def test_a_bad_line_is_refused(tmp_path, change, message):
    line = [change.get(i, v) for i, v in enumerate(GOOD)]
    with pytest.raises(DartsCoreError, match=message):
        load_zela(_csv(tmp_path, line))


def test_a_duplicate_or_a_wrong_header_is_refused(tmp_path):
    with pytest.raises(DartsCoreError, match=r"s3/svhn/DARTS-ES is transcribed twice"):
        load_zela(_csv(tmp_path, GOOD, GOOD))
    with pytest.raises(DartsCoreError, match=r"columns .* expected"):
        load_zela(_csv(tmp_path, GOOD[:-1], header=",".join(COLUMNS[:-1])))
    with pytest.raises(DartsCoreError, match=r"column mean"):
        load_zela(_csv(tmp_path, [*GOOD[:4], "3.1%", *GOOD[5:]]))
