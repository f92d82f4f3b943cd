"""Paper figures. Sized for one ACM column (3.33 in wide); PNG for reading, PDF for the paper.

- `plot_magnitudes`: operation magnitude m(t, o) of Eq. 11 per op over epochs, the mean over seeds as a
  line and ±1 std as a band, one panel per run (Fig. 3(d), Fig. 5 right).
- `plot_accuracy_curves`: benchmark accuracy of the architecture derived at each epoch, one line per run,
  mean ± std over seeds (Fig. 2, 3(a)-(c), 5 left).
Both read per-run tables gathered by `read_panels`; `draw_magnitudes` and `draw_accuracy_curves` are the
entries of their figure kinds (darts_core.report.kinds). A figure's `last_epochs` option (`align_last`)
draws each run's last N epochs on one axis (Fig. 2(h)).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import pandas as pd  # noqa: E402

from darts_core.errors import DartsCoreError  # noqa: E402
from darts_core.runlog import atomic_write  # noqa: E402

COLUMN_WIDTH_IN = 3.33  # ACM sigconf column
PANEL_HEIGHT_IN = 1.9
# benchmark metric column (darts_core.benchmark.table.METRIC_COLUMNS) -> axis label
METRIC_LABELS = {
    "cifar10_valid": "CIFAR-10 valid acc. (%)",
    "cifar10_test": "CIFAR-10 test acc. (%)",
    "cifar100_valid": "CIFAR-100 valid acc. (%)",
    "cifar100_test": "CIFAR-100 test acc. (%)",
    "ImageNet16-120_valid": "ImageNet16-120 valid acc. (%)",
    "ImageNet16-120_test": "ImageNet16-120 test acc. (%)",
}
RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")
# readable names and fixed colours, so an op looks the same in every figure (NB201 and DARTS spaces)
OP_LABELS = {
    "none": "none",
    "skip_connect": "skip",
    "nor_conv_1x1": "conv 1×1",
    "nor_conv_3x3": "conv 3×3",
    "avg_pool_3x3": "avg pool 3×3",
    "max_pool_3x3": "max pool 3×3",
    "sep_conv_3x3": "sep conv 3×3",
    "sep_conv_5x5": "sep conv 5×5",
    "dil_conv_3x3": "dil conv 3×3",
    "dil_conv_5x5": "dil conv 5×5",
}
OP_COLORS = {
    "none": "#7f7f7f",
    "skip_connect": "#d62728",
    "nor_conv_1x1": "#2ca02c",
    "nor_conv_3x3": "#1f77b4",
    "avg_pool_3x3": "#ff7f0e",
    "max_pool_3x3": "#8c564b",
    "sep_conv_3x3": "#1f77b4",
    "sep_conv_5x5": "#17becf",
    "dil_conv_3x3": "#9467bd",
    "dil_conv_5x5": "#e377c2",
}
STYLE = {
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "figure.titlesize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
}


def read_panels(panels: Mapping[str, Mapping[int, str | os.PathLike]]) -> pd.DataFrame:
    """{run: {seed: per-run CSV}} -> one tidy frame with `run` and `seed` columns added."""
    frames = []
    for run, seeds in panels.items():
        if not seeds:
            raise DartsCoreError(f"figure: run {run!r} has no searches")
        for seed, path in seeds.items():
            frames.append(pd.read_csv(path).assign(run=run, seed=int(seed)))
    return pd.concat(frames, ignore_index=True)


# short names of the stop criteria marked on the curves
STOP_LABELS = {"ss_residual": "SS", "ss_peak": "SS-peak", "darts+_sc": "sc", "darts+_rt": "rt", "darts_es": "ES"}


def stop_label(criterion: str) -> str:
    name, _, arg = criterion.partition(":")
    short = STOP_LABELS.get(name, name)
    return f"{short}_{arg}" if name.startswith("darts+") and arg else short


def read_stop_epochs(panels: Mapping[str, Mapping[int, str | os.PathLike]], name: str = "stops.csv") -> pd.DataFrame:
    """`run, seed, criterion, epoch` of every stop that fired (stops.csv `met` True, `final` left out), read
    beside each panel's file (the run directory's stops.csv); empty where a run has none."""
    rows = []
    for run, seeds in panels.items():
        for seed, path in seeds.items():
            p = Path(path)
            stops = (p if p.is_dir() else p.parent) / name
            if not stops.is_file():
                continue
            df = pd.read_csv(stops)
            met = df["met"].astype(str).str.lower().eq("true") if "met" in df.columns else True
            df = df[met & df["epoch"].notna() & (df["criterion"] != "final")]
            rows += [{"run": run, "seed": int(seed), "criterion": c, "epoch": int(e)}
                     for c, e in zip(df["criterion"], df["epoch"])]
    return pd.DataFrame(rows, columns=["run", "seed", "criterion", "epoch"])


def align_last(df: pd.DataFrame, n: int | None, *others: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """Fig. 2(h)'s alignment: each (run, seed)'s last `n` epochs of `df`, its epochs re-counted as the joint
    epoch k = epoch - (E - n) (E = its last epoch; k = 0 the architecture n epochs before the end); `others`
    (stop epochs: `run, seed, epoch`) shifted alike and cut to k >= 0 (rows without an epoch kept). `n` None:
    everything unchanged."""
    if n is None:
        return (df, *others)
    last = df.groupby(["run", "seed"])["epoch"].max()
    short = last[last < n]
    if len(short):
        (run, seed), e = short.index[0], int(short.iloc[0])
        raise DartsCoreError(f"figure: run {run!r} seed {seed} has {e} epochs, fewer than last_epochs {n}")
    offset = (last - n).rename("_offset")

    def shift(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame):
            return frame
        out = frame.join(offset, on=["run", "seed"]).dropna(subset=["_offset"])
        out = out.assign(epoch=out["epoch"] - out["_offset"].astype(int)).drop(columns="_offset")
        return out[out["epoch"].isna() | (out["epoch"] >= 0)].reset_index(drop=True)

    return (shift(df), *(shift(o) for o in others))


def epoch_label(n: int | None) -> str:
    return "epoch" if n is None else f"joint epoch (the last {n} of each run)"


def mark_stops(ax, stops: pd.DataFrame, run: str) -> None:
    """Dotted vertical lines at the epochs where the run's stop criteria fired (median over the seeds where
    each fired; "k/n" when it fired in fewer than all seeds), labelled at the top of the panel."""
    sel = stops[stops["run"] == run] if len(stops) else stops
    if not len(sel):
        return
    for k, (criterion, hit) in enumerate(sel.groupby("criterion", sort=False)):
        epoch = float(hit["epoch"].median())
        ax.axvline(epoch, color="#444", lw=0.6, ls=":", zorder=0)
        ax.annotate(stop_label(criterion), (epoch, 1.0), xycoords=("data", "axes fraction"), fontsize=5,
                    rotation=90, va="top", ha="right", color="#444", xytext=(-1, -1 - 18 * (k % 2)),
                    textcoords="offset points")


def require_columns(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DartsCoreError(f"{what}: missing column(s) {', '.join(missing)}")


def _op_order(ops) -> list[str]:
    known = [op for op in OP_LABELS if op in set(ops)]
    return known + sorted(set(ops) - set(known))


def plot_magnitudes(
    mags: pd.DataFrame,
    out_png: str | os.PathLike,
    out_pdf: str | os.PathLike | None = None,
    title: str | None = None,
    cell: str = "normal",
    stops: pd.DataFrame | None = None,
    xlabel: str = "epoch",
) -> Path:
    """Magnitude curves: columns epoch, op, magnitude, seed (+ `cell`, `run` for several panels).

    One panel per `run` (in order of appearance), one line per op: mean over seeds, band = ±1 std
    (no band with a single seed). `stops` (read_stop_epochs): the epochs where stop criteria fired, marked
    on each panel. Panels with different y ranges say so in the legend's title. Returns the PNG path.
    """
    require_columns(mags, ("epoch", "op", "magnitude", "seed"), "plot_magnitudes")
    df = mags
    if "cell" in df.columns:
        df = df[df["cell"] == cell]
        if df.empty:
            raise DartsCoreError(f"plot_magnitudes: no rows for cell {cell!r}")
    if "run" not in df.columns:
        df = df.assign(run="")
    runs = list(dict.fromkeys(df["run"]))
    ops = _op_order(df["op"].unique())
    stats = df.groupby(["run", "op", "epoch"])["magnitude"].agg(["mean", "std", "count"]).reset_index()

    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(runs),
            1,
            figsize=(COLUMN_WIDTH_IN, PANEL_HEIGHT_IN * len(runs) + (0.55 if title else 0.35)),
            sharex=True,
            squeeze=False,
            layout="constrained",
        )
        for ax, run in zip(axes[:, 0], runs):
            for op in ops:
                s = stats[(stats["run"] == run) & (stats["op"] == op)].sort_values("epoch")
                if s.empty:
                    continue
                color = OP_COLORS.get(op)
                ax.plot(s["epoch"], s["mean"], color=color, lw=1.1, label=OP_LABELS.get(op, op))
                if (s["count"] > 1).any():
                    std = s["std"].fillna(0.0)
                    ax.fill_between(s["epoch"], s["mean"] - std, s["mean"] + std, color=color, alpha=0.2, lw=0)
            n_seeds = df.loc[df["run"] == run, "seed"].nunique()
            seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}" + (", mean ± std" if n_seeds > 1 else "")
            ax.set_title(f"{run} ({seeds})" if run else seeds, loc="left", pad=2)
            ax.set_ylabel("magnitude $m(t, o)$")
            ax.grid(True, lw=0.3, alpha=0.5)
            ax.margins(x=0)
            if stops is not None:
                mark_stops(ax, stops, run)
        axes[-1, 0].set_xlabel(xlabel)
        axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        notes = []
        if len(runs) > 1 and len({tuple(round(v, 4) for v in ax.get_ylim()) for ax in axes[:, 0]}) > 1:
            notes.append("each panel has its own y scale")
        if stops is not None and len(stops):
            notes.append("dotted: epoch where a stop criterion fired")
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 5), frameon=False,
                   handlelength=1.5, columnspacing=1.0, title="; ".join(notes) or None, title_fontsize=6)
        return finish(fig, out_png, out_pdf, title)


def plot_accuracy_curves(
    curves: pd.DataFrame,
    metric: str,
    out_png: str | os.PathLike,
    out_pdf: str | os.PathLike | None = None,
    title: str | None = None,
    xlabel: str = "epoch",
) -> Path:
    """Accuracy over epochs: columns epoch, seed, `metric` (+ `run`: one line per run, in order).

    Mean over seeds as a line, ±1 std as a band (none with one seed). Returns the PNG path.
    """
    require_columns(curves, ("epoch", "seed", metric), "plot_accuracy_curves")
    df = curves if "run" in curves.columns else curves.assign(run="")
    if df[metric].isna().all():
        raise DartsCoreError(f"plot_accuracy_curves: the benchmark table has no {metric} accuracies")
    stats = df.groupby(["run", "epoch"])[metric].agg(["mean", "std", "count"]).reset_index()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, PANEL_HEIGHT_IN + (0.55 if title else 0.35)),
                               layout="constrained")
        for i, run in enumerate(dict.fromkeys(df["run"])):
            s = stats[stats["run"] == run].sort_values("epoch")
            color = RUN_COLORS[i % len(RUN_COLORS)]
            n_seeds = df.loc[df["run"] == run, "seed"].nunique()
            ax.plot(s["epoch"], s["mean"], color=color, lw=1.1, label=f"{run} ({n_seeds})" if run else None)
            if (s["count"] > 1).any():
                std = s["std"].fillna(0.0)
                ax.fill_between(s["epoch"], s["mean"] - std, s["mean"] + std, color=color, alpha=0.2, lw=0)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.margins(x=0)
        handles, labels = ax.get_legend_handles_labels()
        if labels:
            fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), frameon=False,
                       handlelength=1.5, columnspacing=1.0, title="run (seeds); mean ± std", title_fontsize=6)
        return finish(fig, out_png, out_pdf, title)


# One signature for every figure kind (darts_core.report.kinds.FIGURE_KINDS): its inputs (per-run panels
# {run: {seed: path}}, or the benchmark table's path), the figure's config entry, the output files.
# (`last_epochs`: align_last on the per-run tables and the stop epochs alike).
def draw_magnitudes(panels, spec: Mapping, out_png, out_pdf=None) -> Path:
    n = spec.get("last_epochs")
    mags, stops = align_last(read_panels(panels), n, read_stop_epochs(panels))
    return plot_magnitudes(mags, out_png, out_pdf, title=spec.get("title"), cell=spec.get("cell", "normal"),
                           stops=stops, xlabel=epoch_label(n))


def draw_accuracy_curves(panels, spec: Mapping, out_png, out_pdf=None) -> Path:
    n = spec.get("last_epochs")
    (curves,) = align_last(read_panels(panels), n)
    return plot_accuracy_curves(curves, spec.get("metric", "cifar10_test"), out_png, out_pdf,
                                title=spec.get("title"), xlabel=epoch_label(n))


def finish(fig, out_png, out_pdf=None, title: str | None = None) -> Path:
    """Title, then PNG (and PDF) written atomically, then close; returns the PNG path."""
    if title:
        fig.suptitle(title)
    png = _save(fig, out_png)
    if out_pdf is not None:
        _save(fig, out_pdf)
    plt.close(fig)
    return png


def _save(fig, path: str | os.PathLike) -> Path:
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, bbox_inches="tight"))
