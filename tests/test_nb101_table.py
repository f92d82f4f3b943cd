"""The NAS-Bench-101 table end to end on a small synthetic file in the official format: build (streamed,
hashes recomputed), look-ups of pruned and relabelled specs, refusals, the CLI and the checked download."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest

from darts_core import cli
from darts_core.benchmark.nb101 import graph, source, synthetic, table, tfrecord
from darts_core.benchmark.nb101.metrics import ModelMetrics, encode_model_metrics
from darts_core.benchmark.nb101.record import Record, encode_row
from darts_core.data.files import file_digest
from darts_core.errors import DartsCoreError

C3, C1, MP = graph.ALLOWED_OPS
SPECS = synthetic.random_specs(40, seed=3)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """40 specs x 3 repeats at 108 epochs, plus 2 records of another budget that the table skips."""
    tmp = tmp_path_factory.mktemp("nb101")
    rows = [encode_row(r) for r in synthetic.records(SPECS)]
    rows[5:5] = [encode_row(r) for r in synthetic.records(SPECS[:2], repeats=1, epochs=36)]
    src = tfrecord.write_records(tmp / "synthetic.tfrecord", rows)
    digest = file_digest(src, "sha256")
    out = tmp / "nb101.parquet"
    summary = table.build_table(src, out, digest)
    return src, digest, out, summary


def test_summary_and_columns(built):
    src, digest, out, summary = built
    assert summary == {"format": 1, "source": "synthetic.tfrecord", "source_sha256": digest, "epochs": 108,
                       "records": 122, "skipped_other_epochs": 2, "rows": 120, "hashes": 40, "hashes_checked": True}
    tb = table.load_table(out)
    assert list(tb.columns) == list(table.COLUMNS) and len(tb) == 120
    assert tb.attrs["hashes"] == 40
    assert sorted(tb.groupby("module_hash", observed=True)["repeat"].apply(list).map(tuple).unique()) == [(0, 1, 2)]
    assert (tb["epochs"] == 108).all()
    assert str(tb["repeat"].dtype) == "int8" and str(tb["test_accuracy"].dtype) == "float64"


def test_lookup_values_by_hand(built):
    tb = table.load_table(built[2])
    matrix, ops = SPECS[7]
    found = table.lookup(tb, matrix, ops)
    n3 = sum(op == C3 for op in ops)
    assert found.module_hash == graph.spec_hash(matrix, ops) and found.ops == ops and found.matrix == matrix
    assert list(found.repeats["repeat"]) == [0, 1, 2]
    assert found.repeats["validation_accuracy"].tolist() == pytest.approx([0.5 + 0.1 * n3 + 0.01 * r for r in range(3)])
    assert found.mean["validation_accuracy"] == pytest.approx(0.5 + 0.1 * n3 + 0.01)
    assert found.mean["test_accuracy"] == pytest.approx(0.5 + 0.1 * n3 + 0.01 - 0.002)
    assert found.mean["training_time"] == pytest.approx(1081.0) and found.mean["repeats"] == 3
    row = found.repeats.iloc[0]
    assert row["matrix"] == "".join(str(x) for r in matrix for x in r) and row["ops"] == ",".join(ops)
    assert row["num_vertices"] == len(ops) and row["num_edges"] == graph.num_edges(matrix)


def test_lookup_prunes_and_relabels(built):
    """An isomorphic copy with its interior vertices reversed (a valid topological order) and an extra
    dead-end vertex finds the same rows."""
    tb = table.load_table(built[2])
    for matrix, ops in (s for s in SPECS if len(s[1]) == 6):
        n = len(ops)
        # a topological order other than the stored one: by decreasing depth to the output, ties reversed
        order = [0, *sorted(range(1, n - 1), key=lambda v: (-_depth_to_output(matrix, v), -v)), n - 1]
        rel = [[matrix[order[i]][order[j]] for j in range(n)] for i in range(n)]
        rel_ops = [ops[order[i]] for i in range(n)]
        if rel != matrix:
            break
    assert rel != matrix and all(rel[i][j] == 0 for i in range(n) for j in range(i + 1))
    big = [row[:-1] + [0] + row[-1:] for row in rel[:-1]] + [[0] * (n + 1)] + [[0] * (n + 1)]
    big[0][n - 1] = 1  # the new vertex n-1: fed by the input, feeds nothing
    big_ops = rel_ops[:-1] + [MP] + rel_ops[-1:]
    assert graph.prune(big, big_ops) == (rel, rel_ops)
    assert table.lookup(tb, big, big_ops).module_hash == table.lookup(tb, matrix, ops).module_hash


def _depth_to_output(matrix, v):
    n = len(matrix)
    succ = [w for w in range(n) if matrix[v][w]]
    return 0 if not succ else 1 + max(_depth_to_output(matrix, w) for w in succ)


def test_lookup_errors_are_one_line(built):
    tb = table.load_table(built[2])
    absent = next(s for s in synthetic.random_specs(200, seed=99) if graph.spec_hash(*s) not in tb.index)
    with pytest.raises(DartsCoreError, match="is not in the table") as err:
        table.lookup(tb, *absent)
    assert "\n" not in str(err.value)
    with pytest.raises(graph.InvalidSpec, match="not connected"):
        table.lookup(tb, [[0, 0], [0, 0]], ["input", "output"])
    many = table.lookup_many(tb, SPECS[:3])
    assert list(many.columns) == ["module_hash", *table.METRICS, "repeats"] and len(many) == 3


@pytest.mark.parametrize("order", ["file", "sorted"])
def test_build_streams_in_row_groups(tmp_path, monkeypatch, order):
    """Row groups of BATCH_ROWS rows (each with its own string dictionaries); look-ups work whether the
    file's records come in hash order (no sort at load) or not."""
    monkeypatch.setattr(table, "BATCH_ROWS", 16)
    specs = SPECS[:20] if order == "file" else sorted(SPECS[:20], key=lambda s: graph.spec_hash(*s))
    src = synthetic.write_file(tmp_path / "s.tfrecord", specs)
    out = tmp_path / "t.parquet"
    table.build_table(src, out, file_digest(src, "sha256"))
    meta = pq.read_metadata(out)
    assert meta.num_rows == 60 and meta.num_row_groups == 4  # 16 + 16 + 16 + 12
    tb = table.load_table(out)
    assert tb.index.is_monotonic_increasing
    for matrix, ops in specs:
        found = table.lookup(tb, matrix, ops)
        assert list(found.repeats["repeat"]) == [0, 1, 2]
        assert set(found.repeats["module_hash"]) == {graph.spec_hash(matrix, ops)}
        assert found.repeats["ops"].iloc[0] == ",".join(ops)


def rewrite(path, recs):
    return tfrecord.write_records(path, [encode_row(r) for r in recs])


def test_a_wrong_hash_is_refused_naming_the_record(tmp_path):
    recs = list(synthetic.records(SPECS[:3]))
    bad = recs[4]
    recs[3] = Record("0" * 32, bad.epochs, recs[3].adjacency, recs[3].operations, recs[3].metrics)
    src = rewrite(tmp_path / "w.tfrecord", recs)
    out = tmp_path / "w.parquet"
    offset = sum(16 + len(encode_row(r)) for r in recs[:3])
    with pytest.raises(DartsCoreError, match=f"byte offset {offset}: stored module_hash 0{{32}}, its spec hashes to"):
        table.build_table(src, out, "x")
    assert not out.exists()
    table.build_table(src, out, "x", check_hashes=False)  # the check can be skipped
    assert table.load_table(out).attrs["hashes_checked"] is False


def test_corrupt_file_keeps_the_previous_table(tmp_path, built):
    out = tmp_path / "keep.parquet"
    out.write_bytes(built[2].read_bytes())
    raw = bytearray(built[0].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "corrupt.tfrecord"
    bad.write_bytes(bytes(raw))
    with pytest.raises(DartsCoreError) as err:
        table.build_table(bad, out, "x")
    assert str(bad) in str(err.value) and "corrupt TFRecord at byte offset" in str(err.value)
    assert "\n" not in str(err.value)
    assert out.read_bytes() == built[2].read_bytes()


@pytest.mark.parametrize("metrics, problem", ids=["two-evaluations", "group"], argvalues=[
    (encode_model_metrics(ModelMetrics(evaluation_data=synthetic.metrics_for([C3], 0, 108).evaluation_data[:2],
                                       trainable_parameters=1)), "the final one (index 2) is missing"),
    (b"\x0b", "ModelMetrics protobuf is malformed"),
])
def test_bad_metrics_are_refused(tmp_path, metrics, problem):
    rec = next(synthetic.records(SPECS[:1]))
    src = rewrite(tmp_path / "m.tfrecord", [Record(rec.module_hash, 108, rec.adjacency, rec.operations, metrics)])
    with pytest.raises(DartsCoreError, match=f"byte offset 0: .*{re.escape(problem)}"):
        table.build_table(src, tmp_path / "m.parquet", "x")


def test_bad_rows_are_refused(tmp_path):
    src = tfrecord.write_records(tmp_path / "j.tfrecord", [b'["abc", 108, "0110", "input,output"]'])
    with pytest.raises(DartsCoreError, match="byte offset 0: not a NAS-Bench-101 row"):
        table.build_table(src, tmp_path / "j.parquet", "x")
    src = tfrecord.write_records(tmp_path / "k.tfrecord", [b'["abc", 108, "011", "input,output", ""]'])
    with pytest.raises(DartsCoreError, match="not a square 0/1 matrix"):
        table.build_table(src, tmp_path / "k.parquet", "x")


def test_not_a_table(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"nope")
    with pytest.raises(DartsCoreError, match="not a readable Parquet file"):
        table.load_table(tmp_path / "x.parquet")
    with pytest.raises(DartsCoreError, match="does not exist"):
        table.load_table(tmp_path / "y.parquet")


def test_cli_build_then_lookup(built, tmp_path, capsys):
    src, digest, _, _ = built
    out = tmp_path / "cli.parquet"
    assert cli.main(["nb101-table", "--tfrecord", str(src), "--out", str(out), "--sha256", digest]) == 0
    assert "40 specs, 120 rows from 122 records (2 of other budgets skipped)" in capsys.readouterr().out
    assert cli.main(["nb101-table", "--tfrecord", str(src), "--out", str(out), "--sha256", digest]) == 0
    assert "already built from this file" in capsys.readouterr().out
    matrix, ops = SPECS[0]
    flat = "".join(str(x) for r in matrix for x in r)
    assert cli.main(["nb101-lookup", "--table", str(out), "--matrix", flat, "--ops", ",".join(ops), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["module_hash"] == graph.spec_hash(matrix, ops) and len(shown["repeats"]) == 3
    assert cli.main(["nb101-lookup", "--table", str(out), "--matrix", json.dumps(matrix), "--ops", ",".join(ops)]) == 0
    assert "mean" in capsys.readouterr().out


def test_cli_refuses_the_wrong_digest_in_one_line(built, tmp_path, capsys):
    src = built[0]
    assert cli.main(["nb101-table", "--tfrecord", str(src), "--out", str(tmp_path / "o.parquet")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(src) in lines[0] and source.SHA256 in lines[0]  # the published digest
    assert not (tmp_path / "o.parquet").exists()


def test_download_checks_the_digest(built, tmp_path):
    src, digest = built[0], built[1]
    url = src.resolve().as_uri()  # a file:// URL: the same urllib path as the official https URL
    dest = tmp_path / "dl" / source.FILE_NAME
    with pytest.raises(DartsCoreError, match="not found .*sha256 4c39c393"):
        source.ensure(dest)  # absent and no download allowed: names the official URL and digest
    with pytest.raises(DartsCoreError, match="expected 4c39c393"):
        source.ensure(dest, allow_download=True, url=url)  # not the official file
    assert not dest.exists() and not dest.with_name(dest.name + ".part").exists()
    assert source.ensure(dest, digest, allow_download=True, url=url) == digest
    assert dest.read_bytes() == src.read_bytes()
    with pytest.raises(DartsCoreError, match="not 64 hex digits"):
        source.verify(dest, "abc")


def test_lookups_import_neither_torch_nor_the_crc_package():
    """The look-ups run in a torch-free env without google-crc32c; only building the table needs it."""
    import subprocess
    import sys

    code = ("import sys; import darts_core.benchmark.nb101.table, darts_core.benchmark.nb101.graph, "
            "darts_core.benchmark.nb101.cli; print('torch' in sys.modules, 'google_crc32c' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]
