"""Fig. 6(b): the selective stop on the operation-magnitude curves, with where each stop criterion stops.

The paper's Figure 6(b) sketches the selective stop (Sec. 2.4, Eq. 12-13): the magnitude m(t, o) of the
selected op (3x3 conv on NAS-Bench-201) peaks, and the architecture of that epoch is the one kept. Here the
same picture on a real run: the magnitude curves of Eq. 11 (mean over the figure's seeds; one seed gives the
exact curves the criteria saw), and for each stop criterion a vertical line at its stop epoch (median over
the seeds where it fired), in its own colour and, per family, its own line style: solid for the selective
stop (SS, Eq. 13), dotted for SS-peak (Eq. 12), dashed for DARTS+ (sc_k, rt_k), dash-dot for DARTS-ES. A selective stop
also gets a star on its op's curve at that epoch (the peak it picked); the others a triangle under the top
edge, at a height of their own so that criteria stopping at the same epoch stay apart. Each panel's legend
gives every criterion's epoch, or why it has none (did not fire within the run; not computable, e.g.
DARTS-ES without a Hessian log).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.ticker import MaxNLocator

from darts_core.report.figures import (COLUMN_WIDTH_IN, OP_COLORS, OP_LABELS, PANEL_HEIGHT_IN, STYLE, _op_order,
                                       align_last, epoch_label, finish, plt, read_panels)
from darts_core.errors import DartsCoreError
from darts_core.layout import STOPS

# colours none of the NB201/DARTS op colours use, so a stop line is never taken for an op's curve
STOP_COLORS = ("#000000", "#984ea3", "#a65628", "#e7298a", "#01665e", "#999900", "#000080", "#dfb000")
# per family; SS-peak dotted so that it shows over SS (Eq. 13) where both stop at the same epoch (softmax)
FAMILY_STYLE = {"ss_residual": "-", "ss_peak": ":", "darts+_sc": "--", "darts+_rt": "--", "darts_es": "-."}


def criterion_label(criterion: str) -> str:
    """A stop criterion as a reader knows it: `ss_residual:nor_conv_3x3` -> "SS conv 3×3 (Eq. 13)"."""
    name, _, arg = criterion.partition(":")
    if name == "ss_residual":
        return f"SS {OP_LABELS.get(arg, arg)} (Eq. 13)"
    if name == "ss_peak":
        return f"SS-peak {OP_LABELS.get(arg, arg)} (Eq. 12)"
    if name in ("darts+_sc", "darts+_rt"):
        return f"DARTS+ {name[-2:]}_{arg}"
    if name == "darts_es":
        return "DARTS-ES"
    return criterion


def read_stops(panels: Mapping[str, Mapping[int, str | os.PathLike]]) -> pd.DataFrame:
    """`run, seed, criterion, epoch, met, note` of every row of the stops.csv beside each panel's file."""
    rows = []
    for run, seeds in panels.items():
        for seed, path in seeds.items():
            p = Path(path)
            stops = (p if p.is_dir() else p.parent) / STOPS
            if not stops.is_file():
                raise DartsCoreError(f"selective-stop figure: {stops} does not exist (run the stops rule)")
            df = pd.read_csv(stops)
            met = df["met"].astype(str).str.lower().eq("true")
            rows += [{"run": run, "seed": int(seed), "criterion": c, "epoch": e, "met": bool(m),
                      "note": "" if pd.isna(n) else str(n)}
                     for c, e, m, n in zip(df["criterion"], df["epoch"], met, df["note"])]
    return pd.DataFrame(rows, columns=["run", "seed", "criterion", "epoch", "met", "note"])


def stop_points(stops: pd.DataFrame, run: str, criteria, n_seeds: int, aligned: bool = False) -> list[dict]:
    """Per criterion of one run: the median stop epoch over the seeds where it fired (None if none) and the
    legend's text. `aligned`: only the last epochs are drawn (align_last), so a stop without a row fell
    before them."""
    out = []
    for criterion in criteria:
        sel = stops[(stops["run"] == run) & (stops["criterion"] == criterion)]
        fired = sel[sel["met"] & sel["epoch"].notna()]
        if len(fired):
            epoch = float(fired["epoch"].astype(float).median())
            text = f"{epoch:g}" + ("" if n_seeds == 1 else f" (median, {len(fired)}/{n_seeds} seeds)")
        elif len(sel) and sel["note"].str.startswith("not computable").all():
            epoch, text = None, "not computable"
        elif len(sel):
            epoch, text = None, "did not fire"
        else:
            epoch, text = None, "before the drawn epochs" if aligned else "not evaluated"
        out.append({"criterion": criterion, "epoch": epoch, "text": f"{criterion_label(criterion)}: {text}"})
    return out


def plot_selective_stop(mags: pd.DataFrame, stops: pd.DataFrame, out_png, out_pdf=None, criteria=None,
                        cell: str = "normal", title: str | None = None, xlabel: str = "epoch",
                        aligned: bool = False) -> Path:
    """Magnitude curves per run (`run, seed, epoch, op, magnitude[, cell]`) with the stop points of
    `criteria` (default: every criterion of `stops` but final) marked; `stops` as read_stops gives it."""
    df = mags[mags["cell"] == cell] if "cell" in mags.columns else mags
    if df.empty:
        raise DartsCoreError(f"selective-stop figure: no magnitudes of the {cell} cell")
    runs = list(dict.fromkeys(df["run"]))
    if criteria is None:
        criteria = [c for c in dict.fromkeys(stops["criterion"]) if c != "final"]
    colors = {c: STOP_COLORS[i % len(STOP_COLORS)] for i, c in enumerate(criteria)}
    ops = _op_order(df["op"].unique())
    stats = df.groupby(["run", "op", "epoch"])["magnitude"].agg(["mean", "std", "count"]).reset_index()
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(runs), 1, squeeze=False, sharex=False, layout="constrained",
                                 figsize=(1.55 * COLUMN_WIDTH_IN, (PANEL_HEIGHT_IN + 0.1) * len(runs) + 0.55))
        for ax, run in zip(axes[:, 0], runs):
            n_seeds = df.loc[df["run"] == run, "seed"].nunique()
            for op in ops:
                s = stats[(stats["run"] == run) & (stats["op"] == op)].sort_values("epoch")
                ax.plot(s["epoch"], s["mean"], color=OP_COLORS.get(op), lw=1.1, label=OP_LABELS.get(op, op))
                if (s["count"] > 1).any():
                    std = s["std"].fillna(0.0)
                    ax.fill_between(s["epoch"], s["mean"] - std, s["mean"] + std, color=OP_COLORS.get(op),
                                    alpha=0.15, lw=0)
            handles = []
            for k, point in enumerate(stop_points(stops, run, criteria, n_seeds, aligned)):
                c, color = point["criterion"], colors[point["criterion"]]
                ls = FAMILY_STYLE.get(c.partition(":")[0], ":")
                epoch = point["epoch"]
                if epoch is None:  # in the legend only, greyed
                    handles.append(plt.Line2D([], [], color=color, ls=ls, lw=0.9, alpha=0.35, label=point["text"]))
                    continue
                line = ax.axvline(epoch, color=color, ls=ls, lw=0.9, zorder=3, label=point["text"])
                handles.append(line)
                name, _, op = c.partition(":")
                curve = stats[(stats["run"] == run) & (stats["op"] == op)].set_index("epoch")["mean"]
                if name.startswith("ss_") and len(curve):
                    y = float(curve.loc[curve.index[abs(curve.index - epoch).argmin()]])
                    ax.plot([epoch], [y], marker="*", ms=8, color=color, mec="white", mew=0.5, zorder=5)
                else:
                    ax.plot([epoch], [0.97 - 0.075 * k], marker="v", ms=4, color=color, zorder=5,
                            transform=ax.get_xaxis_transform(), clip_on=False)
            seeds = "seed " + str(df.loc[df["run"] == run, "seed"].iloc[0]) if n_seeds == 1 else \
                f"{n_seeds} seeds, mean ± std"
            ax.set_title(f"{run} ({seeds})", loc="left", pad=2)
            ax.set_ylabel("magnitude $m(t, o)$")
            ax.set_xlabel(xlabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, lw=0.3, alpha=0.5)
            ax.margins(x=0)
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                      title="stop epoch", title_fontsize=6, handlelength=2.2, borderaxespad=0)
        op_handles, op_labels = axes[0, 0].get_legend_handles_labels()
        keep = [(h, lab) for h, lab in zip(op_handles, op_labels) if lab in {OP_LABELS.get(o, o) for o in ops}]
        fig.legend([h for h, _ in keep], [lab for _, lab in keep], loc="outside lower center",
                   ncol=min(len(keep), 5), frameon=False, handlelength=1.5, columnspacing=1.0,
                   title="operation; ★ the peak a selective stop picked, ▼ the other criteria's stop",
                   title_fontsize=6)
        return finish(fig, out_png, out_pdf, title)


# entry of the figure kind `selective_stop` (darts_core.report.kinds)
def draw_selective_stop(panels, spec: Mapping, out_png, out_pdf=None) -> Path:
    n = spec.get("last_epochs")
    every = read_stops(panels)
    criteria = spec.get("stops") or [c for c in dict.fromkeys(every["criterion"]) if c != "final"]
    mags, stops = align_last(read_panels(panels), n, every)  # the criteria (and colours) before the cut
    return plot_selective_stop(mags, stops, out_png, out_pdf, criteria=criteria,
                               cell=spec.get("cell", "normal"), title=spec.get("title"), xlabel=epoch_label(n),
                               aligned=n is not None)
