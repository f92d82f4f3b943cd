"""Seconds per DARTS-V1 search step (weight step + alpha step) and peak memory: our NB201 supernet vs the
official xautodl TinyNetworkDarts, side by side on the CPU (NAS-Bench-201 search size by default: batch 64,
32x32 inputs, C=16, N=5, 10 classes).

Each measurement runs in a fresh process (so peak RSS is per implementation); rounds alternate between the
two implementations so that load from other processes hits both alike. Not a test: run it by hand,

    python benchmarks/bench_search_step.py [--rounds 3 --steps 5 --threads 1]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def measure(impl: str, args, queue) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    crit = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(args.batch, 3, args.size, args.size, generator=g), torch.randint(0, 10, (args.batch,), generator=g))
            for _ in range(2)]
    (xt, yt), (xv, yv) = data
    if impl == "ours":
        from darts_core.nn.nb201_supernet import NB201Supernet
        from darts_core.search.darts import DartsV1

        model = NB201Supernet(10, args.C, args.N)
        w = torch.optim.SGD(model.weight_parameters(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
        a = torch.optim.Adam(model.arch_parameters(), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
        method = DartsV1(model, crit, w, a, 5.0)

        def step():
            method.step(xt, yt, xv, yv)
    else:
        from xautodl.models.cell_searchs.search_model_darts import TinyNetworkDarts

        from darts_core.spaces.nb201 import OPS

        model = TinyNetworkDarts(args.C, args.N, 4, 10, list(OPS), False, False)
        w = torch.optim.SGD(model.get_weights(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
        a = torch.optim.Adam(model.get_alphas(), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

        def step():  # DARTS-V1.py search_func, one batch
            w.zero_grad()
            crit(model(xt)[1], yt).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5)
            w.step()
            a.zero_grad()
            crit(model(xv)[1], yv).backward()
            a.step()

    model.train()
    for _ in range(args.warmup):
        step()
    base = _rss_kb("VmRSS:")
    reset = _reset_peak()
    times = []
    for _ in range(args.steps):
        tic = time.perf_counter()
        step()
        times.append(time.perf_counter() - tic)
    queue.put({"impl": impl, "times": times, "peak_mb": _rss_kb("VmHWM:") / 1024,
               "step_mb": (_rss_kb("VmHWM:") - base) / 1024 if reset else float("nan")})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=5, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps per round")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--C", type=int, default=16)
    p.add_argument("--N", type=int, default=5)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    results = {"ours": [], "official": []}
    peaks = {"ours": [], "official": []}
    for r in range(args.rounds):
        for impl in (("ours", "official") if r % 2 == 0 else ("official", "ours")):
            queue = ctx.Queue()
            proc = ctx.Process(target=measure, args=(impl, args, queue))
            proc.start()
            out = queue.get()
            proc.join()
            results[impl] += out["times"]
            peaks[impl].append((out["peak_mb"], out["step_mb"]))
            print(f"round {r + 1} {impl:8s} median {statistics.median(out['times']):.3f} s/step  "
                  f"peak RSS {out['peak_mb']:.0f} MB (+{out['step_mb']:.0f} MB during steps)", flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"\nDARTS-V1 step, batch {args.batch}, {args.size}x{args.size}, C={args.C}, N={args.N}, {args.threads} thread(s), "
          f"{len(results['ours'])} steps each")
    for impl in ("ours", "official"):
        peak = max(p for p, _ in peaks[impl])
        during = max(s for _, s in peaks[impl])
        print(f"  {impl:8s} {med[impl]:.3f} s/step (min {min(results[impl]):.3f})  peak RSS {peak:.0f} MB, "
              f"+{during:.0f} MB during steps")
    print(f"  ratio ours/official: {med['ours'] / med['official']:.2f}")


if __name__ == "__main__":
    main()
