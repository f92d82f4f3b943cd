"""Build speed of the NAS-Bench-101 table on a synthetic file in the official format, and load / look-up time
of a table of the official size.

    python benchmarks/bench_nb101_table.py [--specs 2000] [--repeats 3] [--full-size]

1. A TFRecord of `--specs` random specs x `--repeats` records (darts_core.benchmark.nb101.synthetic) is
   streamed into Parquet twice, with and without recomputing each hash (the default build checks them);
   printed: rows/s and the time that rate gives for the official 1,270,872 rows (423,624 hashes x 3).
2. `--full-size`: a Parquet table of 1,270,872 rows (made-up hashes, specs from the synthetic pool) is
   written directly, then loaded with `table.load_table` (wall time, resident growth) and looked up.
Wall times of this process; on a shared machine they vary with its load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from darts_core.benchmark.nb101 import synthetic, table  # noqa: E402

OFFICIAL_HASHES, OFFICIAL_ROWS = 423_624, 1_270_872


def rss_mb(key: str = "VmRSS") -> float:
    """MB from /proc/self/status (Linux): VmRSS now, or VmHWM the peak since `reset_peak`."""
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM back to the current RSS


def bench_build(tmp: Path, specs, repeats: int) -> dict:
    src = synthetic.write_file(tmp / "synthetic.tfrecord", specs, repeats=repeats)
    out = {"records": len(specs) * repeats, "file_mb": src.stat().st_size / 2**20}
    for check in (True, False):
        reset_peak()
        rss0 = rss_mb()
        t0 = time.perf_counter()
        summary = table.build_table(src, tmp / "t.parquet", "synthetic", check_hashes=check)
        seconds = time.perf_counter() - t0
        rate = summary["rows"] / seconds
        out[f"check_hashes={check}"] = {"seconds": round(seconds, 2), "rows_per_s": round(rate),
                                        "official_file_s": round(OFFICIAL_ROWS / rate),
                                        "peak_rss_growth_mb": round(rss_mb("VmHWM") - rss0, 1)}
    return out


def bench_full_size(tmp: Path, specs) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from darts_core.benchmark.nb101 import graph

    pool = [("".join(str(x) for r in m for x in r), ",".join(o), len(o), graph.num_edges(m)) for m, o in specs]
    fake = [hashlib.md5(str(i).encode()).hexdigest() for i in range(OFFICIAL_HASHES - len(specs))]
    keyed = [(h, pool[i % len(pool)]) for i, h in enumerate(fake)]
    keyed += [(graph.spec_hash(m, o), spec) for (m, o), spec in zip(specs, pool)]  # the ones looked up
    rows = [(h, r, 108, mat, ops, nv, ne, 1000, 1000.0 + r, 1.0, 0.9, 0.89)
            for h, (mat, ops, nv, ne) in keyed for r in range(3)]
    schema = table._arrow_schema()
    path = tmp / "full.parquet"
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, len(rows), table.BATCH_ROWS):
            writer.write_table(table._to_arrow(rows[start:start + table.BATCH_ROWS], schema))
        writer.add_key_value_metadata({table.META_KEY: json.dumps({"format": table.FORMAT, "epochs": 108}).encode()})
    del rows
    reset_peak()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    tb = table.load_table(path)
    load_s = time.perf_counter() - t0
    peak = rss_mb("VmHWM") - rss0
    t0 = time.perf_counter()
    for m, o in specs[:200]:
        table.lookup(tb, m, o)
    lookup_ms = (time.perf_counter() - t0) / min(200, len(specs)) * 1e3
    return {"rows": len(tb), "parquet_mb": round(path.stat().st_size / 2**20, 1), "load_s": round(load_s, 2),
            "peak_rss_growth_mb": round(peak), "kept_rss_growth_mb": round(rss_mb() - rss0),
            "frame_mb": round(tb.memory_usage(deep=True).sum() / 2**20), "lookup_ms": round(lookup_ms, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-size", action="store_true")
    args = parser.parse_args()
    specs = synthetic.random_specs(args.specs, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        result = {"build": bench_build(Path(tmp), specs, args.repeats)}
        if args.full_size:
            result["full_size"] = bench_full_size(Path(tmp), specs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
