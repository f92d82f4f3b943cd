"""Helpers of workflow/rules/tables.smk: which files each paper table, baseline and extra figure reads."""

import importlib.util

STOP_LOOKUP = "stop_lookup.csv"
TABLE_FILE = "results/tables/{table}.{ext}"
COMPARE_FILE = "results/tables/{table}_vs_paper.{ext}"
TABULAR_RESULT = "results/tabular/{method}/seed{seed}/result.json"
BENCHMARK_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
TABULAR_METHODS = {"REA": "rea", "RS": "rs", "REINFORCE": "reinforce", "BOHB": "bohb"}
HAVE_BOHB = importlib.util.find_spec("hpbandster") is not None
# the train-from-scratch protocol of datasets without a benchmark table (the digits demo): small and quick
SCRATCH_PROTOCOL = {
    "epochs": 3,
    "channels": 8,
    "num_cells": 1,
    "batch_size": 64,
    "lr": 0.05,
}
OP_DISTRIBUTION_FIGURE = "fig6a_op_distribution"


def table_names(config):
    """Paper tables this file builds: those whose experiment searches NAS-Bench-201 (the DARTS-space
    Tables 4-5 are the retraining rules')."""
    return [
        name
        for name, spec in config.get("tables", {}).items()
        if config["experiments"][spec["experiment"]]["space"] == "nb201"
    ]


def retrain_table_names(config):
    """Paper tables of DARTS-space experiments (Tables 4-5): rows from the retrain summaries."""
    return [
        name
        for name, spec in config.get("tables", {}).items()
        if config["experiments"][spec["experiment"]]["space"] != "nb201"
    ]


def retrain_table_entry(config, table):
    """The retrain entry of a DARTS-space table ({} when every row is cited)."""
    return config.get("retrain", {}).get(config["tables"][table].get("retrain"), {})


def table_experiment(config, table):
    spec = config["tables"][table]
    exp = config["experiments"][spec["experiment"]]
    return spec, exp


def uses_benchmark(config, table):
    _, exp = table_experiment(config, table)
    return exp["datasets"][0] in BENCHMARK_DATASETS


def table_runs(config, table):
    """{run: {seed: stop_lookup.csv}} of the runs a table's rows name (first dataset of the experiment)."""
    spec, exp = table_experiment(config, table)
    wanted = set()
    for row in spec["rows"]:
        runs = row.get("run", [])
        wanted.update([runs] if isinstance(runs, str) else runs)
    out = {run: {} for run in wanted}
    for row in study_runs(config, [spec["experiment"]]):
        if row["run"] in wanted and row["dataset"] == exp["datasets"][0] and row["dir"]:
            out[row["run"]][row["seed"]] = f"{row['dir']}/{STOP_LOOKUP}"
    return out


def table_tabular(config, table):
    """{method: {seed: result.json}} of the Table-1 baselines a table lists (benchmark datasets only;
    BOHB only where hpbandster is installed)."""
    if not uses_benchmark(config, table):
        return {}
    spec, exp = table_experiment(config, table)
    out = {}
    for row in spec["rows"]:
        method = TABULAR_METHODS.get(row["label"])
        if row.get("cited") and method and (method != "bohb" or HAVE_BOHB):
            out[method] = {
                s: TABULAR_RESULT.format(method=method, seed=s) for s in exp["seeds"]
            }
    return out


def table_inputs(config, table):
    files = [p for seeds in table_runs(config, table).values() for p in seeds.values()]
    files += [
        p for seeds in table_tabular(config, table).values() for p in seeds.values()
    ]
    if uses_benchmark(config, table):
        files.append(BENCHMARK_TABLE)
    return files


def has_benchmark(config):
    return any(
        e["space"] == "nb201" and set(e["datasets"]) & set(BENCHMARK_DATASETS)
        for e in config["experiments"].values()
    )


def table_outputs(config):
    out = []
    for table in table_names(config) + retrain_table_names(config):
        out += [TABLE_FILE.format(table=table, ext=e) for e in ("csv", "md", "tex")]
        out += [COMPARE_FILE.format(table=table, ext=e) for e in ("csv", "md")]
    if has_benchmark(config):
        out += [
            FIGURE.format(figure=OP_DISTRIBUTION_FIGURE, ext=e) for e in ("png", "pdf")
        ]
    for figure in figures_of_kind(config, ["hessian"]):
        out += [FIGURE.format(figure=figure, ext=e) for e in ("png", "pdf")]
    return out


def hessian_panels(config, figure):
    """{run: {seed: run directory}} of a Hessian figure (hessian.csv and lookup.csv inside)."""
    spec = config["figures"][figure]
    exp = config["experiments"][spec["experiment"]]
    dataset = spec.get("dataset", exp["datasets"][0])
    panels = {run: {} for run in spec["runs"]}
    for row in study_runs(config, [spec["experiment"]]):
        if row["run"] in panels and row["dataset"] == dataset and row["dir"]:
            panels[row["run"]][row["seed"]] = row["dir"]
    return panels


def hessian_inputs(config, figure):
    """Stops (the search finished, hessian.csv written) and, on benchmark datasets, the accuracy curve of
    every run directory of a Hessian figure."""
    spec = config["figures"][figure]
    exp = config["experiments"][spec["experiment"]]
    dataset = spec.get("dataset", exp["datasets"][0])
    names = (STOPS, LOOKUP) if dataset in BENCHMARK_DATASETS else (STOPS,)
    return [
        f"{d}/{name}"
        for seeds in hessian_panels(config, figure).values()
        for d in seeds.values()
        for name in names
    ]
