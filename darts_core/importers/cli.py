"""Subcommand `import-log` (registered by darts_core.cli): a real search log of another codebase -> our
run products, which the stop criteria then read like any search's.

    python -m darts_core import-log darts-pt    LOG.txt RUN_DIR
    python -m darts_core import-log robustdarts RUN_DIR_OR_LOG RUN_DIR [--task N] [--eigenvalues CSV]
"""

from __future__ import annotations

from pathlib import Path

from darts_core.errors import DartsCoreError


def register(subparsers) -> None:
    i = subparsers.add_parser("import-log", help="turn a real search log into run products",
                              description="Formats: darts-pt (DARTS-PT log.txt), robustdarts (RobustDARTS run directory).")
    i.add_argument("format", metavar="FORMAT", help="darts-pt | robustdarts")
    i.add_argument("source", metavar="SOURCE")
    i.add_argument("run_dir", metavar="RUN_DIR")
    i.add_argument("--task", type=int, help="robustdarts: task id N of log_N.txt (= seed)")
    i.add_argument("--eigenvalues", help="robustdarts: DERIVED/dominant_eigenvalues.csv (default: searched upwards)")
    i.set_defaults(func=run_import)


def run_import(args) -> int:
    from darts_core.importers import import_log

    if Path(args.run_dir).resolve() == Path(args.source).resolve():
        raise DartsCoreError("import-log: RUN_DIR must differ from SOURCE")
    info = import_log(args.format, args.source, args.run_dir, task=args.task, eigenvalues=args.eigenvalues)
    imp = info["import"]
    print(f"imported {imp['format']} log {imp['source']} -> {args.run_dir}")
    print(f"files: {', '.join(imp['files'])}; space {info['config']['space']}; epochs done {info['epochs_done']}")
    print(f"epoch convention: {imp['epoch_convention']}")
    return 0
