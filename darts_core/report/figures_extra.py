"""Figures read straight from the benchmark table or the Hessian logs, in the style of figures.py.

- `plot_op_distribution` (Fig. 6(a)): for each NAS-Bench-201 operation, the accuracy distribution of the
  cells in which it holds at least 4 of the 6 edges (box plots with the individual cells as dots).
- `plot_hessian` (Fig. 7): dominant eigenvalue of the Hessian of the validation loss w.r.t. the alphas per
  epoch (hessian.csv of DARTS-ES runs) above the derived architecture's accuracy (lookup.csv), mean ± std
  over seeds, one colour per run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.layout import HESSIAN, LOOKUP
from darts_core.report.figures import (COLUMN_WIDTH_IN, METRIC_LABELS, OP_COLORS, OP_LABELS, PANEL_HEIGHT_IN,
                                       RUN_COLORS, STYLE, finish, mark_stops, plt, read_stop_epochs)

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def arch_ops(arch: str) -> list[str]:
    """The 6 edge operations of an NB201 arch string `|op~0|+|op~0|op~1|+|...|`."""
    return [tok.split("~")[0] for tok in arch.strip("|").replace("|+|", "|").split("|") if tok]


def dominant_op_accuracies(table: pd.DataFrame, metric: str = "cifar10_test", min_edges: int = 4) -> pd.DataFrame:
    """`op, arch, index, edges, accuracy`: the cells whose most frequent op holds >= min_edges edges."""
    from darts_core.benchmark.lookup import wide_table

    wide = wide_table(table)
    if metric not in wide.columns or wide[metric].isna().all():
        raise DartsCoreError(f"op distribution: the benchmark table has no {metric} accuracies")
    archs = table[["index", "arch"]].drop_duplicates("index").set_index("index")["arch"]
    rows = []
    for index, arch in archs.items():
        ops = arch_ops(arch)
        for op in set(ops):
            k = ops.count(op)
            if k >= min_edges:
                rows.append({"op": op, "arch": arch, "index": int(index), "edges": k,
                             "accuracy": float(wide.at[index, metric])})
    return pd.DataFrame(rows, columns=["op", "arch", "index", "edges", "accuracy"])


def _op_boxes(ax, cells: pd.DataFrame, rng, fontsize=None) -> None:
    """One box per op (official order) of the cells' accuracies, the cells as jittered dots, n per op."""
    ops = [op for op in NB201_OPS if op in set(cells["op"])]
    data = [cells.loc[cells["op"] == op, "accuracy"].to_numpy() for op in ops]
    for i, (op, vals) in enumerate(zip(ops, data)):
        ax.scatter(i + 1 + rng.uniform(-0.18, 0.18, len(vals)), vals, s=2, color=OP_COLORS.get(op),
                   alpha=0.35 if len(vals) > 5 else 1.0, lw=0)
    if data:
        ax.boxplot(data, widths=0.55, showfliers=False, medianprops={"color": "black", "lw": 1},
                   boxprops={"lw": 0.8}, whiskerprops={"lw": 0.8}, capprops={"lw": 0.8})
    ax.set_xticks(range(1, len(ops) + 1), [f"{OP_LABELS.get(op, op)}\n(n={len(v)})" for op, v in zip(ops, data)],
                  fontsize=fontsize)


def plot_op_distribution(table: pd.DataFrame, out_png, out_pdf=None, metric: str = "cifar10_test",
                         min_edges: int = 4, title: str | None = None) -> Path:
    df = dominant_op_accuracies(table, metric, min_edges).dropna(subset=["accuracy"])
    rng = np.random.default_rng(0)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, PANEL_HEIGHT_IN + 0.5), layout="constrained")
        _op_boxes(ax, df, rng)
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.set_xlabel(f"operation on ≥ {min_edges} of 6 edges")
        ax.grid(True, axis="y", lw=0.3, alpha=0.5)
        return finish(fig, out_png, out_pdf, title or "NAS-Bench-201 cells dominated by one operation")


OP_DISTRIBUTION_METRICS = ("cifar10_test", "cifar100_test", "ImageNet16-120_test")


def plot_op_distribution_grid(table: pd.DataFrame, out_png, out_pdf=None, metrics=OP_DISTRIBUTION_METRICS,
                              edges=(4, 5, 6), title: str | None = None) -> Path:
    """Fig. 6(a) as the paper describes it: one panel per dataset (row) and per number of edges the op
    holds exactly (column: 4, 5, 6 of 6), the cells' accuracies per op (box plots with the cells as dots).
    Datasets the table has no accuracies for are left out."""
    from darts_core.benchmark.lookup import wide_table

    wide = wide_table(table)
    metrics = [m for m in metrics if m in wide.columns and wide[m].notna().any()]
    if not metrics:
        raise DartsCoreError("op distribution: the benchmark table has no test accuracies")
    rng = np.random.default_rng(0)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(metrics), len(edges), squeeze=False, sharey="row", layout="constrained",
                                 figsize=(2 * COLUMN_WIDTH_IN, (PANEL_HEIGHT_IN + 0.3) * len(metrics)))
        for r, metric in enumerate(metrics):
            df = dominant_op_accuracies(table, metric, min(edges)).dropna(subset=["accuracy"])
            for c, k in enumerate(edges):
                ax = axes[r][c]
                _op_boxes(ax, df[df["edges"] == k], rng, fontsize=5)
                ax.grid(True, axis="y", lw=0.3, alpha=0.5)
                if r == 0:
                    ax.set_title(f"one op on {k} of 6 edges")
                if c == 0:
                    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        return finish(fig, out_png, out_pdf, title or "NAS-Bench-201 cells dominated by one operation")


def read_hessian_panels(panels: Mapping[str, Mapping[int, str | os.PathLike]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """{run: {seed: run dir}} -> (eigenvalues `run, seed, epoch, eigenvalue`, curves `run, seed, epoch, ...`)."""
    eig, acc = [], []
    for run, seeds in panels.items():
        for seed, run_dir in seeds.items():
            h = Path(run_dir) / HESSIAN
            if not h.is_file():
                raise DartsCoreError(f"Hessian figure: {h} does not exist (search the run with hessian_every)")
            eig.append(pd.read_csv(h).assign(run=run, seed=int(seed)))
            lk = Path(run_dir) / LOOKUP
            if lk.is_file():
                acc.append(pd.read_csv(lk).assign(run=run, seed=int(seed)))
    if not eig:
        raise DartsCoreError("Hessian figure: no runs")
    return pd.concat(eig, ignore_index=True), (pd.concat(acc, ignore_index=True) if acc else pd.DataFrame())


def _band(ax, df, col, color, label):
    s = df.groupby("epoch")[col].agg(["mean", "std", "count"]).reset_index().sort_values("epoch")
    ax.plot(s["epoch"], s["mean"], color=color, lw=1.1, label=label, marker="o" if len(s) < 30 else None, ms=2)
    if (s["count"] > 1).any():
        std = s["std"].fillna(0.0)
        ax.fill_between(s["epoch"], s["mean"] - std, s["mean"] + std, color=color, alpha=0.2, lw=0)


def plot_hessian(panels, out_png, out_pdf=None, title: str | None = None, metric: str = "cifar10_test") -> Path:
    eig, acc = read_hessian_panels(panels)
    runs = list(panels)
    with_acc = not acc.empty and metric in acc.columns and acc[metric].notna().any()
    with plt.rc_context(STYLE):
        n = 2 if with_acc else 1
        fig, axes = plt.subplots(n, 1, figsize=(COLUMN_WIDTH_IN, PANEL_HEIGHT_IN * n + 0.55), sharex=True,
                                 squeeze=False, layout="constrained")
        for i, run in enumerate(runs):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            n_seeds = eig.loc[eig["run"] == run, "seed"].nunique()
            _band(axes[0, 0], eig[eig["run"] == run], "eigenvalue", color, f"{run} ({n_seeds})")
            if with_acc:
                _band(axes[1, 0], acc[acc["run"] == run], metric, color, None)
        axes[0, 0].set_ylabel("dominant eigenvalue\n" + r"of $\nabla^2_\alpha \mathcal{L}_{val}$")
        if with_acc:
            axes[1, 0].set_ylabel(METRIC_LABELS.get(metric, metric))
        for ax in axes[:, 0]:
            ax.grid(True, lw=0.3, alpha=0.5)
            ax.margins(x=0)
        stops = read_stop_epochs(panels)
        stops = stops[stops["criterion"] == "darts_es"] if len(stops) else stops
        for i, run in enumerate(runs):
            for ax in axes[:, 0]:
                mark_stops(ax, stops, run)
        axes[-1, 0].set_xlabel("epoch")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        several = eig.groupby("run")["seed"].nunique().max() > 1
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), frameon=False,
                   title="run (seeds)" + ("; mean ± std" if several else "")
                   + ("; dotted: DARTS-ES stop" if len(stops) else ""), title_fontsize=6)
        return finish(fig, out_png, out_pdf, title)


# entries of the figure kinds `hessian` and `op_distribution` (darts_core.report.kinds)
def draw_hessian(panels, spec: Mapping, out_png, out_pdf=None) -> Path:
    return plot_hessian(panels, out_png, out_pdf, title=spec.get("title"), metric=spec.get("metric", "cifar10_test"))


def draw_op_distribution(table_path, spec: Mapping, out_png, out_pdf=None) -> Path:
    from darts_core.benchmark.table import load_table

    return plot_op_distribution_grid(load_table(table_path), out_png, out_pdf)
