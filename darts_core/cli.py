"""`python -m darts_core SUBCOMMAND ...`: one entry point; each subcommand lives beside its logic.

Every module in COMMAND_MODULES defines `register(subparsers)`, which adds its subcommands and sets
`func(args) -> int` on each parser.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from darts_core.errors import DartsCoreError

DESCRIPTION = ("The steps of the darts-core workflow, one at a time: plan a study, run a search, compute its "
               "magnitudes and stops, look architectures up in NAS-Bench-201, train a cell from scratch. "
               "`python -m darts_core COMMAND --help` describes each command; `snakemake` runs them all.")
COMMAND_MODULES = (
    "darts_core.study.cli",  # study
    "darts_core.search.cli",  # search
    "darts_core.benchmark.cli",  # lookup, benchmark-table
    "darts_core.benchmark.nb101.cli",  # nb101-table, nb101-lookup
    "darts_core.stops.cli",  # magnitudes, stops
    "darts_core.importers.cli",  # import-log
    "darts_core.train.cli",  # retrain
    "darts_core.tabular.cli",  # tabular, tabular-proxy
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m darts_core", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DartsCoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0
