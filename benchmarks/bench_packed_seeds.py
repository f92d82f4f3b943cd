"""Throughput of packed seeds (darts_core.search.packed) on the CPU: DARTS-V1 search steps (weight step +
alpha step) of K seeds in one packed supernet, for K = 1, 2, 5, against the one-seed step of
NB201Supernet + DartsV1 (what K separate runs do, one after another). NAS-Bench-201 search size by
default: batch 64 per seed, 32x32 inputs, C=16, N=5, 10 classes.

Figures from the fastest timed step of each setting (the median too). steps/s counts packed steps,
seed-steps/s = K x steps/s (search steps of single seeds per second, the
figure to compare with the one-seed step). Each measurement runs in a fresh process; the order of the
settings rotates between rounds so that load from other processes hits all alike. Not a test: run it by
hand,

    python benchmarks/bench_packed_seeds.py [--ks 1 2 5 --threads 1 2 --rounds 2 --steps 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from queue import Empty


def measure(k: int, threads: int, args, queue) -> None:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    crit = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    n = max(k, 1)

    def batch():
        return (torch.randn(n, args.batch, 3, args.size, args.size, generator=g),
                torch.randint(0, 10, (n, args.batch), generator=g))

    (xt, yt), (xv, yv) = batch(), batch()
    if k == 0:  # the one-seed step of a separate run
        from darts_core.nn.nb201_supernet import NB201Supernet
        from darts_core.search.darts import DartsV1

        model = NB201Supernet(10, args.C, args.N, channels_last="auto")  # as a search builds it (NHWC on the CPU)
        method_cls, xt, yt, xv, yv = DartsV1, xt[0], yt[0], xv[0], yv[0]
        extra = ()
    else:
        from darts_core.nn.nb201_packed import PackedNB201Supernet
        from darts_core.search.packed import PackedDartsV1

        model = PackedNB201Supernet(k, 10, args.C, args.N)
        method_cls, extra = PackedDartsV1, (list(range(k)),)
    w = torch.optim.SGD(model.weight_parameters(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    a = torch.optim.Adam(model.arch_parameters(), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    method = method_cls(model, crit, w, a, 5.0, *extra)
    model.train()
    for _ in range(args.warmup):
        method.step(xt, yt, xv, yv)
    times = []
    for _ in range(args.steps):
        tic = time.perf_counter()
        method.step(xt, yt, xv, yv)
        times.append(time.perf_counter() - tic)
    queue.put(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ks", type=int, nargs="+", default=[1, 2, 5], help="seeds per packed step")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=3, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps per round")
    p.add_argument("--batch", type=int, default=64, help="batch per seed")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--C", type=int, default=16)
    p.add_argument("--N", type=int, default=5)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    settings = [0] + list(args.ks)  # 0: the one-seed step (NB201Supernet + DartsV1)
    rows = []
    for threads in args.threads:
        times = {k: [] for k in settings}
        for r in range(args.rounds):
            order = settings[r % len(settings):] + settings[: r % len(settings)]
            for k in order:
                queue = ctx.Queue()
                proc = ctx.Process(target=measure, args=(k, threads, args, queue))
                proc.start()
                while True:  # a measurement that dies (killed, out of memory) must not hang the benchmark
                    try:
                        out = queue.get(timeout=5)
                        break
                    except Empty:
                        if not proc.is_alive():
                            raise SystemExit(f"the {k or 'single'} measurement died (exit code {proc.exitcode})")
                proc.join()
                times[k] += out
                print(f"threads {threads} round {r + 1} {'single' if k == 0 else f'K={k}':7s} "
                      f"median {statistics.median(out):.3f} s/step", flush=True)
        for k in settings:
            sec = min(times[k])  # the least disturbed step: on a shared machine the median mostly measures the others
            rows.append((threads, k, sec, 1.0 / sec, max(k, 1) / sec, statistics.median(times[k])))
    print(f"\nDARTS-V1 steps, batch {args.batch} per seed, {args.size}x{args.size}, C={args.C}, N={args.N}, "
          f"{args.rounds} x {args.steps} steps each, fastest step; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n")
    print("| threads | setting | s/step (min) | steps/s | seed-steps/s | vs one-seed step | s/step (median) |")
    print("|---|---|---|---|---|---|---|")
    base = {row[0]: row[4] for row in rows if row[1] == 0}
    for threads, k, sec, steps, seed_steps, median in rows:
        name = "one seed (NB201Supernet)" if k == 0 else f"packed K={k}"
        print(f"| {threads} | {name} | {sec:.3f} | {steps:.3f} | {seed_steps:.3f} | {seed_steps / base[threads]:.2f}x | "
              f"{median:.3f} |")


if __name__ == "__main__":
    main()
