"""Subcommands `nb101-table` and `nb101-lookup` (registered by darts_core.cli).

    python -m darts_core nb101-table --tfrecord data/nasbench_only108.tfrecord --out results/nb101.parquet [--download]
    python -m darts_core nb101-lookup --table results/nb101.parquet \\
        --matrix 0111010000000100000010000100000000100000010000000 \\
        --ops input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output [--json]
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from darts_core.benchmark.nb101 import source, table
from darts_core.errors import DartsCoreError


def register(subparsers) -> None:
    b = subparsers.add_parser("nb101-table", help="build the compact NAS-Bench-101 table (Parquet) from the tfrecord",
                              description="Stream the official nasbench_only108.tfrecord (no TensorFlow) into a "
                                          "Parquet table, one row per (module hash, repeat).")
    b.add_argument("--tfrecord", required=True, help=f"the official {source.FILE_NAME} ({source.SIZE_NOTE})")
    b.add_argument("--out", required=True, help="output .parquet")
    b.add_argument("--sha256", help="pin another file's sha256 (default: the published digest of the official file)")
    b.add_argument("--download", action="store_true", help=f"download the file from {source.URL} if it is absent")
    b.add_argument("--epochs", type=int, default=108, help="keep the records of this budget (default 108)")
    b.add_argument("--no-check-hashes", action="store_true",
                   help="do not recompute each module hash from its spec (faster; the check is on by default)")
    b.add_argument("--force", action="store_true", help="rebuild even if --out was built from the same file")
    b.set_defaults(func=run_table)

    q = subparsers.add_parser("nb101-lookup", help="NAS-Bench-101 accuracies of a cell spec (pruned and hashed)",
                              description="Prune the spec as the official ModelSpec, hash it, print its repeats "
                                          "and their mean.")
    q.add_argument("--table", required=True, help="the table from `nb101-table`")
    q.add_argument("--matrix", required=True,
                   help="adjacency as a row-major 0/1 string (as the tfrecord stores it) or a JSON list of lists")
    q.add_argument("--ops", required=True, help="op labels joined by ',' (input first, output last)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=run_lookup)


def parse_matrix(text: str) -> list[list[int]]:
    text = text.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise DartsCoreError(f"--matrix {text!r} is not a JSON list of lists ({err})") from None
    n = math.isqrt(len(text))
    if n * n != len(text) or set(text) - {"0", "1"}:
        raise DartsCoreError(f"--matrix {text!r} is not a row-major 0/1 string of a square matrix")
    return [[int(c) for c in text[i * n:(i + 1) * n]] for i in range(n)]


def run_table(args) -> int:
    out = Path(args.out)
    digest = source.ensure(args.tfrecord, args.sha256, allow_download=args.download)
    if out.is_file() and not args.force:
        try:
            built = table.read_summary(out)
        except Exception:  # noqa: BLE001 - an unreadable old table is simply rebuilt
            built = {}
        if built.get("source_sha256") == digest and built.get("epochs") == args.epochs \
                and built.get("format") == table.FORMAT:
            print(f"{out} was already built from this file (sha256 {digest}); --force rebuilds it")
            return 0
    start = time.perf_counter()
    summary = table.build_table(args.tfrecord, out, digest, epochs=args.epochs, check_hashes=not args.no_check_hashes)
    seconds = time.perf_counter() - start
    print(f"wrote {out}: {summary['hashes']} specs, {summary['rows']} rows from {summary['records']} records "
          f"({summary['skipped_other_epochs']} of other budgets skipped) in {seconds:.1f} s")
    return 0


def run_lookup(args) -> int:
    tb = table.load_table(args.table)
    found = table.lookup(tb, parse_matrix(args.matrix), args.ops.split(","))
    repeats = found.repeats[["repeat", *table.METRICS]].to_dict(orient="records")
    if args.json:
        print(json.dumps({"module_hash": found.module_hash, "matrix": found.matrix, "ops": found.ops,
                          "repeats": repeats, "mean": found.mean}, indent=2))
        return 0
    print(f"hash    {found.module_hash}")
    print(f"matrix  {found.matrix}")
    print(f"ops     {','.join(found.ops)}")
    print(f"{'repeat':<7} " + " ".join(f"{m:>20}" for m in table.METRICS))
    for row in repeats:
        print(f"{row['repeat']:<7} " + " ".join(f"{row[m]:>20.6f}" for m in table.METRICS))
    print(f"{'mean':<7} " + " ".join(f"{found.mean[m]:>20.6f}" for m in table.METRICS))
    return 0
