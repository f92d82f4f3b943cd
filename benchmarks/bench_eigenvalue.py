"""Seconds for one dominant Hessian eigenvalue (DARTS-ES) with each method, NB201 (30 alphas) and DARTS space
(224 alphas = 2 cells x 14 edges x 8 ops), printed side by side.

    python benchmarks/bench_eigenvalue.py [--methods exact lanczos [power]] [--repeats 1] [--threads 2]
        [--nb201 C,N,BATCH,SIZE] [--darts C,LAYERS,BATCH,SIZE] [--spaces nb201 darts] [--json OUT]

Setting as RobustDARTS train_search.py / analyze.py: one batch, supernet in train mode, cross-entropy,
arch weight decay 1e-3 added (H + 1e-3 I), random inputs of CIFAR shape (the cost does not depend on the
pixel values). Wall and CPU seconds of this process (the CPU figure is less sensitive to other jobs on a
shared machine). Each timing covers the whole `dominant_eigenvalue` call (one forward, the first gradient
with create_graph, then n rows (exact) or the HVPs of the iterative method). Also reported: the number of
double-backward passes (rows / HVPs), which carries over to other machines and sizes (time ~ passes x cost
of one pass), and the relative difference to the exact value.

Defaults are CPU-sized: NB201 at its search size (C=16, N=5) with batch 16 at 32x32; the DARTS space with
C=8, 5 layers, batch 8 at 16x16 (one pass of the official size C=16, 8 layers, batch 64 takes ~10x longer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from darts_core.search import hessian  # noqa: E402

WD = 1e-3  # RobustDARTS arch_weight_decay


def _ints(text: str, n: int) -> tuple[int, ...]:
    vals = tuple(int(v) for v in text.split(","))
    if len(vals) != n:
        raise SystemExit(f"expected {n} comma-separated integers, got {text!r}")
    return vals


def build(space: str, cfg: tuple[int, ...], seed: int = 0):
    torch.manual_seed(seed)
    if space == "nb201":
        from darts_core.nn.nb201_supernet import NB201Supernet

        c, n, batch, size = cfg
        net = NB201Supernet(10, channels=c, num_cells=n)
        label = f"C={c} N={n} batch={batch} {size}x{size}"
    else:
        from darts_core.nn.darts_supernet import DartsSupernet

        c, layers, batch, size = cfg
        net = DartsSupernet(C=c, num_classes=10, layers=layers)
        label = f"C={c} layers={layers} batch={batch} {size}x{size}"
    net.train()
    x, y = torch.randn(batch, 3, size, size), torch.randint(0, 10, (batch,))
    return net, (lambda: torch.nn.functional.cross_entropy(net(x), y)), label


def one(method: str, loss_fn, params) -> tuple[float, float, int, float]:
    """(wall seconds, eigenvalue, double-backward passes, CPU seconds) of one eigenvalue; the iterative
    methods run through the same HVP / lanczos_max / power_max as dominant_eigenvalue, so their products
    can be counted."""
    c0, t0 = time.process_time(), time.perf_counter()
    if method == "exact":
        value = hessian.dominant_eigenvalue(loss_fn, params, WD, "exact")
        passes = sum(q.numel() for q in params)
    else:
        hvp = hessian.HVP(loss_fn, params, WD)
        value = (hessian.lanczos_max if method == "lanczos" else hessian.power_max)(hvp, hvp.n)
        passes = hvp.calls
    return time.perf_counter() - t0, value, passes, time.process_time() - c0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spaces", nargs="+", default=["nb201", "darts"], choices=["nb201", "darts"])
    p.add_argument("--methods", nargs="+", default=["exact", "lanczos"], choices=list(hessian.METHODS))
    p.add_argument("--nb201", default="16,5,16,32", help="C,N,BATCH,SIZE (default 16,5,16,32)")
    p.add_argument("--darts", default="8,5,8,16", help="C,LAYERS,BATCH,SIZE (default 8,5,8,16; official 16,8,64,32)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="also write the results as JSON")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for space in args.spaces:
        net, loss_fn, label = build(space, _ints(getattr(args, space), 4))
        params = net.arch_parameters()
        n = sum(q.numel() for q in params)
        res = {}
        for method in args.methods:
            runs = [one(method, loss_fn, params) for _ in range(args.repeats)]
            res[method] = {"seconds": statistics.median(r[0] for r in runs), "eigenvalue": runs[-1][1], "passes": runs[-1][2],
                           "cpu_seconds": statistics.median(r[3] for r in runs)}
            print(f"  {space:<6} {method:<8} {res[method]['seconds']:9.2f} s (cpu {res[method]['cpu_seconds']:.2f} s)  "
                  f"passes {res[method]['passes']:4d}  "
                  f"eigenvalue {res[method]['eigenvalue']:.8g}", flush=True)
        rows.append({"space": space, "alphas": n, "setting": label, **{m: res[m] for m in args.methods}})
    ref = "exact" if "exact" in args.methods else None
    print(f"\ndominant eigenvalue of H + {WD:g} I, one call each (median of {args.repeats}), torch threads {args.threads}")
    head = f"{'space':<6} {'alphas':>6}  " + "  ".join(f"{m + ' s / cpu s (passes)':>30}" for m in args.methods)
    if ref:
        head += "  " + "  ".join(f"{'rel.diff ' + m:>18}" for m in args.methods if m != ref)
    print(head + "  setting")
    for r in rows:
        line = f"{r['space']:<6} {r['alphas']:>6}  " + "  ".join(
            f"{r[m]['seconds']:>11.2f} / {r[m]['cpu_seconds']:>8.2f} ({r[m]['passes']:>5d})" for m in args.methods)
        if ref:
            e = r[ref]["eigenvalue"]
            line += "  " + "  ".join(f"{abs(r[m]['eigenvalue'] - e) / abs(e):>18.2e}" for m in args.methods if m != ref)
        print(line + f"  {r['setting']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
