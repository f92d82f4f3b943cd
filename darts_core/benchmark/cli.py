"""Subcommands `lookup` and `benchmark-table` (registered by darts_core.cli).

    python -m darts_core benchmark-table --csv-dir ../shared/data/nb201 --out results/nb201.parquet
    python -m darts_core benchmark-table --pth NAS-Bench-201-v1_1-096897.pth --out results/nb201.parquet
    python -m darts_core lookup ARCH_STRING [ARCH_STRING ...] --table results/nb201.parquet [--json]
    python -m darts_core lookup --run RUN_DIR --table T --out curve.csv        # accuracy per epoch
    python -m darts_core lookup --stops stops.csv --table T --out stops_acc.csv  # accuracy per stop point
    python -m darts_core lookup --references --table T [--out refs.csv]        # optimal and ResNet rows
    python -m darts_core train-arch ARCH_STRING --dataset digits --cache results/scratch --epochs 20
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from darts_core.benchmark import lookup, scratch, table
from darts_core.errors import DartsCoreError
from darts_core.runlog import write_table
from darts_core.threads import add_threads_option, default_threads


def register(subparsers) -> None:
    p = subparsers.add_parser("lookup", help="NAS-Bench-201 index and accuracies of architectures, runs or stop points",
                              description="Print the NB201 index and every metric the table holds.")
    p.add_argument("archs", nargs="*", metavar="ARCH_STRING", help="e.g. '|nor_conv_3x3~0|+|...|+|...|'")
    p.add_argument("--table", required=True, metavar="TABLE",
                   help="compact table (.parquet) from `benchmark-table`, or a folder of the CSV extracts")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--run", metavar="RUN_DIR", help="accuracy of the derived arch at every epoch (genotypes.csv)")
    mode.add_argument("--stops", metavar="CSV", help="stops table (criterion, epoch, arch, ...) to fill in")
    mode.add_argument("--references", action="store_true", help="the optimal and ResNet rows")
    p.add_argument("--out", help="write the result as CSV/Parquet (by suffix) instead of printing")
    p.add_argument("--json", action="store_true", help="print JSON (NaN -> null)")
    p.set_defaults(func=run_lookup)

    b = subparsers.add_parser("benchmark-table", help="build the compact NAS-Bench-201 table (Parquet)",
                              description="Build the compact table once from the CSV extracts or the official .pth.")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv-dir", help="directory with the public CSV extracts (../shared/data/nb201)")
    src.add_argument("--pth", help="official NAS-Bench-201-v1_1-096897.pth (or v1_0-e61699); needs ~30 GB RAM")
    b.add_argument("--out", required=True, help="output .parquet")
    b.add_argument("--sha256", help="pin the full sha256 of the .pth (no full digest is published; the .pth is a pickle)")
    b.add_argument("--trust-unverified", action="store_true",
                   help="unpickle a .pth without a pinned sha256 (only its name's tag is checked; logged)")
    b.add_argument("--force", action="store_true", help="rebuild even if --out was built from the same .pth")
    b.set_defaults(func=run_benchmark_table)

    t = subparsers.add_parser("train-arch", help="train an NB201 arch from scratch (fallback without a table; cached)",
                              description="NB201 protocol (200E.config) scaled by the options; cached by arch, "
                                          "dataset, protocol and seed.")
    t.add_argument("arch", metavar="ARCH_STRING")
    t.add_argument("--dataset", required=True, help="cifar10, cifar100, ImageNet16-120 or digits")
    t.add_argument("--data", help="data directory (not needed for digits)")
    t.add_argument("--cache", required=True, help="cache directory of trained architectures")
    t.add_argument("--seed", type=int, default=0)
    for name, kind in (("epochs", int), ("batch-size", int), ("lr", float), ("channels", int), ("num-cells", int)):
        t.add_argument(f"--{name}", type=kind, help=f"default {scratch.PROTOCOL_DEFAULTS[name.replace('-', '_')]}")
    t.add_argument("--no-valid-split", action="store_true", help="skip the second training for the valid metric")
    t.add_argument("--device", default="cpu")
    t.add_argument("--workers", type=int, default=0)
    add_threads_option(t)
    t.add_argument("--download", action="store_true", help="allow downloading the dataset / split files")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=run_train_arch)


def _records(df: pd.DataFrame) -> list[dict]:
    def clean(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if hasattr(v, "item") else v
    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _emit(df: pd.DataFrame, args, note: str = "") -> None:
    if args.out:
        write_table(df, args.out)
        print(f"wrote {len(df)} rows to {args.out}")
    elif args.json:
        print(json.dumps({"rows": _records(df), "missing": note}, indent=2))
    else:
        print(df.to_csv(index=False, float_format="%.2f"), end="")
        if note:
            print(f"# missing: {note}")


def _print_arch(row: dict, note: str) -> None:
    print(f"arch   {row['arch']}")
    print(f"index  {row['index']}")
    for col in table.METRIC_COLUMNS:
        dataset, metric = col.rsplit("_", 1)
        value = row[col]
        shown = "missing" if value is None or math.isnan(value) else f"{value:.2f}"
        print(f"{dataset:<15} {metric:<6} {shown}")
    if note:
        print(f"(missing: {note})")


def run_lookup(args) -> int:
    modes = sum(bool(x) for x in (args.archs, args.run, args.stops, args.references))
    if modes != 1:
        raise DartsCoreError("lookup: give arch string(s), or exactly one of --run, --stops, --references")
    tb = table.open_table(args.table)
    note = tb.attrs.get("missing", "")
    if args.run:
        return _emit(lookup.lookup_run(args.run, tb), args, note) or 0
    if args.stops:
        return _emit(lookup.lookup_stops(args.stops, tb), args, note) or 0
    if args.references:
        return _emit(table.reference_rows(tb), args, note) or 0
    found = lookup.lookup_archs(args.archs, tb)
    if args.out or args.json:
        return _emit(found, args, note) or 0
    for k, row in enumerate(_records(found)):
        if k:
            print()
        _print_arch(row, note)
    return 0


def run_benchmark_table(args) -> int:
    out = Path(args.out)
    if args.csv_dir:
        tb = table.build_from_csv(args.csv_dir)
    else:
        from darts_core.benchmark import pth_source

        digest = pth_source.verify_checksum(args.pth, args.sha256, args.trust_unverified)
        if out.is_file() and not args.force:
            try:
                cached = table.load_table(out).attrs.get("source_sha256")
            except DartsCoreError:
                cached = None
            if cached == digest:
                print(f"{out} was already built from this file (sha256 {digest}); --force rebuilds it")
                return 0
        tb = pth_source.table_from_dict(pth_source.load_pth(args.pth))
        tb.attrs.update({"source": f"pth: {Path(args.pth).name}", "source_sha256": digest,
                         "source_verified": "pinned sha256" if args.sha256 else "UNVERIFIED (explicit opt-in)"})
    table.save_table(tb, out)
    n_archs = tb["index"].nunique()
    print(f"wrote {out}: {n_archs} architectures, {len(tb)} rows; source {tb.attrs.get('source')}")
    if tb.attrs.get("missing"):
        print(f"missing: {tb.attrs['missing']}")
    return 0


def run_train_arch(args) -> int:
    protocol = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                                  "channels": args.channels, "num_cells": args.num_cells}.items() if v is not None}
    if args.no_valid_split:
        protocol["valid_split"] = False
    res = scratch.train_arch(args.arch, args.dataset, args.data, protocol, args.seed, args.cache, device=args.device,
                             workers=args.workers, allow_download=args.download,
                             threads=default_threads() if args.threads is None else args.threads)
    if args.json:
        print(json.dumps(res, indent=2, default=str))
        return 0
    print(f"arch   {res['arch']}\nindex  {res['index']}\nparams {res['params']}")
    for metric in ("valid", "test"):
        value = res[f"{metric}_accuracy"]
        print(f"{args.dataset:<15} {metric:<6} {'missing' if value is None else f'{value:.2f}'}")
    print(f"({'cached' if res['cached'] else 'trained'}: {res['cache']})")
    return 0
