"""The GPU plan, estimated from what a CPU can measure: per search step, FLOPs, bytes moved and kernel
launches of our default (fast) path, then seconds per epoch on an H100/H200-class GPU and the GPU-hours
of the study's whole DAG. ESTIMATES, not GPU measurements.

Per step (one DARTS-V1 or DARTS-V2 step: weight step + alpha step, optimiser steps included) every aten
op that reaches a kernel is intercepted (a TorchDispatchMode, single path, float32):
- FLOPs: torch.utils.flop_counter's formulas per op (convs, matmuls); the total is checked against
  FlopCounterMode over the same step;
- bytes: the sizes of each op's tensor inputs and outputs (a lower bound on its DRAM traffic: each read
  and written once);
- kernel launches: one per op that is not a pure view/metadata op (a GPU runs one or a few kernels per
  such op; foreach optimiser ops counted once each).
Step time on the GPU (roofline per op, plus launch overhead):  sum_op max(flops/peak, bytes/bw) +
launches * overhead. Epoch = ceil(train images / batch) train steps + the epoch's validation forward passes (the same
count, no_grad forward, measured likewise). Packed seeds (K seeds' supernets run as one batched set of
kernels; another branch builds them), an ESTIMATE:
    T_K = sum_op max(K flops/peak, K bytes/bw) + launches * overhead    (vs K * T_1 for K separate runs)
i.e. the launch overhead is paid once for K seeds while the arithmetic and traffic scale with K.

    python benchmarks/gpu_plan.py [--peak-tflops 60 --hbm-gbs 3350 --launch-us 6] [--study study.json]
    python benchmarks/gpu_plan.py --by-op --rows nb201:darts-v1,nb201:official-v1,nb201:packed8-v1
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections import Counter

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode, flop_registry

VIEW_OPS = {"view", "_unsafe_view", "as_strided", "t", "transpose", "expand", "slice", "select", "split",
            "split_with_sizes", "unsqueeze", "squeeze", "permute", "detach", "alias", "reshape", "unbind",
            "chunk", "narrow", "lift_fresh", "empty_like", "empty", "zeros_like_meta", "_reshape_alias",
            "view_as", "numpy_T", "expand_as", "_to_copy_meta"}


def _nbytes(x) -> int:
    if isinstance(x, torch.Tensor):
        return x.numel() * x.element_size()
    if isinstance(x, (list, tuple)):
        return sum(_nbytes(t) for t in x)
    return 0


class Counting(TorchDispatchMode):
    """Per aten op: calls (launches), FLOPs and bytes of inputs + outputs."""

    def __init__(self):
        super().__init__()
        self.ops = []  # (name, flops, bytes)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = func.overloadpacket.__name__
        if name not in VIEW_OPS:
            fn = flop_registry.get(func.overloadpacket)
            flops = int(fn(*args, **kwargs, out_val=out)) if fn is not None else 0
            moved = sum(_nbytes(a) for a in args) + sum(_nbytes(v) for v in kwargs.values()) + _nbytes(out)
            self.ops.append((name, flops, moved))
        return out


def _method(space: str, method: str, fast: bool = True):
    from darts_core.search.config import resolve_config
    from darts_core.search.darts import DartsV1, DartsV2
    from darts_core.spaces import get_space

    settings = {"space": space, "method": method, "device": "cpu", "fast_path": fast}
    if space == "darts":
        settings.update(preset="darts-space", channels=16, num_cells=8)
    elif space.startswith("nb1shot1"):  # Exp.8: the official train_search.py defaults (batch 96)
        settings.update(preset="nb1shot1")
    cfg = resolve_config(settings)
    cls = DartsV1 if method == "darts-v1" else DartsV2
    torch.manual_seed(0)
    model = get_space(space).build_supernet(cfg, 10, (3, 32, 32), mixer=cls.make_mixer(cfg))
    w = torch.optim.SGD(model.weight_parameters(), cfg.w_lr, momentum=cfg.w_momentum, weight_decay=cfg.w_wd,
                        nesterov=cfg.w_nesterov)
    step = cls(model, torch.nn.CrossEntropyLoss(), w, cls.make_alpha_optimizer(model.arch_parameters(), cfg), cfg.grad_clip)
    step.configure(cfg)
    return model, step, cfg.batch_size


def _batches(batch: int, seeds: tuple[int, ...] = ()):
    """Train and valid batches (x_train, y_train, x_valid, y_valid) of random 32x32 images; `seeds` (K,):
    one batch per packed seed, leading dimension K."""
    g = torch.Generator().manual_seed(0)
    xt, xv = (torch.randn(*seeds, batch, 3, 32, 32, generator=g) for _ in range(2))
    yt, yv = (torch.randint(0, 10, (*seeds, batch), generator=g) for _ in range(2))
    return xt, yt, xv, yv


def _count_train_step(model, step, batch: int, seeds: tuple[int, ...] = ()) -> dict:
    """Ops of one step after a first (optimiser state exists, as in every later step); --by-op rows."""
    data = _batches(batch, seeds)
    model.train()
    step(*data)
    with Counting() as train:
        step(*data)
    return {"train": train.ops, "batch": batch}


def count_step(space: str, method: str) -> dict:
    model, step, batch = _method(space, method)
    xt, yt, xv, yv = _batches(batch)
    model.train()
    step.step(xt, yt, xv, yv)  # optimiser state exists (momentum buffers), as in every later step
    with FlopCounterMode(display=False) as fc, Counting() as train:  # both see the same step's ops
        step.step(xt, yt, xv, yv)
    model.eval()
    with torch.no_grad(), Counting() as valid:
        model(xv)
    model.train()
    return {"space": space, "method": method, "flop_counter_total": fc.get_total_flops(), "train": train.ops,
            "valid": valid.ops, "batch": batch}


def _costed_as(method: str) -> str:
    """Methods other than DARTS-V2 are costed as a DARTS-V1 step (an upper bound for the one-op-per-edge
    methods GDAS, RSPS, ENAS, SETN's weight steps)."""
    return "darts-v2" if method == "darts-v2" else "darts-v1"


def seconds(ops, peak_flops: float, bw: float, overhead: float, k: int = 1) -> float:
    return sum(max(k * f / peak_flops, k * b / bw) for _, f, b in ops) + len(ops) * overhead


def count_official_step(method: str) -> dict:
    """One step of xautodl's TinyNetworkDarts as bench_search_step.py runs it (`official-v1`, `official-v2`:
    DARTS-V1.py search_func, or DARTS-V2's step re-stated), counted like ours (--by-op only)."""
    from argparse import Namespace

    from bench_search_step import _official  # benchmarks/ is this script's directory

    torch.manual_seed(0)
    model, step = _official(Namespace(C=16, N=5, method=method.split("-")[1]), torch.nn.CrossEntropyLoss())
    return _count_train_step(model, step, 64)


def count_packed_step(k: int, method: str) -> dict:
    """One DARTS-V1/V2 step of K packed NB201 seeds (`packed<K>-v1`, `packed<K>-v2`; darts_core.search.packed,
    the optimiser settings of bench_packed_seeds.py), batch 64 per seed (--by-op only)."""
    from darts_core.nn.nb201_packed import PackedNB201Supernet
    from darts_core.search.packed import PackedDartsV1, PackedDartsV2

    torch.manual_seed(0)
    model = PackedNB201Supernet(k, 10, 16, 5)
    w = torch.optim.SGD(model.weight_parameters(), 0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    a = torch.optim.Adam(model.arch_parameters(), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    cls = PackedDartsV1 if method.endswith("v1") else PackedDartsV2
    return _count_train_step(model, cls(model, torch.nn.CrossEntropyLoss(), w, a, 5.0, list(range(k))).step, 64, (k,))


def by_op_table(ops) -> list[str]:
    """Markdown rows per aten op, most bytes first: calls, GFLOP, GB moved and its share of the step's."""
    calls, flops, moved = Counter(), Counter(), Counter()
    for name, f, b in ops:
        calls[name] += 1
        flops[name] += f
        moved[name] += b
    total = sum(moved.values()) or 1
    rows = ["| aten op | calls | GFLOP | GB moved | share of bytes |", "|---|---|---|---|---|"]
    for name, b in moved.most_common():
        if b / total >= 0.005:
            rows.append(f"| {name} | {calls[name]} | {flops[name] / 1e9:.1f} | {b / 1e9:.2f} | {100 * b / total:.1f} % |")
    rest = [n for n, b in moved.items() if b / total < 0.005]
    rows.append(f"| {len(rest)} other ops | {sum(calls[n] for n in rest)} | {sum(flops[n] for n in rest) / 1e9:.1f} | "
                f"{sum(moved[n] for n in rest) / 1e9:.2f} | {100 * sum(moved[n] for n in rest) / total:.1f} % |")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--peak-tflops", type=float, default=60.0,
                   help="achieved FLOP rate assumed (TFLOP/s); H100/H200 SXM: 67 FP32, ~495 TF32 dense at peak")
    p.add_argument("--hbm-gbs", type=float, default=3350.0, help="HBM bandwidth (GB/s): H100 SXM 3350, H200 4800")
    p.add_argument("--launch-us", type=float, default=6.0, help="per-kernel launch + dispatch overhead (us)")
    p.add_argument("--train-images", type=int, default=25000,
                   help="images per search epoch (CIFAR's search half); steps per epoch = ceil(images / batch)")
    p.add_argument("--study", default=None, help="`python -m darts_core study --json` output (default: run it)")
    p.add_argument("--packed", default="1,2,4,8", help="K values for the packed-seed estimate")
    p.add_argument("--rows", default=None,
                   help="space:method steps to count (default: every space and DARTS-V1/V2 step the study needs)")
    p.add_argument("--by-op", action="store_true",
                   help="only the per-op breakdown (calls, GFLOP, GB moved) of each --rows step; no estimate")
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.by_op:
        for space, method in [tuple(r.split(":")) for r in (args.rows or "nb201:darts-v1").split(",")]:
            official, packed = method.startswith("official-"), method.startswith("packed")
            if (official or packed) and space != "nb201":
                raise SystemExit(f"--rows {space}:{method}: xautodl's and the packed step are NAS-Bench-201 only")
            if packed:
                k = int(method[len("packed"):].split("-")[0])
                c, what = count_packed_step(k, method), f"{k} packed seeds"
            elif official:
                c, what = count_official_step(method), "xautodl's step"
            else:
                c, what = count_step(space, method), "the default path"
            moved = sum(b for _, _, b in c["train"])
            print(f"\n{space} {method}, batch {c['batch']}, one step of {what} (CPU op counts): "
                  f"{moved / 1e9:.2f} GB moved, {len(c['train'])} kernels")
            print("\n".join(by_op_table(c["train"])))
        return
    peak, bw, ov = args.peak_tflops * 1e12, args.hbm_gbs * 1e9, args.launch_us * 1e-6
    ks = [int(k) for k in args.packed.split(",")]
    rows = {}
    if args.study:
        with open(args.study) as f:
            study = json.load(f)
    else:
        study = json.loads(subprocess.run([sys.executable, "-m", "darts_core", "study", "--json"], check=True,
                                          capture_output=True, text=True).stdout)
    needed = sorted({(r["settings"]["space"], _costed_as(r["settings"]["method"])) for r in study})
    wanted = [tuple(r.split(":")) for r in args.rows.split(",")] if args.rows else needed
    print(f"Assumed: {args.peak_tflops:g} TFLOP/s achieved, {args.hbm_gbs:g} GB/s HBM, {args.launch_us:g} us per "
          f"kernel launch; ceil({args.train_images} / batch) steps + as many validation forwards per epoch. "
          "ESTIMATES from CPU-measured FLOPs/bytes/kernel counts, not GPU measurements.\n")
    print("| space | method | batch | GFLOP/step | GB moved/step | kernels/step | top kernels | est. ms/step | est. s/epoch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for space, method in wanted:
        c = count_step(space, method)
        flops = sum(f for _, f, _ in c["train"])
        assert abs(flops - c["flop_counter_total"]) <= 1e-6 * max(flops, 1), (flops, c["flop_counter_total"])
        moved = sum(b for _, _, b in c["train"])
        top = ", ".join(f"{n} {k}" for n, k in Counter(n for n, _, _ in c["train"]).most_common(3))
        steps = math.ceil(args.train_images / c["batch"])
        step_s = {k: seconds(c["train"], peak, bw, ov, k) for k in ks}
        valid_s = {k: seconds(c["valid"], peak, bw, ov, k) for k in ks}
        epoch = {k: steps * (step_s[k] + valid_s[k]) for k in ks}
        rows[(space, method)] = epoch
        print(f"| {space} | {method} | {c['batch']} | {flops / 1e9:.1f} | {moved / 1e9:.2f} | {len(c['train'])} | {top} | "
              f"{step_s[1] * 1e3:.1f} | {epoch[1]:.1f} |", flush=True)
    missing = [k for k in needed if k not in rows]
    if missing:
        print(f"\n(no study total: --rows leaves out {missing})")
        return
    # per-search cost: its epochs x the epoch estimate of its space; methods other than DARTS-V2 are costed
    # as DARTS-V1 (an upper bound for the one-op-per-edge methods GDAS, RSPS, ENAS, SETN's weight steps)
    # the paper's DAG (`snakemake` alone) apart from the optional experiments (RobustDARTS's study)
    parts = {"the paper's DAG": [r for r in study if not r.get("optional")],
             "optional experiments": [r for r in study if r.get("optional")]}
    for name, runs in parts.items():
        if not runs:
            continue
        hours = {k: 0.0 for k in ks}
        for run in runs:
            s = run["settings"]
            for k in ks:
                hours[k] += s["epochs"] * rows[(s["space"], _costed_as(s["method"]))][k] / 3600.0
        print(f"\n{name}: {len(runs)} searches, {sum(r['settings']['epochs'] for r in runs)} search epochs.")
        print("| seeds packed K | est. GPU-hours, K separate runs each | est. GPU-hours, packed by K |")
        print("|---|---|---|")
        for k in ks:
            print(f"| {k} | {hours[1]:.1f} | {hours[k] / k:.1f} |")


if __name__ == "__main__":
    main()
