import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import nb201


def make_log(epochs=3):
    rng = np.random.default_rng(0)
    frames = []
    for e in range(epochs + 1):
        a = rng.normal(size=(6, 5))
        w = np.exp(a) / np.exp(a).sum(1, keepdims=True)
        frames.append(runlog.alpha_rows(e, "normal", nb201.EDGES, nb201.OPS, a, w))
    return pd.concat(frames, ignore_index=True)


def test_alpha_rows_schema_and_order(tmp_path):
    df = make_log(3)
    assert tuple(df.columns) == runlog.ALPHA_COLUMNS
    assert len(df) == 4 * 6 * 5
    runlog.write_table(df, tmp_path / "alphas.parquet")
    back = runlog.read_alphas(tmp_path / "alphas.parquet", nb201.OPS)
    pd.testing.assert_frame_equal(back, df)
    w = runlog.weight_tensor(back, 2, "normal", nb201.EDGES, nb201.OPS)
    np.testing.assert_allclose(w.sum(1), 1.0)


def test_missing_epoch_names_file_and_row(tmp_path):
    df = make_log(3)
    df = df[df.epoch != 2].reset_index(drop=True)
    runlog.write_table(df, tmp_path / "a.parquet")
    with pytest.raises(DartsCoreError, match=r"a.parquet: epoch 2 is missing \(row 60 jumps to epoch 3\)"):
        runlog.read_alphas(tmp_path / "a.parquet")


def test_nan_and_unknown_op_name_the_row(tmp_path):
    df = make_log(1)
    df.loc[37, "weight"] = np.nan
    runlog.write_table(df, tmp_path / "nan.csv")
    with pytest.raises(DartsCoreError, match="nan.csv: row 37 has a non-finite weight"):
        runlog.read_alphas(tmp_path / "nan.csv")
    df = make_log(1)
    df.loc[12, "op"] = "conv_7x7"
    runlog.write_table(df, tmp_path / "op.csv")
    with pytest.raises(DartsCoreError, match="op.csv: row 12 has unknown op 'conv_7x7'"):
        runlog.read_alphas(tmp_path / "op.csv", nb201.OPS)


def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old\n")

    def boom(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        runlog.atomic_write(target, boom)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]
