"""Subcommands `tabular` and `tabular-proxy` (added by `register(subparsers)`).

    python -m darts_core tabular rea --source ../shared/data/nb201 --seed 0 --out results/tabular/rea/0
    python -m darts_core tabular bohb --source nb201.parquet --proxy proxy12.parquet --seed 0 --out DIR --set n_iters=50
    python -m darts_core tabular-proxy --pth NAS-Bench-201-v1_1-096897.pth --out proxy12.parquet   # once, ~28 GB RAM
"""

from __future__ import annotations

import argparse

from darts_core.errors import DartsCoreError
from darts_core.tabular.common import METHOD_NAMES, TIME_BUDGET


def register(subparsers) -> None:
    p = subparsers.add_parser("tabular", help="a Table 1 baseline (REA, RS, REINFORCE, BOHB) on the benchmark table",
                              description="Search by querying the benchmark (simulated time budget); the answer's "
                                          "200-epoch accuracies come from the table.")
    p.add_argument("method", choices=METHOD_NAMES, metavar="METHOD", help=", ".join(METHOD_NAMES))
    p.add_argument("--source", required=True,
                   help="benchmark: directory with the NB201 CSV extracts, or a compact table .parquet (benchmark-table)")
    p.add_argument("--proxy", help="search signal: proxy .parquet from tabular-proxy (faithful 12-epoch), the official "
                                   ".pth, or a CSV directory (200-epoch approximation); default: --source if a directory")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, help="output directory (trajectory.csv, result.json)")
    p.add_argument("--budget", type=float, default=TIME_BUDGET, help=f"simulated seconds (default {TIME_BUDGET:.0f})")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override an official setting, e.g. sample_size=3 (rea), learning_rate=0.5 (reinforce)")
    p.set_defaults(func=run_cli)

    b = subparsers.add_parser("tabular-proxy", help="build the 12-epoch search proxy from the official NB201 .pth",
                              description="Per architecture and seed: hp='12' x-valid accuracy and simulated cost.")
    b.add_argument("--pth", required=True, help="NAS-Bench-201-v1_1-096897.pth (or v1_0-e61699); needs ~30 GB RAM")
    b.add_argument("--out", required=True, help="output .parquet")
    b.add_argument("--dataset", default="cifar10", choices=("cifar10", "cifar100", "ImageNet16-120"))
    b.add_argument("--sha256", help="pin the full sha256 of the .pth (no full digest is published; the .pth is a pickle)")
    b.add_argument("--trust-unverified", action="store_true",
                   help="unpickle a .pth without a pinned sha256 (only its name's tag is checked; logged)")
    b.set_defaults(func=run_proxy_cli)


def parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DartsCoreError(f"--set {item!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def run_cli(args: argparse.Namespace) -> int:
    from darts_core.tabular.run import run_tabular

    result = run_tabular(args.method, args.source, args.seed, args.out, proxy=args.proxy,
                         budget_seconds=args.budget, **parse_sets(args.set))
    acc = result["accuracy"]
    shown = " ".join(f"{k}={'NaN' if v is None else f'{v:.2f}'}" for k, v in acc.items())
    print(f"{args.method} seed {args.seed}: {result['evaluations']} queries, {result['simulated_seconds']:.0f} s simulated; "
          f"index {result['index']} {result['arch']}")
    print(f"  {shown}")
    print(f"  proxy: {result['proxy']['source']}")
    return 0


def run_proxy_cli(args: argparse.Namespace) -> int:
    from darts_core.tabular.proxy import save_proxy
    from darts_core.tabular.proxy_pth import proxy_from_pth

    proxy = proxy_from_pth(args.pth, dataset=args.dataset, sha256=args.sha256, trust_unverified=args.trust_unverified)
    save_proxy(proxy, args.out)
    print(f"wrote {args.out}: {proxy.info()['archs']} architectures, up to {proxy.info()['trials_max']} seeds each")
    return 0
