"""Load time and memory of the compact NB201 table (Parquet) against reading the CSV source.

    python benchmarks/bench_table_load.py [--csv-dir ../shared/data/nb201] [--table T.parquet] [--repeats 5]

Each measurement runs in a fresh interpreter, after importing pandas/pyarrow and reading a tiny Parquet
and CSV file (so library import and set-up are excluded): wall time of the load, peak-RSS growth during it (VmHWM after resetting it through
/proc/self/clear_refs; Linux), resident growth that stays with the result, and the result's
`memory_usage(deep=True)`. Reported: median time over the repeats, max of the memory figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import gc, json, sys, time
import pandas as pd, pyarrow.parquet  # noqa: F401  (imported before the clock starts)
from darts_core.benchmark import table as T


def status(key):  # kB from /proc/self/status (Linux)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])


kind, arg = sys.argv[1], sys.argv[2]
# warm both readers on tiny inputs so one-time library set-up (arrow allocator, parsers) is not counted
pd.read_parquet(sys.argv[3])
pd.read_csv(sys.argv[4])
gc.collect()
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak-RSS high-water mark (VmHWM) to the current RSS
rss0 = status("VmRSS")
t0 = time.perf_counter()
if kind == "parquet":
    df = T.load_table(arg)
elif kind == "csv-build":
    df = T.build_from_csv(arg)
else:  # raw read of both CSV files, no checks
    df = pd.concat([pd.read_csv(f"{arg}/{T.CSV_TEST}"), pd.read_csv(f"{arg}/{T.CSV_VALID}")], axis=1)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_rss_mb": (status("VmHWM") - rss0) / 1024,
                  "kept_rss_mb": (status("VmRSS") - rss0) / 1024,
                  "frame_mb": df.memory_usage(deep=True).sum() / 2**20, "rows": len(df)}))
"""


def probe(kind: str, arg: str, repeats: int, warm: tuple[str, str]) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE, kind, arg, *warm], check=True, capture_output=True,
                                      text=True, env=env).stdout) for _ in range(repeats)]
    return {"seconds": statistics.median(r["seconds"] for r in runs), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "kept_rss_mb": max(r["kept_rss_mb"] for r in runs),
            "frame_mb": runs[0]["frame_mb"], "rows": runs[0]["rows"]}


def main(argv: list[str] | None = None) -> int:
    shared = Path(os.environ.get("DARTS_SHARED_DATA", REPO.parent / "shared" / "data")) / "nb201"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-dir", default=str(shared))
    parser.add_argument("--table", help="an existing compact table; default: build one from --csv-dir in a temp dir")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from darts_core.benchmark.table import CSV_TEST, CSV_VALID, build_from_csv, save_table

    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        table = args.table or str(save_table(build_from_csv(args.csv_dir), Path(tmp) / "nb201.parquet"))
        warm = (str(Path(tmp) / "warm.parquet"), str(Path(tmp) / "warm.csv"))
        pd.DataFrame({"a": ["x"], "b": [1.0]}).to_parquet(warm[0], compression="zstd")
        pd.DataFrame({"a": ["x"], "b": [1.0]}).to_csv(warm[1], index=False)
        csv_bytes = sum((Path(args.csv_dir) / f).stat().st_size for f in (CSV_TEST, CSV_VALID))
        rows = [
            ("compact table: load_table(parquet)", Path(table).stat().st_size, probe("parquet", table, args.repeats, warm)),
            ("CSV source: build_from_csv (checked)", csv_bytes, probe("csv-build", args.csv_dir, args.repeats, warm)),
            ("CSV source: raw pd.read_csv x2", csv_bytes, probe("csv-raw", args.csv_dir, args.repeats, warm)),
        ]
    print(f"{'source':<40} {'file MB':>8} {'load s':>8} {'peak RSS +MB':>13} {'kept RSS +MB':>13} {'frame MB':>9} {'rows':>7}")
    for name, size, r in rows:
        print(f"{name:<40} {size / 2**20:>8.2f} {r['seconds']:>8.3f} {r['peak_rss_mb']:>13.1f} {r['kept_rss_mb']:>13.1f}"
              f" {r['frame_mb']:>9.1f} {r['rows']:>7}")
    print(f"(median of {args.repeats} fresh-interpreter runs; python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
