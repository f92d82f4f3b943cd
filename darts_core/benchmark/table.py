"""The compact NAS-Bench-201 table: one Parquet file, long format, built once from whatever source exists.

Columns (one row per architecture index x dataset x metric):
- `index` (int32): NAS-Bench-201 index, see `nb201_index`.
- `arch` (str): the arch string of that index.
- `dataset` (str): `cifar10`, `cifar100`, `ImageNet16-120`.
- `metric` (str): `valid` or `test`, the paper's convention (NB201 `remap_dataset_set_names` in
  nas_201_api/api_utils.py): CIFAR-10 valid = `cifar10-valid` x-valid (trained on 25k), CIFAR-10 test =
  `cifar10` ori-test (trained on train+valid); CIFAR-100 / ImageNet16-120 valid = x-valid, test = x-test.
- `accuracy` (float64): top-1 in percent after 200 epochs (hp='200'), mean over the seeds.

Every architecture in the source has all 6 (dataset, metric) rows; a metric the source lacks is a row with
accuracy NaN (never invented). `table.attrs` (kept in the Parquet metadata) holds `source`, `missing` (a note
naming the NaN metrics) and, for a .pth source, its file name and sha256. Sources: `build_from_csv` (the
public extracts, see ../shared/data/nb201/README.md: no CIFAR-100 / ImageNet16-120 validation) and
`build_from_pth` (the official file, everything; see `pth_source`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.benchmark.nb201_index import NUM_ARCHS, all_archs, index_to_arch
from darts_core.errors import DartsCoreError
from darts_core.runlog import atomic_write

DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
METRICS: tuple[str, ...] = ("valid", "test")
COLUMNS: tuple[str, ...] = ("index", "arch", "dataset", "metric", "accuracy")
# wide column names used by lookup and reference rows, e.g. `cifar10_valid`, `ImageNet16-120_test`
METRIC_COLUMNS: tuple[str, ...] = tuple(f"{d}_{m}" for d in DATASETS for m in METRICS)
# NB201's ResNet cell written in the 6-edge space (xautodl genotypes.py ResNet_CODE), index 11472
RESNET_ARCH = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"

# the public CSV extracts (../shared/data/nb201/README.md): file -> {column: (dataset, metric)}
CSV_TEST = "nats_bench_tss_test200.csv"
CSV_VALID = "nats_tss_cifar10-valid_avg.csv"
CSV_COLUMNS = {
    CSV_TEST: ("ArchitectureString", {
        "CIFAR10TestAccuracy200Epochs": ("cifar10", "test"),  # cifar10 ori-test
        "CIFAR100TestAccuracy200Epochs": ("cifar100", "test"),  # x-test
        "ImageNetTestAccuracy200Epochs": ("ImageNet16-120", "test"),  # x-test
    }),
    CSV_VALID: ("arch_str", {"valid-accuracy": ("cifar10", "valid")}),  # cifar10-valid x-valid
}


def long_table(accuracy: dict[tuple[str, str], np.ndarray], indexes: np.ndarray, archs: list[str]) -> pd.DataFrame:
    """Long table from per-(dataset, metric) arrays aligned with `indexes`; absent keys become NaN rows."""
    n = len(indexes)
    parts = []
    for dataset in DATASETS:
        for metric in METRICS:
            values = accuracy.get((dataset, metric))
            parts.append(pd.DataFrame({
                "index": np.asarray(indexes, dtype=np.int32),
                "arch": archs,
                "dataset": dataset,
                "metric": metric,
                "accuracy": np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64),
            }))
    table = pd.concat(parts, ignore_index=True).sort_values(["index", "dataset", "metric"], kind="stable")
    table = table.reset_index(drop=True)
    missing = sorted({f"{d}_{m}" for d in DATASETS for m in METRICS} - {f"{d}_{m}" for d, m in accuracy})
    table.attrs["missing"] = (", ".join(missing) + ": not in the source, NaN") if missing else ""
    return table


def build_from_csv(csv_dir: str | os.PathLike) -> pd.DataFrame:
    """Compact table from the public CSV extracts; checks that row i is index i in each file.

    Either file alone is accepted (the other's metrics come out NaN); CIFAR-100 and ImageNet16-120
    validation are never in these files and are always NaN.
    """
    csv_dir = Path(csv_dir)
    found = [name for name in CSV_COLUMNS if (csv_dir / name).is_file()]
    if not found:
        raise DartsCoreError(f"{csv_dir}: neither {CSV_TEST} nor {CSV_VALID} found (see ../shared/data/nb201/README.md)")
    archs = all_archs()
    accuracy: dict[tuple[str, str], np.ndarray] = {}
    for name in found:
        arch_col, columns = CSV_COLUMNS[name]
        try:  # the header first: pandas' usecols error names neither the file nor a fix
            header = pd.read_csv(csv_dir / name, nrows=0).columns
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise DartsCoreError(f"{csv_dir / name} is not a readable CSV ({type(err).__name__})") from None
        missing = [c for c in (arch_col, *columns) if c not in header]
        if missing:
            raise DartsCoreError(f"{csv_dir / name}: missing column(s) {', '.join(missing)} "
                                 "(see ../shared/data/nb201/README.md)")
        df = pd.read_csv(csv_dir / name, usecols=[arch_col, *columns])
        if len(df) != NUM_ARCHS:
            raise DartsCoreError(f"{csv_dir / name}: {len(df)} rows, expected {NUM_ARCHS} (one per NB201 index)")
        wrong = np.flatnonzero(df[arch_col].to_numpy() != np.asarray(archs, dtype=object))
        if len(wrong):
            raise DartsCoreError(f"{csv_dir / name}: row {wrong[0]} holds {df[arch_col].iloc[wrong[0]]!r}, "
                                 f"but NB201 index {wrong[0]} is {archs[wrong[0]]!r}")
        for col, key in columns.items():
            accuracy[key] = df[col].to_numpy(dtype=np.float64)
    table = long_table(accuracy, np.arange(NUM_ARCHS), archs)
    table.attrs["source"] = "csv: " + ", ".join(found)
    return table


def build_from_pth(path: str | os.PathLike, sha256: str | None = None, trust_unverified: bool = False) -> pd.DataFrame:
    """Compact table from the official NAS-Bench-201-v1_{0,1}-*.pth, read with the nas-bench-201 package.

    Needs as much RAM as the file takes to unpickle (~28 GB for v1_1): run it once and keep the Parquet.
    """
    from darts_core.benchmark.pth_source import read_pth

    return read_pth(path, sha256, trust_unverified)


def save_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the table to Parquet atomically; `table.attrs` travel in the file's metadata."""
    path = Path(path)
    if path.suffix != ".parquet":
        raise DartsCoreError(f"{path}: the compact table is a .parquet file")
    return atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False, compression="zstd"))


def open_table(path: str | os.PathLike) -> pd.DataFrame:
    """What a command's `--table` names: a compact table (.parquet) or a folder of the CSV extracts (built
    in memory), the same for every command (lookup, stops, tabular)."""
    return build_from_csv(path) if Path(path).is_dir() else load_table(path)


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a compact table and check its columns; DartsCoreError names the file on a problem."""
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"benchmark table {path} does not exist (build it: python -m darts_core benchmark-table)")
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise DartsCoreError(f"benchmark table {path}: missing column(s) {', '.join(missing)}")
        # read the string columns as dictionaries, then expand: plain object columns whose rows share
        # one str per distinct value (a third less resident memory than one str per row)
        arrow = pq.read_table(path, read_dictionary=[c for c in ("arch", "dataset", "metric") if c in names])
    except DartsCoreError:
        raise
    except Exception as err:  # pyarrow raises several types for a non-Parquet file
        raise DartsCoreError(f"benchmark table {path} is not a readable Parquet file: {err}") from None
    table = arrow.to_pandas()
    for col in ("arch", "dataset", "metric"):
        table[col] = table[col].astype(object)
    _check_version(table, path)
    _check_values(table, path)
    return table


def _check_values(table: pd.DataFrame, path: Path) -> None:
    """Values, not only columns: rows at all, indexes of the space, accuracies in percent, and one row per
    (index, dataset, metric) (a look-up takes the first of repeated rows: a forged one would win)."""
    if table.empty:
        raise DartsCoreError(f"benchmark table {path}: no rows; rebuild it (python -m darts_core benchmark-table)")
    if not pd.api.types.is_integer_dtype(table["index"]):
        raise DartsCoreError(f"benchmark table {path}: column index holds {table['index'].dtype} values, expected integers")
    bad = np.flatnonzero(((table["index"] < 0) | (table["index"] >= NUM_ARCHS)).to_numpy())
    if len(bad):
        raise DartsCoreError(f"benchmark table {path}: row {bad[0]} has index {table['index'].iloc[bad[0]]}, "
                             f"outside 0..{NUM_ARCHS - 1}")
    if not pd.api.types.is_numeric_dtype(table["accuracy"]) or pd.api.types.is_bool_dtype(table["accuracy"]):
        raise DartsCoreError(f"benchmark table {path}: column accuracy holds {table['accuracy'].dtype} values, "
                             "expected numbers")
    acc = table["accuracy"].to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isnan(acc) & ((acc < 0) | (acc > 100)))
    if len(bad):
        row = table.iloc[bad[0]]
        raise DartsCoreError(f"benchmark table {path}: row {bad[0]} (index {row['index']}, {row['dataset']} "
                             f"{row['metric']}) has accuracy {acc[bad[0]]:g}, not a percentage in 0..100")
    dup = np.flatnonzero(table.duplicated(["index", "dataset", "metric"]).to_numpy())
    if len(dup):
        row = table.iloc[dup[0]]
        raise DartsCoreError(f"benchmark table {path}: row {dup[0]} repeats (index {row['index']}, {row['dataset']}, "
                             f"{row['metric']}); one row each expected, rebuild it")


def _check_version(table: pd.DataFrame, path: Path) -> None:
    """A table written by another version (other dataset/metric names, another index order) has the right
    columns but would look up nothing, or the wrong rows, without an error."""
    for col, allowed in (("dataset", DATASETS), ("metric", METRICS)):
        other = sorted(set(map(str, table[col].unique())) - set(allowed))
        if other:
            raise DartsCoreError(f"benchmark table {path}: {col} value(s) {', '.join(map(repr, other))} are not "
                                 f"{', '.join(allowed)}; rebuild it with this version (python -m darts_core "
                                 "benchmark-table)")
    firsts = table.drop_duplicates("index")
    sample = firsts.iloc[np.linspace(0, len(firsts) - 1, min(len(firsts), 25)).astype(int)] if len(firsts) else firsts
    for index, arch in zip(sample["index"], sample["arch"]):
        if arch != index_to_arch(index):
            raise DartsCoreError(f"benchmark table {path}: index {index} holds {arch!r}, but NB201 index {index} is "
                                 f"{index_to_arch(index)!r}; rebuild it with this version (python -m darts_core "
                                 "benchmark-table)")


def reference_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The paper's reference rows, computed from the table: `optimal` and `ResNet`.

    Columns `row, arch, index` + METRIC_COLUMNS. `optimal` is the best of each metric over the table (each
    from its own architecture: `arch`/`index` empty, see `optimal_indexes`). `ResNet` is NB201's ResNet
    cell (xautodl genotypes.py `ResNet_CODE`: node 3 = skip(0) + skip(2), i.e. index 11472). Its table
    values (C10 test 93.91) differ by up to 0.6 points from the paper's ResNet row (93.97), which copies
    the NAS-Bench-201 paper: that ResNet was trained separately (main.py `train_single_model`).
    A metric the table lacks stays NaN.
    """
    from darts_core.benchmark.lookup import lookup_archs, wide_table

    wide = wide_table(table)
    optimal = {"row": "optimal", "arch": None, "index": pd.NA, **{c: wide[c].max() for c in METRIC_COLUMNS}}
    resnet = lookup_archs([RESNET_ARCH], table).iloc[0].to_dict()
    rows = pd.DataFrame([optimal, {"row": "ResNet", **resnet}], columns=["row", "arch", "index", *METRIC_COLUMNS])
    rows["index"] = rows["index"].astype("Int64")
    rows.attrs = {"missing": table.attrs.get("missing", ""), "optimal_index": optimal_indexes(table)}
    return rows


def optimal_indexes(table: pd.DataFrame) -> dict[str, int | None]:
    """Metric column -> index of the best architecture (first on ties); None where the metric is all NaN."""
    from darts_core.benchmark.lookup import wide_table

    wide = wide_table(table)
    return {c: None if wide[c].isna().all() else int(wide[c].idxmax()) for c in METRIC_COLUMNS}
