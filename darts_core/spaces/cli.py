"""`python -m darts_core spaces`: every registered search space with its ops, cells and number of
architectures (each family says what it counts: NB201 cells, DARTS genotypes, NAS-Bench-1Shot1
architectures with loose ends)."""

from __future__ import annotations

import json


def space_rows() -> list[dict]:
    from darts_core.spaces import SPACES

    rows = []
    for name, space in SPACES.items():
        count, what = space.arch_count()
        rows.append({"space": name, "family": space.family, "cells": list(space.cells), "ops": list(space.searched_ops),
                     "edges": len(space.edges), "architectures": count, "counted": what,
                     "evaluation": space.evaluation})
    return rows


def _run(args) -> int:
    rows = space_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"{r['space']}  ({r['family']} family, evaluated by {r['evaluation']})")
        print(f"  cells: {', '.join(r['cells'])}; ops: {', '.join(r['ops'])}")
        print(f"  architectures: {r['architectures']:,} ({r['counted']})")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("spaces", help="list the search spaces, their ops, cells and sizes",
                                   description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.set_defaults(func=_run)
