"""What the reader gets: the study's figures and tables, the files each reads, and the workflow's targets.

Figures are the config's `figures` (each of a kind in darts_core.report.kinds.FIGURE_KINDS) plus Fig. 6(a)
whenever the study has a benchmark table; a table's kind follows from its experiment's space (benchmark
look-ups or retraining, darts_core.spaces). Per-run files of a figure come from its runs on its dataset
(default: the experiment's first): runs of its experiment, or `other_experiment/run` (Fig. 2(h) draws Exp.1's
runs beside Exp.3's), each labelled by its run name; `seeds` keeps only those searches.
"""

from __future__ import annotations

import importlib.util
import re

from darts_core import layout
from darts_core.report.kinds import OP_DISTRIBUTION_FIGURE, figure_kind, table_kind
from darts_core.spaces import get_space
from darts_core.study.retrain import (by_search_dataset, retrain_summaries, retrain_table_entry,
                                     retrain_table_summaries)
from darts_core.study.searches import default_experiments, study_runs
from darts_core.tabular.common import METHOD_NAMES, PAPER_ROWS

TABULAR_ROWS = {PAPER_ROWS[m]: m for m in METHOD_NAMES}  # Table 1 label -> tabular method
HAVE_BOHB = importlib.util.find_spec("hpbandster") is not None
# the train-from-scratch protocol of the stops' cells on datasets without a benchmark table (the digits demo)
SCRATCH_PROTOCOL = {"epochs": 3, "channels": 8, "num_cells": 1, "batch_size": 64, "lr": 0.05, "bn_momentum": 0.1}
TABULAR_METHODS = METHOD_NAMES
BOHB_NOTE = "BOHB not run: hpbandster is not installed (pip install -e '.[bohb]'); the paper's number"


def benchmark_datasets(config: dict, experiment: str) -> tuple[str, ...]:
    """Datasets of an experiment's space that have a benchmark table (none for retraining spaces)."""
    return tuple(get_space(config["experiments"][experiment]["space"]).benchmark_datasets)


def has_benchmark(config: dict, name: str = "nb201") -> bool:
    """Whether some experiment looks architectures up in the benchmark table `name` (Fig. 6(a) reads NB201's)."""
    return any(set(e["datasets"]) & set(get_space(e["space"]).benchmark_datasets)
               for e in config["experiments"].values() if get_space(e["space"]).benchmark == name)


def experiment_benchmark(config: dict, experiment: str) -> str:
    """The look-up table of an experiment's space."""
    return layout.benchmark_table(get_space(config["experiments"][experiment]["space"]))


# ---- figures --------------------------------------------------------------------------------------
def figure_spec(config: dict, figure: str) -> dict:
    """A figure's config entry with its kind and title filled in (Fig. 6(a) has none in the config)."""
    if figure == OP_DISTRIBUTION_FIGURE:
        return {"kind": "op_distribution", "title": figure}
    spec = dict(config["figures"][figure])
    spec.setdefault("title", figure)
    return spec


def figure_names(config: dict) -> list[str]:
    """Every figure the study draws."""
    names = list(config.get("figures", {}))
    return names + [OP_DISTRIBUTION_FIGURE] if has_benchmark(config) else names


def figure_runs(config: dict, figure: str) -> list[tuple[str, str, str]]:
    """(label, experiment, run) of each of a figure's `runs`: a run of its experiment, or `experiment/run`."""
    spec = figure_spec(config, figure)
    out = []
    for ref in spec.get("runs", []):
        exp_name, _, run = ref.rpartition("/")
        out.append((run, exp_name or spec["experiment"], run))
    return out


def figure_experiments(config: dict, figure: str) -> list[str]:
    """The experiments a figure draws runs from (its own first; none for Fig. 6(a))."""
    spec = figure_spec(config, figure)
    named = [spec["experiment"]] if "experiment" in spec else []
    return list(dict.fromkeys(named + [exp for _, exp, _ in figure_runs(config, figure)]))


def figure_dataset(config: dict, figure: str) -> str:
    spec = figure_spec(config, figure)
    return spec.get("dataset", config["experiments"][spec["experiment"]]["datasets"][0])


def _run_panels(config: dict, figure: str, kind, dataset: str) -> dict:
    seeds = figure_spec(config, figure).get("seeds")
    panels = {}
    for label, exp_name, run in figure_runs(config, figure):
        panels[label] = {}
        for row in study_runs(config, [exp_name]):
            if row["run"] == run and row["dataset"] == dataset and row["dir"] and (seeds is None or row["seed"] in seeds):
                panels[label][row["seed"]] = f"{row['dir']}/{kind.product}" if kind.product else row["dir"]
    return panels


def figure_panels(config: dict, figure: str) -> dict:
    """{run: {seed: path}} of a per-run figure: its kind's product file, or the run directory; for a kind
    `by_dataset`, {dataset: {run: {seed: path}}} over every dataset of the experiment."""
    spec = figure_spec(config, figure)
    kind = figure_kind(spec["kind"])
    if kind.by_dataset:
        return {d: _run_panels(config, figure, kind, d) for d in config["experiments"][spec["experiment"]]["datasets"]}
    return _run_panels(config, figure, kind, figure_dataset(config, figure))


def _panel_paths(config: dict, figure: str) -> list[tuple[str, str]]:
    """(dataset, path) of every panel file (or run directory) of a per-run figure."""
    spec = figure_spec(config, figure)
    kind = figure_kind(spec["kind"])
    panels = figure_panels(config, figure)
    groups = panels if kind.by_dataset else {figure_dataset(config, figure): panels}
    return [(d, p) for d, group in groups.items() for seeds in group.values() for p in seeds.values()]


def figure_inputs(config: dict, figure: str) -> list[str]:
    spec = figure_spec(config, figure)
    kind = figure_kind(spec["kind"])
    if not kind.per_run:
        return [layout.BENCHMARK_TABLE]
    if kind.product:  # the product file, and the files it waits for beside it (the run's stops)
        return [f"{p.rsplit('/', 1)[0]}/{name}" if name != kind.product else p
                for _, p in _panel_paths(config, figure) for name in (kind.product, *kind.needs)]
    bench = benchmark_datasets(config, spec["experiment"])
    return [f"{d}/{name}" for dataset, d in _panel_paths(config, figure)
            for name in kind.needs + ((layout.LOOKUP,) if dataset in bench else ())]


def figure_params(config: dict, figure: str) -> dict:
    """What the figure script needs: kind, spec, inputs (panels or the benchmark table), report caption."""
    spec = figure_spec(config, figure)
    kind = figure_kind(spec["kind"])
    inputs = figure_panels(config, figure) if kind.per_run else layout.BENCHMARK_TABLE
    paper = spec.get("paper")
    caption = kind.caption.format(
        title=spec["title"], paper=f" (paper: {paper})" if paper else "", paper_name=paper or "Figure 7",
        experiment=spec.get("experiment", ""), runs=", ".join(spec.get("runs", [])),
        metric=spec.get("metric", "cifar10_test"), stops=", ".join(spec.get("stops", [])) or "all but final")
    if "seeds" in spec:
        caption += f" Seeds drawn: {', '.join(map(str, spec['seeds']))}."
    if "last_epochs" in spec:
        caption += ALIGNED_NOTE.format(n=spec["last_epochs"])
    return {"kind": kind.name, "spec": spec, "inputs": inputs, "caption": caption}


# the `last_epochs` option, in every kind's caption (darts_core.report.figures.align_last)
ALIGNED_NOTE = (" Epochs aligned (the paper's Fig. 2(h)): only each run's last {n} epochs are drawn, against the "
                "joint epoch k = epoch - (E - {n}) of a run of E epochs, so runs of different lengths (warm-up "
                "or pre-training first) share one axis; k = 0 is the architecture {n} epochs before the end.")


# ---- tables ---------------------------------------------------------------------------------------
def table_kind_of(config: dict, table: str) -> str:
    """`lookup` for experiments whose space has a benchmark, `retrain` for those trained from scratch,
    `retrain_by_dataset` for those whose retrain entries train each cell on its search dataset."""
    space = get_space(config["experiments"][config["tables"][table]["experiment"]]["space"])
    if space.evaluation == "benchmark":
        return "lookup"
    return "retrain_by_dataset" if by_search_dataset(config, table) else "retrain"


def uses_benchmark(config: dict, table: str) -> bool:
    exp_name = config["tables"][table]["experiment"]
    return config["experiments"][exp_name]["datasets"][0] in benchmark_datasets(config, exp_name)


def table_runs(config: dict, table: str) -> dict:
    """{run: {seed: stop_lookup.csv}} of the runs a table's rows name (first dataset of the experiment)."""
    spec = config["tables"][table]
    exp = config["experiments"][spec["experiment"]]
    wanted: dict[str, None] = {}  # in row order: a set's order changes between processes, and Snakemake
    for row in spec["rows"]:  # would take the reordered params for changed ones and rerun the table
        runs = row.get("run", [])
        wanted.update(dict.fromkeys([runs] if isinstance(runs, str) else runs))
    out = {run: {} for run in wanted}
    for row in study_runs(config, [spec["experiment"]]):
        if row["run"] in wanted and row["dataset"] == exp["datasets"][0] and row["dir"]:
            out[row["run"]][row["seed"]] = f"{row['dir']}/{layout.STOP_LOOKUP}"
    return out


def table_tabular(config: dict, table: str) -> dict:
    """{method: runs.csv} of the Table-1 baselines a table lists (benchmark datasets only; BOHB only where
    hpbandster is installed): `tabular.runs` runs each (NAS-Bench-201's 500)."""
    if not uses_benchmark(config, table):
        return {}
    out = {}
    for row in config["tables"][table]["rows"]:
        method = TABULAR_ROWS.get(row["label"])
        if row.get("cited") and method and (method != "bohb" or HAVE_BOHB):
            out[method] = layout.TABULAR_RUNS.format(method=method)
    return out


def tabular_proxy(config: dict) -> list[str]:
    """The search signal the tabular baselines read: the official 12-epoch proxy built from the .pth, or
    nothing to build (the CSV extracts are read directly, a deviation their rows state)."""
    return [layout.TABULAR_PROXY] if config["paths"]["nb201_source"] == "pth" else []


def table_inputs(config: dict, table: str) -> list[str]:
    if table_kind_of(config, table) == "retrain_by_dataset":
        return [p for per in retrain_table_summaries(config, table, True).values() for ps in per.values() for p in ps]
    if table_kind_of(config, table) == "retrain":
        return [p for paths in retrain_table_summaries(config, table).values() for p in paths]
    files = [p for seeds in table_runs(config, table).values() for p in seeds.values()]
    files += list(table_tabular(config, table).values())
    if uses_benchmark(config, table):
        files.append(experiment_benchmark(config, config["tables"][table]["experiment"]))
    return files


def table_params(config: dict, table: str) -> dict:
    """What the table script needs: kind, the builder's inputs, the report caption."""
    spec = config["tables"][table]
    exp = config["experiments"][spec["experiment"]]
    kind = table_kind(table_kind_of(config, table))
    inputs = {"spec": spec, "experiment": exp}
    fields = dict(paper=spec.get("paper", table), title=exp.get("title", ""), experiment=spec["experiment"],
                  seeds=", ".join(map(str, exp["seeds"])))
    if kind.name in ("retrain", "retrain_by_dataset"):
        entry = retrain_table_entry(config, table)
        inputs.update(entry=entry, summaries=retrain_table_summaries(config, table, kind.name == "retrain_by_dataset"))
        fields.update(rdataset=entry.get("dataset", "-"), protocol=entry.get("protocol", "-"),
                      search_seeds=", ".join(map(str, entry.get("search_seeds") or exp["seeds"])),
                      retrain_seeds=", ".join(map(str, entry.get("seeds", []))))
    else:
        inputs.update(runs=table_runs(config, table), tabular=table_tabular(config, table),
                      benchmark=experiment_benchmark(config, spec["experiment"]) if uses_benchmark(config, table) else None,
                      bohb_note="" if HAVE_BOHB else BOHB_NOTE)
    return {"kind": kind.name, "inputs": inputs, "caption": kind.caption.format(**fields)}


def table_names(config: dict) -> list[str]:
    return list(config.get("tables", {}))


# ---- the report's front page ------------------------------------------------------------------------
def default_figures(config: dict) -> list[str]:
    """The figures of the default target (those of experiments not marked `optional`, and Fig. 6(a))."""
    default = set(default_experiments(config))
    return [f for f in figure_names(config) if set(figure_experiments(config, f)) <= default]


def default_tables(config: dict) -> list[str]:
    default = set(default_experiments(config))
    return [t for t in table_names(config) if config["tables"][t]["experiment"] in default]


def summary_inputs(config: dict) -> list[str]:
    """The front page shows the default target's figures and tables (an optional experiment's are built on
    request and would otherwise pull its searches into `snakemake`)."""
    figures = [layout.FIGURE.format(figure=f, ext="png") for f in default_figures(config)]
    tables = [layout.TABLE_FILE.format(table=t, ext="md") for t in default_tables(config)]
    return figures + tables + [layout.COMPARE_FILE.format(table=t, ext="md") for t in default_tables(config)]


def summary_params(config: dict) -> dict:
    """What the front page shows (darts_core.report.summary): every default figure with its caption, every
    default table."""
    figures = [{"name": f, "title": figure_spec(config, f)["title"], "png": layout.FIGURE.format(figure=f, ext="png"),
                "caption": figure_params(config, f)["caption"]} for f in default_figures(config)]
    tables = [{"name": t, "md": layout.TABLE_FILE.format(table=t, ext="md"),
               "compare_md": layout.COMPARE_FILE.format(table=t, ext="md")} for t in default_tables(config)]
    study = config.get("study", "")
    title = "Zhang & Ding (CIKM 2021), reproduced" + (f": study {study}" if study else "")
    where = ("Tables as in results/tables/ (CSV, Markdown, LaTeX; † cited from the paper, ‡ a stop criterion "
             "that did not fire in every seed), figures as in results/figures/ (PNG, PDF).")
    return {"title": title, "where": where, "figures": figures, "tables": tables}


# ---- the workflow's targets -------------------------------------------------------------------------
def targets(config: dict) -> list[str]:
    """What `snakemake` builds: the manifest of every experiment not marked `optional`, their figures and
    tables, the retrain summaries."""
    default = set(default_experiments(config))
    out = [layout.MANIFEST.format(experiment=e) for e in config["experiments"] if e in default]
    out += [layout.FIGURE.format(figure=f, ext=x) for f in default_figures(config) for x in layout.FIGURE_EXTS]
    out += retrain_summaries(config, [n for n, e in config.get("retrain", {}).items() if e["experiment"] in default])
    out += [layout.PROTOCOL.format(ext=x) for x in layout.PROTOCOL_EXTS]
    for table in default_tables(config):
        out += [layout.TABLE_FILE.format(table=table, ext=x) for x in layout.TABLE_EXTS]
        out += [layout.COMPARE_FILE.format(table=table, ext=x) for x in layout.COMPARE_EXTS]
    if figure_names(config) or table_names(config):
        out.append(layout.SUMMARY)
    return out


def name_regex(names) -> str:
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!)"
