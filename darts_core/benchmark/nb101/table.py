"""The compact NAS-Bench-101 table (Parquet), built by streaming the official TFRecord, and its look-ups.

Columns, one row per (module_hash, repeat) of the records trained for `epochs` (108) epochs:
- `module_hash` (str): the record's hash, the key `graph.spec_hash` computes for a spec.
- `repeat` (int8): 0, 1, 2: the order of that hash's records in the file (api.py keeps them as
  computed_statistics[hash][epochs][repeat], and `query` samples one of them).
- `epochs` (int16): the training budget of the record (108).
- `matrix` (str): the stored (pruned) adjacency, row-major '0'/'1' string of num_vertices^2 characters.
- `ops` (str): the stored op labels joined by ',' (input first, output last).
- `num_vertices`, `num_edges` (int8): of that matrix.
- `trainable_parameters` (int64).
- `training_time` (float64): seconds of training at the final evaluation (api.py `final_training_time`).
- `train_accuracy`, `validation_accuracy`, `test_accuracy` (float64): the final evaluation
  (evaluation_data[2], api.py `final_*`), as fractions in [0, 1] exactly as the file stores them.
The Parquet metadata key `nb101` (JSON) records the source file's name and sha256, the epochs kept, the
counts of records read and skipped, and whether every hash was recomputed from its spec.

Memory: records are read one at a time and written in row groups of `BATCH_ROWS`; what is held is one
batch plus the set of hashes seen (the official file: 423,624 hashes x 3 repeats = 1,270,872 rows).
Speed (benchmarks/bench_nb101_table.py, 15,000 synthetic records, 2 shared CPU cores at load ~11):
~5,300 rows/s with every hash recomputed (~4 min for the official file), ~19,500 rows/s without
(--no-check-hashes); loading a table of the official size takes ~6 s and ~400 MB at peak, a look-up ~2 ms.

Look-up: `lookup(table, matrix, ops)` prunes and checks the spec (graph.canonical), hashes it and returns
the repeats and their mean. A malformed or out-of-space spec raises graph.InvalidSpec, a valid spec absent
from the table a DartsCoreError: both one line naming the spec (no NaN rows are made up).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from darts_core.benchmark.nb101 import graph
from darts_core.benchmark.nb101.metrics import FINAL, decode_model_metrics
from darts_core.benchmark.nb101.record import parse_record
from darts_core.errors import DartsCoreError
from darts_core.runlog import atomic_write

FORMAT = 1
BATCH_ROWS = 1 << 16
METRICS = ("training_time", "train_accuracy", "validation_accuracy", "test_accuracy")
SCHEMA = (("module_hash", "string"), ("repeat", "int8"), ("epochs", "int16"), ("matrix", "string"),
          ("ops", "string"), ("num_vertices", "int8"), ("num_edges", "int8"),
          ("trainable_parameters", "int64"), *((m, "float64") for m in METRICS))
COLUMNS = tuple(name for name, _ in SCHEMA)
META_KEY = b"nb101"


def _arrow_schema():
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in SCHEMA])


def _row(rec, repeat: int, where: str) -> tuple:
    try:
        m = decode_model_metrics(rec.metrics, evaluations=(FINAL,))
    except DartsCoreError as err:
        raise DartsCoreError(f"{where}: its ModelMetrics protobuf is malformed ({err})") from None
    if len(m.evaluation_data) <= FINAL:
        raise DartsCoreError(f"{where}: {len(m.evaluation_data)} evaluations, the final one (index {FINAL}) is missing")
    final = m.evaluation_data[FINAL]
    values = [getattr(final, name) for name in METRICS]
    if m.trainable_parameters is None or any(v is None for v in values):
        raise DartsCoreError(f"{where}: the final evaluation lacks a metric or the parameter count")
    return (rec.module_hash, repeat, rec.epochs, rec.adjacency, rec.operations, rec.num_vertices,
            rec.adjacency.count("1"), m.trainable_parameters, *values)


def build_table(tfrecord_path: str | os.PathLike, out: str | os.PathLike, sha256: str, epochs: int = 108,
                check_hashes: bool = True) -> dict:
    """Stream the (already verified) TFRecord into the Parquet table `out`, atomically; returns the summary.

    `check_hashes`: recompute every hash from its spec (graph.spec_hash) and refuse the file on the first
    disagreement, so a look-up cannot miss a spec the file holds."""
    import pyarrow.parquet as pq

    from darts_core.benchmark.nb101 import tfrecord  # here: look-ups need no CRC32C package (google-crc32c)

    src, out = Path(tfrecord_path), Path(out)
    if out.suffix != ".parquet":
        raise DartsCoreError(f"{out}: the NAS-Bench-101 table is a .parquet file")
    schema = _arrow_schema()
    summary = {"format": FORMAT, "source": src.name, "source_sha256": sha256, "epochs": epochs,
               "records": 0, "skipped_other_epochs": 0, "rows": 0, "hashes": 0, "hashes_checked": check_hashes}

    def write(tmp):
        repeats: dict[str, int] = {}
        batch: list[tuple] = []
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for offset, data in tfrecord.read_records(src):
                where = f"{src}: record at byte offset {offset}"
                summary["records"] += 1
                try:
                    rec = parse_record(data)
                except DartsCoreError as err:
                    raise DartsCoreError(f"{where}: {err}") from None
                if rec.epochs != epochs:
                    summary["skipped_other_epochs"] += 1
                    continue
                repeat = repeats.get(rec.module_hash)
                if repeat is None and check_hashes:
                    _check_hash(rec, where)
                repeats[rec.module_hash] = repeat = 0 if repeat is None else repeat + 1
                batch.append(_row(rec, repeat, where))
                if len(batch) >= BATCH_ROWS:
                    writer.write_table(_to_arrow(batch, schema))
                    batch.clear()
            if batch:
                writer.write_table(_to_arrow(batch, schema))
            summary["rows"] = sum(n + 1 for n in repeats.values())
            summary["hashes"] = len(repeats)
            if not repeats:
                raise DartsCoreError(f"{src}: no record trained for {epochs} epochs")
            writer.add_key_value_metadata({META_KEY: json.dumps(summary).encode()})

    atomic_write(out, write)
    return summary


def _check_hash(rec, where: str) -> None:
    try:
        got = graph.spec_hash(rec.matrix, rec.ops)
    except graph.InvalidSpec as err:
        raise DartsCoreError(f"{where}: its spec is not a valid NAS-Bench-101 spec ({err})") from None
    if got != rec.module_hash:
        raise DartsCoreError(f"{where}: stored module_hash {rec.module_hash}, its spec hashes to {got}")


def _to_arrow(rows: list[tuple], schema):
    import pyarrow as pa

    columns = list(zip(*rows))
    return pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(columns, schema)], schema=schema)


def read_summary(path: str | os.PathLike) -> dict:
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path).metadata or {}  # the footer key-value pairs add_key_value_metadata wrote
    if META_KEY not in meta:
        raise DartsCoreError(f"{path}: not a NAS-Bench-101 table (no '{META_KEY.decode()}' metadata)")
    return json.loads(meta[META_KEY])


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """The table indexed by module_hash (sorted), its summary in `attrs`; DartsCoreError names the file."""
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"NAS-Bench-101 table {path} does not exist (build it: python -m darts_core nb101-table)")
    import pyarrow.parquet as pq

    try:
        summary = read_summary(path)
        names = pq.read_schema(path).names
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise DartsCoreError(f"NAS-Bench-101 table {path}: missing column(s) {', '.join(missing)}")
        arrow = pq.read_table(path, read_dictionary=["matrix", "ops"])  # the hashes stay plain, to sort them
    except DartsCoreError:
        raise
    except Exception as err:  # pyarrow raises several types for a non-Parquet file
        raise DartsCoreError(f"NAS-Bench-101 table {path} is not a readable Parquet file: {err}") from None
    if summary.get("format") != FORMAT:
        raise DartsCoreError(f"NAS-Bench-101 table {path} has format {summary.get('format')}, this code reads "
                             f"{FORMAT}: rebuild it")
    table = _sorted_frame(arrow)
    table.attrs.update(summary)
    return table


def _sorted_frame(arrow) -> pd.DataFrame:
    """Rows sorted by (module_hash, repeat) (in Arrow, skipped when the file is already in that order), the
    strings as categoricals (the repeats of a hash share one value) and a sorted CategoricalIndex of the
    hashes, so that a look-up is a binary search."""
    import pyarrow.compute as pc

    keys = arrow["module_hash"].combine_chunks()
    repeat = arrow["repeat"].combine_chunks()
    if len(keys) > 1:
        same = pc.equal(keys[1:], keys[:-1])
        ordered = pc.or_(pc.greater(keys[1:], keys[:-1]), pc.and_(same, pc.greater(repeat[1:], repeat[:-1])))
        if not pc.all(ordered).as_py():
            arrow = arrow.sort_by([("module_hash", "ascending"), ("repeat", "ascending")])
    i = arrow.schema.get_field_index("module_hash")
    arrow = arrow.set_column(i, "module_hash", arrow["module_hash"].combine_chunks().dictionary_encode())
    frame = arrow.to_pandas(split_blocks=True, self_destruct=True)  # frees Arrow buffers as it converts
    del arrow
    frame.index = pd.CategoricalIndex(frame["module_hash"], name="hash")
    return frame


@dataclass
class Lookup:
    module_hash: str
    matrix: list[list[int]]  # the pruned spec that was hashed
    ops: list[str]
    repeats: pd.DataFrame  # the table's rows of this hash, one per repeat
    mean: dict[str, float]  # METRICS averaged over the repeats, and `repeats` (their number)


def lookup(table: pd.DataFrame, matrix, ops) -> Lookup:
    """Prune, check and hash the spec, then its rows (see the module docstring for the errors)."""
    pm, pops = graph.canonical(matrix, ops)
    key = graph.hash_module(pm, graph.labeling(pops))
    try:
        where = table.index.get_loc(key)  # a slice on the sorted index of load_table
    except KeyError:
        raise DartsCoreError(f"NAS-Bench-101 spec {pm} {pops} (hash {key}) is not in the table "
                             f"({table.attrs.get('source', '?')}, {table.attrs.get('epochs', '?')} epochs)") from None
    rows = table.iloc[[where] if isinstance(where, int) else where]
    rows = rows.sort_values("repeat").reset_index(drop=True)
    mean = {name: float(rows[name].mean()) for name in METRICS}
    mean["repeats"] = len(rows)
    return Lookup(key, pm, pops, rows, mean)


def lookup_many(table: pd.DataFrame, specs) -> pd.DataFrame:
    """One row per (matrix, ops): module_hash, the mean of each metric over the repeats, and `repeats`."""
    rows = []
    for matrix, ops in specs:
        found = lookup(table, matrix, ops)
        rows.append({"module_hash": found.module_hash, **found.mean})
    return pd.DataFrame(rows, columns=["module_hash", *METRICS, "repeats"])
