"""Subcommands `magnitudes`, `stops` (registered by darts_core.cli; `import-log` is darts_core.importers.cli).

    python -m darts_core magnitudes RUN_DIR [--out PATH]           # Eq. 11 curves -> RUN_DIR/magnitudes.csv
    python -m darts_core stops RUN_DIR [--criteria C ...] [--table T] [--out PATH]   # prints; --out writes

`--table`: the compact NAS-Bench-201 table (.parquet from `benchmark-table`) or a directory with the public
CSV extracts (built in memory); adds the accuracy columns to the stops table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.layout import MAGNITUDES


def register(subparsers) -> None:
    m = subparsers.add_parser("magnitudes", help="operation magnitudes m(t, o) of a run (Eq. 11)",
                              description="Mean softmax weight of each op over the edges of each cell, per epoch.")
    m.add_argument("run_dir", metavar="RUN_DIR")
    m.add_argument("--out", help=f"output CSV/Parquet (default RUN_DIR/{MAGNITUDES})")
    m.set_defaults(func=run_magnitudes)

    s = subparsers.add_parser("stops", help="stop table of a run: epoch and architecture per stop criterion",
                              description="Algorithm 2: evaluate stop criteria on a finished run and print the stop table "
                                          "(--out PATH writes it; the run's own stops.csv is the workflow's and is "
                                          "left alone unless --out names it).")
    s.add_argument("run_dir", metavar="RUN_DIR")
    s.add_argument("--criteria", nargs="+", metavar="C",
                   help="e.g. final ss_peak:nor_conv_3x3 ss_residual:nor_conv_3x3 darts+_sc:2 darts+_rt:10 darts_es "
                        "(default: the space's defaults)")
    s.add_argument("--table", help="NB201 table (.parquet) or directory of the CSV extracts: add accuracies")
    s.add_argument("--out", metavar="PATH", help="write the stop table here (CSV); default: print only")
    s.set_defaults(func=run_stops)


def _print_wide(mags: pd.DataFrame) -> None:
    from darts_core.stops.magnitudes import magnitude_table

    for k, cell in enumerate(dict.fromkeys(mags["cell"])):
        if k:
            print()
        print(f"# m(t, o), {cell} cell")
        print(magnitude_table(mags, cell).to_csv(float_format="%.4f"), end="")


def run_magnitudes(args) -> int:
    from darts_core.stops.criteria import load_run
    from darts_core.stops.magnitudes import magnitudes

    run = load_run(args.run_dir)  # checks alphas.parquet (columns, NaN, known ops, missing epochs)
    if run.alphas is None:
        raise DartsCoreError(f"run {args.run_dir}: no {runlog.ALPHAS} (genotypes only): no magnitudes")
    mags = magnitudes(run.alphas)
    out = Path(args.out) if args.out else Path(args.run_dir) / MAGNITUDES
    runlog.write_table(mags, out)
    _print_wide(mags)
    print(f"# wrote {out}")
    return 0


def load_benchmark_table(path: str) -> pd.DataFrame:
    from darts_core.benchmark import table

    return table.open_table(path)


def run_stops(args) -> int:
    from darts_core.stops.criteria import STOPS, add_lookups, evaluate, write_stops

    stops = evaluate(args.run_dir, args.criteria)
    if args.table:
        stops = add_lookups(stops, load_benchmark_table(args.table))
    if args.out:
        write_stops(stops, Path(args.out))
    with pd.option_context("display.width", 250, "display.max_colwidth", 120, "display.max_columns", 30):
        print(stops.drop(columns=["note"]).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print()
        for crit, note in zip(stops["criterion"], stops["note"]):
            print(f"{crit}: {note}")
    if args.out:
        print(f"# wrote {args.out}")
    return 0
