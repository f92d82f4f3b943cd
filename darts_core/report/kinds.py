"""Figure and table kinds: what each kind reads and which function draws or builds it.

A config figure names its `kind`; the workflow's one `figure` rule asks the kind for its inputs (via
darts_core.study.products) and its caption, and the figure script calls its `draw`. Adding a kind is its
drawing function plus one line in FIGURE_KINDS. A table's kind follows from how its experiment's space
evaluates architectures (darts_core.spaces: benchmark look-ups or retraining), see TABLE_KINDS.

Per-run panels: {run: {seed: path}} where path is the run's `product` file, or the run directory itself
when `product` is None (the Hessian figure reads hessian.csv and lookup.csv from it).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from darts_core import layout
from darts_core.errors import DartsCoreError


@dataclass(frozen=True)
class FigureKind:
    name: str
    draw: str  # "module:function" (lazy: matplotlib only where figures are drawn)
    caption: str  # Markdown/RST text of the report; {title}, {paper}, {experiment}, {runs}, {metric} filled in
    product: str | None  # per-run file the panels read; None: the run directory
    # per-run files the figure waits for besides `product` (read beside it); `lookup` is added on benchmark
    # datasets to kinds without a product
    needs: tuple[str, ...] = ()
    lookup: bool = False  # reads benchmark accuracies: the experiment's space must have a benchmark
    per_run: bool = True  # False: drawn from the benchmark table alone (Fig. 6(a))
    # the figure options it reads (schema `figure`): `last_epochs` (Fig. 2(h)'s aligned epochs), `seeds`,
    # `stops` (the criteria marked)
    options: tuple[str, ...] = ("last_epochs", "seeds")
    by_dataset: bool = False  # panels {dataset: {run: {seed: path}}} over every dataset of the experiment


_MAGNITUDES_CAPTION = (
    "{title}{paper}. Experiment ``{experiment}``, runs {runs}.\n"
    "Operation magnitudes :math:`m(t, o)` (Eq. 11): for every candidate operation, the mean over the cell's "
    "edges of its softmax weight after each epoch (epoch 0 = the initial alphas). Lines are the mean over "
    "seeds, bands ±1 standard deviation; one panel per run, each with its own y scale (a small alpha learning "
    "rate moves the magnitudes little; the figure's legend says so too). Dotted vertical lines mark the epochs "
    "where the run's stop criteria fired (``stops.csv``, median over the seeds where each fired; SS = selective "
    "stop, sc/rt = DARTS+, ES = DARTS-ES); a criterion that never fired has no line. The paper's Figure 3(d) (EX-DARTS) shows average pooling leading "
    "early, then 3×3 convolution; Figure 5 (500 epochs) shows skip-connect taking over at the end.")
_ACCURACY_CAPTION = (
    "{title}{paper}. Experiment ``{experiment}``, runs {runs}.\n"
    "After every epoch the search derives an architecture (argmax of the alphas on each edge); the plot shows "
    "its NAS-Bench-201 accuracy ({metric}: 200-epoch training, mean over the benchmark's seeds). Lines are the "
    "mean over search seeds, bands ±1 standard deviation, one line per run. In the paper (Figures 2, "
    "3(a)–(c), 5) DARTS-V1 degrades towards skip-connections as training goes on; EX-DARTS and the space "
    "without skip-connect do not.")
_HESSIAN_CAPTION = (
    "{title}. Counterpart: the paper's {paper_name}.\n"
    "The dominant eigenvalue of the Hessian of the validation loss with respect to the architecture "
    "parameters, measured during the search (DARTS-ES, ``hessian.csv``), with a dotted line where DARTS-ES "
    "stopped (``stops.csv``; none if it never fired). On NAS-Bench-201 datasets a second panel below shows "
    "the benchmark accuracy of the architecture derived at each epoch; on datasets without a benchmark table "
    "(the digits demo) the figure has the eigenvalue panel only. Lines are the mean over seeds, bands ±1 std, "
    "one colour per run ({runs}). In the paper the eigenvalue grows as the accuracy degrades.")
_EIGENVALUE_CAPTION = (
    "{title}{paper}. Experiment ``{experiment}``, runs {runs}.\n"
    "The dominant eigenvalue of the Hessian of the validation loss with respect to all architecture "
    "parameters (normal and reduction cells), measured every 2 epochs and after the last during the search "
    "(``hessian.csv``, as RobustDARTS train_search.py), one panel per search dataset, one line per run: DARTS "
    "in black, its regularised variants (larger L2 weight decay, or ScheduledDropPath) in colour; mean over "
    "the seeds, bands ±1 standard deviation. Dotted lines: where DARTS-ES stopped (``stops.csv``). In the "
    "paper the eigenvalue of plain DARTS grows during the search on these spaces and stronger regularisation "
    "keeps it low.")
_SELECTIVE_STOP_CAPTION = (
    "{title}{paper}. Experiment ``{experiment}``, runs {runs}.\n"
    "The selective stop (Sec. 2.4) on real magnitude curves: the operation magnitudes :math:`m(t, o)` of Eq. 11 "
    "after each epoch, one panel per run (mean over the seeds drawn; one seed shows the exact curves the "
    "criteria read), and where each stop criterion stops (``stops.csv``; criteria: {stops}): a vertical line "
    "per criterion in its own colour, solid for the selective stop (SS: the peak of the Eq. 13 residual of "
    "its op), dotted for SS-peak (Eq. 12), dashed for DARTS+ (sc_k: k skip-connects in the derived cell; rt_k: the "
    "ranking of the learnable ops unchanged for k epochs), dash-dot for DARTS-ES (the Hessian's dominant "
    "eigenvalue). A star marks the peak a selective stop picked on its op's curve, a triangle under the top "
    "edge every other criterion's stop. Each panel's legend gives the stop epoch of every criterion (the "
    "median over the seeds where it fired), or why there is none: it did not fire within the run, or it is "
    "not computable on that run (DARTS-ES needs the Hessian log of a run with ``hessian_every``). The "
    "paper's Figure 6(b) is a conceptual sketch of the same: the architecture is taken where the 3×3 "
    "convolution's magnitude peaks, before skip-connect takes over.")
_OP_DISTRIBUTION_CAPTION = (
    "Counterpart: the paper's Figure 6(a). Every NAS-Bench-201 cell in which one operation occupies exactly 4, "
    "5 or 6 of the 6 edges (columns), grouped by that operation: its test accuracy in the benchmark on "
    "CIFAR-10, CIFAR-100 and ImageNet16-120 (rows; 200-epoch training, mean over the benchmark's seeds), one "
    "dot per cell, box = quartiles, whiskers = 1.5 IQR. The "
    "paper's point: cells dominated by convolutions are uniformly good, cells dominated by skip-connect or "
    "pooling spread low, so a search that lets skip-connect take over degrades.")

FIGURE_KINDS: dict[str, FigureKind] = {
    k.name: k
    for k in (
        FigureKind("magnitudes", "darts_core.report.figures:draw_magnitudes", _MAGNITUDES_CAPTION, layout.MAGNITUDES,
                   needs=(layout.STOPS,)),
        FigureKind("accuracy_curves", "darts_core.report.figures:draw_accuracy_curves", _ACCURACY_CAPTION,
                   layout.LOOKUP, lookup=True),
        FigureKind("hessian", "darts_core.report.figures_extra:draw_hessian", _HESSIAN_CAPTION, None,
                   needs=(layout.STOPS,), options=("seeds",)),
        FigureKind("eigenvalue_trajectories", "darts_core.report.eigenvalue_figure:draw_eigenvalue_trajectories",
                   _EIGENVALUE_CAPTION, None, needs=(layout.STOPS,), by_dataset=True),
        FigureKind("op_distribution", "darts_core.report.figures_extra:draw_op_distribution",
                   _OP_DISTRIBUTION_CAPTION, None, per_run=False, options=()),
        FigureKind("selective_stop", "darts_core.report.figure_stops:draw_selective_stop", _SELECTIVE_STOP_CAPTION,
                   layout.MAGNITUDES, needs=(layout.STOPS,), options=("last_epochs", "seeds", "stops")),
    )
}
# Fig. 6(a) is drawn whenever the study has a benchmark table (no config entry)
OP_DISTRIBUTION_FIGURE = "fig6a_op_distribution"


@dataclass(frozen=True)
class TableKind:
    name: str
    build: str  # "module:function"
    caption: str


_LOOKUP_TABLE_CAPTION = (
    "{paper} of the paper, reproduced: {title}\n(experiment ``{experiment}``, seeds {seeds}).\n"
    "Counterpart: the paper's {paper}.\n\n"
    "Long format, one line per row × dataset × metric: ``mean`` and ``std`` over search seeds (population std, "
    "ddof 0, as NAS-Bench-201), ``n`` seeds with a value out of ``expected``, and ``missing`` naming the seeds "
    "without one (a failed or unfinished search is reported, never silently dropped). Accuracies (%) of the "
    "architecture selected by the row's stop criterion (``final`` unless named), looked up in the NAS-Bench-201 "
    "table (valid/test on CIFAR-10, CIFAR-100, ImageNet16-120; on datasets without a table, the demo's digits, "
    "trained from scratch with a small protocol); ``search_seconds`` = wall seconds of the search up to the "
    "stop. ``source``: ``computed`` (our searches), ``tabular`` (REA/RS/REINFORCE/BOHB run on the benchmark "
    "table with a simulated budget), ``benchmark`` (ResNet and optimal, from the table), ``cited`` (the paper's "
    "number, not computed here; marked † in the Markdown and LaTeX versions beside this file, "
    "``results/tables/``).")
_RETRAIN_TABLE_CAPTION = (
    "{paper} of the paper, reproduced: cells the stop criteria picked on the DARTS space (experiment "
    "``{experiment}``), trained from scratch on ``{rdataset}`` with protocol ``{protocol}`` (search seeds "
    "{search_seeds}, retrain seeds {retrain_seeds}).\n\n"
    "Long format, one line per row × metric: errors (%) and parameters (M) as ``mean`` and ``std`` over every "
    "(search seed, retrain seed) pair, ``n`` pairs with a value out of ``expected`` and ``missing`` naming the "
    "pairs without one; ``gpu_days`` is the search cost, the wall time of the search up to the stop epoch on "
    "the device named in ``note``. ``source``: ``computed`` (trained here) or ``cited`` (the paper's number, "
    "not computed here; marked † in the Markdown and LaTeX versions beside this file, ``results/tables/``).")

_BY_DATASET_TABLE_CAPTION = (
    "{paper}, reproduced: {title}\n(experiment ``{experiment}``: cells found on each dataset, trained from "
    "scratch on that dataset with protocol ``{protocol}``; search seeds {search_seeds}, retrain seeds "
    "{retrain_seeds}).\n\n"
    "Long format, one line per method × dataset × metric: test error (%) and parameters (M) as ``mean`` and "
    "``std`` over every (search seed, retrain seed) pair, ``n`` pairs with a value out of ``expected`` and "
    "``missing`` naming the pairs without one. DARTS = the final cell, DARTS-ES = the cell of the epoch "
    "where the dominant-eigenvalue criterion stops (``darts_es``), R-DARTS(L2) and (DP) = one row per value "
    "of their grids (reported: false), and one row each for the paper's single R-DARTS value, empty until the "
    "paper's rule for choosing it is transcribed. The Markdown and LaTeX versions (``results/tables/``) carry "
    "a ``reported`` column beside each dataset: the paper's value from darts_core/reported/zela2020.csv, "
    "\"not available\" where it is not transcribed, \"-\" on a row the paper does not have.")

TABLE_KINDS: dict[str, TableKind] = {
    k.name: k
    for k in (
        # NAS-Bench-201 experiments: every stop's architecture looked up (off the benchmark's datasets, the
        # digits demo, trained from scratch briefly)
        TableKind("lookup", "darts_core.report.paper_tables:build_lookup_table", _LOOKUP_TABLE_CAPTION),
        # DARTS-space experiments: the picked cells trained from scratch (Tables 4-5)
        TableKind("retrain", "darts_core.report.paper_tables:build_retrain_table", _RETRAIN_TABLE_CAPTION),
        # retraining tables whose entries train each cell on its search dataset: a column per dataset
        # (RobustDARTS's S1-S4 test errors)
        TableKind("retrain_by_dataset", "darts_core.report.paper_tables:build_by_dataset_table",
                  _BY_DATASET_TABLE_CAPTION),
    )
}


def figure_kind(name: str) -> FigureKind:
    if name not in FIGURE_KINDS:
        raise DartsCoreError(f"unknown figure kind {name!r}; kinds: {', '.join(FIGURE_KINDS)}")
    return FIGURE_KINDS[name]


def table_kind(name: str) -> TableKind:
    if name not in TABLE_KINDS:
        raise DartsCoreError(f"unknown table kind {name!r}; kinds: {', '.join(TABLE_KINDS)}")
    return TABLE_KINDS[name]


def resolve(ref: str):
    """A "module:function" string -> the function."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
