"""Seconds per search step and peak memory, side by side in one run, on the CPU.

Implementations (`--impls`):
- `ours`: the default path (NB201: batched convs with the mixing weights as their BN's scale, fused
  mixed sums, the pool as a depthwise box sum, NHWC activations on the CPU, alpha-only alpha gradients;
  DARTS space: alpha-only alpha gradients);
- `compiled`: the default path under torch.compile (inductor; the `compile` switch), its first warm-up
  step being the compilation;
- `reference`: our straightforward path (`fast_path: false`, NCHW: edge by edge, op by op, and the alpha
  step's backward into every parameter, as the official scripts do);
- `official`: xautodl's TinyNetworkDarts (NB201 only) stepped as DARTS-V1.py `search_func` (v1), or as
  DARTS-V2.py `backward_step_unrolled` + `_hessian_vector_product` re-stated on it (v2: that script is not
  part of the xautodl package). quark0's DARTS-space code does not run on current torch, so the DARTS
  space is measured against `reference` only.

Sizes: NB201 search (batch 64, 32x32, C=16, N=5, 10 classes); DARTS space (`--space darts`: C=16, 8
cells, batch 64, 32x32, loop quark0). Each measurement runs in a fresh process (peak RSS is per
implementation); rounds rotate the order so that load from other processes hits all alike; the ratios
are computed from the medians of this one run. Not a test: run it by hand,

    python benchmarks/bench_search_step.py [--method v1|v2] [--space nb201|darts] [--rounds 3 --steps 3] [--profile]
"""

from __future__ import annotations

import argparse
import copy
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


def _ours(impl: str, args, crit):
    import torch

    from darts_core.search.config import resolve_config
    from darts_core.search.darts import DartsV1, DartsV2
    from darts_core.spaces import get_space

    settings = {"space": args.space, "method": f"darts-{args.method}", "channels": args.C, "num_cells": args.N,
                "fast_path": impl in ("ours", "compiled"), "device": "cpu"}
    if args.space == "darts":
        settings["preset"] = "darts-space"
    if args.space == "nb201":  # ours: the config's default (auto: NHWC on the CPU) unless asked otherwise
        settings["channels_last"] = args.channels_last if impl in ("ours", "compiled") else False
    if impl == "compiled":
        settings["compile"] = True
    cfg = resolve_config(settings)
    cls = DartsV1 if args.method == "v1" else DartsV2
    model = get_space(cfg.space).build_supernet(cfg, 10, (3, args.size, args.size), mixer=cls.make_mixer(cfg))
    w = torch.optim.SGD(model.weight_parameters(), cfg.w_lr, momentum=cfg.w_momentum, weight_decay=cfg.w_wd,
                        nesterov=cfg.w_nesterov)
    a = cls.make_alpha_optimizer(model.arch_parameters(), cfg)
    method = cls(model, crit, w, a, cfg.grad_clip)
    method.configure(cfg)
    return model, method.step


def _official(args, crit):
    import torch
    from xautodl.models.cell_searchs.search_model_darts import TinyNetworkDarts

    from darts_core.spaces.nb201 import OPS

    model = TinyNetworkDarts(args.C, args.N, 4, 10, list(OPS), False, False)
    w = torch.optim.SGD(model.get_weights(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    a = torch.optim.Adam(model.get_alphas(), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

    def weight_step(xt, yt):
        w.zero_grad()
        crit(model(xt)[1], yt).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5)
        w.step()

    def v1(xt, yt, xv, yv):  # DARTS-V1.py search_func, one batch
        weight_step(xt, yt)
        a.zero_grad()
        crit(model(xv)[1], yv).backward()
        a.step()

    def v2(xt, yt, xv, yv):  # DARTS-V2.py search_func: backward_step_unrolled, then the weight step
        a.zero_grad()
        weights = model.get_weights()
        group = w.param_groups[0]
        lr, wd, mom = group["lr"], group["weight_decay"], group["momentum"]
        grads = torch.autograd.grad(crit(model(xt)[1], yt), weights)
        state = [w.state.get(p, {}).get("momentum_buffer") for p in weights]
        moment = [torch.zeros_like(p) if any(s is None for s in state) else s * mom for p, s in zip(weights, state)]
        unrolled = copy.deepcopy(model)
        with torch.no_grad():
            for u, p, m, g in zip(unrolled.get_weights(), weights, moment, grads):
                u.copy_(p - lr * (m + g + wd * p))
        unrolled.zero_grad()
        crit(unrolled(xv)[1], yv).backward()
        v = [u.grad for u in unrolled.get_weights()]
        R = 1e-2 / torch.cat([t.reshape(-1) for t in v]).norm()
        at = []
        for shift in (R, -2 * R):
            with torch.no_grad():
                for p, t in zip(weights, v):
                    p.add_(t, alpha=float(shift))
            at.append(torch.autograd.grad(crit(model(xt)[1], yt), model.get_alphas())[0])
        with torch.no_grad():
            for p, t in zip(weights, v):
                p.add_(t, alpha=float(R))
        model.arch_parameters.grad = unrolled.arch_parameters.grad - lr * (at[0] - at[1]) / (2 * R)
        a.step()
        weight_step(xt, yt)

    return model, v1 if args.method == "v1" else v2


def measure(impl: str, args, queue) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    crit = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    (xt, yt), (xv, yv) = [(torch.randn(args.batch, 3, args.size, args.size, generator=g),
                           torch.randint(0, 10, (args.batch,), generator=g)) for _ in range(2)]
    model, step = _official(args, crit) if impl == "official" else _ours(impl, args, crit)
    model.train()
    first = []
    for _ in range(args.warmup):  # the first includes torch.compile's compilation, when on
        tic = time.perf_counter()
        step(xt, yt, xv, yv)
        first.append(time.perf_counter() - tic)
    base = _rss_kb("VmRSS:")
    reset = _reset_peak()
    times = []
    for _ in range(args.steps):
        tic = time.perf_counter()
        step(xt, yt, xv, yv)
        times.append(time.perf_counter() - tic)
    queue.put({"impl": impl, "times": times, "first": first, "peak_mb": _rss_kb("VmHWM:") / 1024,
               "step_mb": (_rss_kb("VmHWM:") - base) / 1024 if reset else float("nan"),
               "profile": _profile(step, (xt, yt, xv, yv)) if args.profile else None})


# where a step's time goes: torch profiler self time, per group of aten ops
PROFILE_GROUPS = {"convolutions": ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::thnn_conv2d",
                                   "aten::_slow_conv2d_forward", "aten::_slow_conv2d_backward"),
                  "batch norms": ("aten::native_batch_norm", "aten::native_batch_norm_backward")}


def _profile(step, batch) -> dict:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step(*batch)
    out = {name: 0.0 for name in (*PROFILE_GROUPS, "everything else")}
    for event in prof.key_averages():
        group = next((g for g, ops in PROFILE_GROUPS.items() if event.key in ops), "everything else")
        out[group] += event.self_cpu_time_total / 1e6
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", choices=("v1", "v2"), default="v1")
    p.add_argument("--space", choices=("nb201", "darts"), default="nb201")
    p.add_argument("--impls", default=None, help="comma-separated subset of ours,reference,official,compiled "
                   "(default: all but compiled)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=3, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps per round")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--C", type=int, default=16)
    p.add_argument("--N", type=int, default=None, help="cells per stage (NB201, default 5) or in all (DARTS, 8)")
    p.add_argument("--channels-last", default="auto", type=lambda v: v if v == "auto" else v == "true",
                   help="ours: auto (the default: NHWC on the CPU), true or false; the reference is NCHW")
    p.add_argument("--profile", action="store_true",
                   help="after the timed steps, one profiled step per process: seconds in convolutions, batch norms "
                        "and everything else (torch profiler self time)")
    args = p.parse_args()
    args.N = args.N or (5 if args.space == "nb201" else 8)
    impls = args.impls.split(",") if args.impls else ["ours", "reference"] + (["official"] if args.space == "nb201" else [])
    ctx = mp.get_context("spawn")
    results = {k: [] for k in impls}
    peaks = {k: [] for k in impls}
    firsts = {k: [] for k in impls}
    profiles = {k: [] for k in impls}
    for r in range(args.rounds):
        order = impls[r % len(impls):] + impls[: r % len(impls)]
        for impl in order:
            queue = ctx.Queue()
            proc = ctx.Process(target=measure, args=(impl, args, queue))
            proc.start()
            out = queue.get()
            proc.join()
            results[impl] += out["times"]
            if out["profile"]:
                profiles[impl].append(out["profile"])
            firsts[impl] += out["first"][:1]
            peaks[impl].append((out["peak_mb"], out["step_mb"]))
            print(f"round {r + 1} {impl:9s} median {statistics.median(out['times']):.3f} s/step  first "
                  f"{out['first'][0] if out['first'] else float('nan'):.2f} s  peak RSS {out['peak_mb']:.0f} MB", flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"\nDARTS-{args.method.upper()} step, {args.space}, batch {args.batch}, {args.size}x{args.size}, C={args.C}, "
          f"N={args.N}, {args.threads} thread(s), {args.rounds} rounds x {args.steps} steps"
          + (f", ours channels_last={args.channels_last}" if args.space == "nb201" else ""))
    for impl in impls:
        peak = max(p for p, _ in peaks[impl])
        print(f"  {impl:9s} median {med[impl]:.3f} s/step, min {min(results[impl]):.3f}, first step (median) "
              f"{statistics.median(firsts[impl]) if firsts[impl] else float('nan'):.2f} s, peak RSS {peak:.0f} MB")
    for impl in impls if args.profile else []:
        parts = {g: statistics.median(p[g] for p in profiles[impl]) for g in profiles[impl][0]}
        print(f"  {impl:9s} profiled step (median over rounds): "
              + ", ".join(f"{g} {v:.2f} s" for g, v in parts.items()) + f", total {sum(parts.values()):.2f} s")
    mine = [i for i in ("ours", "compiled") if i in impls]
    for a, b in [(a, b) for a in mine for b in impls if b not in ("ours", a)]:
        print(f"  ratio {a}/{b}: {med[a] / med[b]:.2f} (median), {min(results[a]) / min(results[b]):.2f} (min)")


if __name__ == "__main__":
    main()
