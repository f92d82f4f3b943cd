"""The dominant-eigenvalue trajectories of DARTS against its regularised variants (Zela et al. 2020, the
figure of lambda_max over the search for DARTS and R-DARTS): one panel per search dataset of an experiment
(one space), one line per run (DARTS first, then the L2 or drop-path values), mean ± std over seeds of
the eigenvalue each run logged every `hessian_every` epochs (`hessian.csv`: RobustDARTS train_search.py,
every report_freq_hessian = 2 epochs and the last; epochs here are 1-based, after the epoch). A dotted
line marks where DARTS-ES stopped on the first run (DARTS; stops.csv `darts_es`, median over the seeds
where it fired).

`panels`: {dataset: {run: {seed: run directory}}} (darts_core.study.products.figure_panels for a kind
with `by_dataset`); each directory's hessian.csv (written by the search itself) and stops.csv are read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.layout import HESSIAN
from darts_core.report.figures import (COLUMN_WIDTH_IN, PANEL_HEIGHT_IN, RUN_COLORS, STYLE, finish, mark_stops, plt,
                                       read_stop_epochs, require_columns)
from darts_core.report.tables import DATASET_LABELS

Panels = Mapping[str, Mapping[str, Mapping[int, str | os.PathLike]]]


def read_eigenvalues(panels: Panels) -> pd.DataFrame:
    """`dataset, run, seed, epoch, eigenvalue` of every hessian.csv; a missing file is a one-line error."""
    frames = []
    for dataset, runs in panels.items():
        for run, seeds in runs.items():
            for seed, path in seeds.items():
                path = Path(path) / HESSIAN
                if not path.is_file():
                    raise DartsCoreError(f"eigenvalue figure: {path} does not exist (search the run with hessian_every)")
                df = pd.read_csv(path)
                require_columns(df, ("epoch", "eigenvalue"), f"eigenvalue figure: {path}")
                frames.append(df[["epoch", "eigenvalue"]].assign(dataset=dataset, run=run, seed=int(seed)))
    if not frames:
        raise DartsCoreError("eigenvalue figure: no runs")
    return pd.concat(frames, ignore_index=True)


def plot_eigenvalue_trajectories(panels: Panels, out_png, out_pdf=None, title: str | None = None,
                                 labels: Mapping[str, str] | None = None) -> Path:
    eig = read_eigenvalues(panels)
    datasets = list(panels)
    runs = list(dict.fromkeys(r for d in datasets for r in panels[d]))
    labels = labels or {}
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(datasets), squeeze=False, layout="constrained",
                                 figsize=(max(COLUMN_WIDTH_IN, 2.1 * len(datasets)), PANEL_HEIGHT_IN + 0.7))
        for c, dataset in enumerate(datasets):
            ax = axes[0, c]
            stops = read_stop_epochs(panels[dataset])
            # darts_es with or without options (the demo's darts_es:start=4)
            stops = stops[stops["criterion"].str.match(r"darts_es(:|$)")] if len(stops) else stops
            for i, run in enumerate(runs):
                sel = eig[(eig["dataset"] == dataset) & (eig["run"] == run)]
                if not len(sel):
                    continue
                s = sel.groupby("epoch")["eigenvalue"].agg(["mean", "std", "count"]).reset_index()
                color = "black" if i == 0 else RUN_COLORS[(i - 1) % len(RUN_COLORS)]
                n = sel["seed"].nunique()
                ax.plot(s["epoch"], s["mean"], color=color, lw=1.2 if i == 0 else 0.9, marker="o", ms=1.6,
                        label=f"{labels.get(run, run)} ({n})" if c == 0 else None)
                if (s["count"] > 1).any():
                    std = s["std"].fillna(0.0)
                    ax.fill_between(s["epoch"], s["mean"] - std, s["mean"] + std, color=color, alpha=0.15, lw=0)
                if i == 0:  # DARTS-ES is the DARTS run's stop (the table's DARTS-ES row)
                    mark_stops(ax, stops, run)
            ax.set_title(DATASET_LABELS.get(dataset, dataset))
            ax.set_xlabel("epoch")
            ax.grid(True, lw=0.3, alpha=0.5)
            ax.margins(x=0)
        axes[0, 0].set_ylabel("dominant eigenvalue\n" + r"of $\nabla^2_\alpha \mathcal{L}_{valid}$")
        handles, names = axes[0, 0].get_legend_handles_labels()
        several = eig.groupby(["dataset", "run"])["seed"].nunique().max() > 1
        fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 4), frameon=False,
                   title="run (seeds)" + ("; mean ± std" if several else "") + f"; dotted: DARTS-ES stop of {runs[0]}",
                   title_fontsize=6)
        return finish(fig, out_png, out_pdf, title)


# entry of the figure kind `eigenvalue_trajectories` (darts_core.report.kinds)
def draw_eigenvalue_trajectories(panels, spec: Mapping, out_png, out_pdf=None) -> Path:
    return plot_eigenvalue_trajectories(panels, out_png, out_pdf, title=spec.get("title"))
