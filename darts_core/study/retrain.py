"""Retraining from scratch (Tables 4 and 5): the config's `retrain` entries expanded into jobs.

One retrain job = (search run, stop criterion, search seed) x (dataset, protocol, retrain seed); paths in
darts_core.layout (GENOTYPE, RETRAIN_DIR, RETRAIN_SUMMARY). A table row `genotype: DARTS_V2` trains a
published cell under the row's retrain entry (a baseline with the same protocol and seeds as the picked
cells); its paths use dataset and method `published`, run = the genotype's name, criterion `final`,
search seed 0.
"""

from __future__ import annotations

import math

from darts_core import layout
from darts_core.study.config import StudyConfigError
from darts_core.study.searches import home_of

PUBLISHED = "published"
RETRAIN_DEFAULTS = {"gpus": 1, "threads": 8, "mem_mb": 32000, "minutes_per_epoch": 4, "gpu_efficiency": 0.9,
                    "max_job_minutes": 2880}
FAULT_RETRIES = 2  # resubmissions of a retrain job for faults (a lost node, a preemption), as profiles/slurm
# a retrain entry's `dataset: search`: each cell is trained on the dataset it was searched on (RobustDARTS
# scripts/DARTS_eval.sh: `--dataset $2`, the search's)
SEARCH_DATASET = "search"


def retrain_dataset(entry: dict, search_dataset: str) -> str:
    """The dataset a cell found on `search_dataset` is trained on under retrain entry `entry`."""
    return search_dataset if entry["dataset"] == SEARCH_DATASET else entry["dataset"]


def criterion_slug(criterion: str) -> str:
    """A stop criterion as a path segment / wildcard value: ss_residual:sep_conv_5x5 ->
    ss_residual-sep_conv_5x5, darts+_sc:2 -> dartsplus_sc-2, ss_peak:op@normal -> ss_peak-op.normal."""
    return criterion.replace("+", "plus").replace(":", "-").replace("@", ".")


def retrain_criteria(config: dict) -> dict[str, str]:
    """{slug: criterion} of every stop criterion of the config (the `criterion` wildcard's values)."""
    return {criterion_slug(c): c for crits in config.get("stop_criteria", {}).values() for c in ["final", *crits]}


def published_genotypes(config: dict, entry_name: str) -> list[str]:
    """Published genotype names that the tables using retrain entry `entry_name` train."""
    names = []
    for spec in config.get("tables", {}).values():
        if entry_name in table_entries(spec):
            names += [r["genotype"] for r in spec["rows"] if "genotype" in r]
    return list(dict.fromkeys(names))


def _spec(entry_name, entry, names, criterion, search_seeds):
    return dict(entry=entry_name, names=names, criterion=criterion, search_seeds=list(search_seeds),
                seeds=list(entry.get("seeds", [0])), settings={**RETRAIN_DEFAULTS, **entry})


def retrain_specs(config: dict) -> list[dict]:
    """One dict per (retrain entry, search run, criterion, search dataset): the names of the retrain paths
    (`names`, without seed/rseed), the search seeds and retrain seeds, and the entry's settings."""
    out = []
    for name, entry in config.get("retrain", {}).items():
        exp = config["experiments"][entry["experiment"]]
        for run in entry.get("runs") or list(exp["runs"]):
            home_exp, home_run = home_of(config, entry["experiment"], run)
            home = config["experiments"][home_exp]
            spec = home["runs"][home_run]
            if spec.get("status") == "cited":
                continue
            for dataset in exp["datasets"]:
                for criterion in entry["criteria"]:
                    names = dict(experiment=home_exp, space=home["space"], dataset=dataset, method=spec["method"],
                                 run=home_run, criterion=criterion_slug(criterion),
                                 rdataset=retrain_dataset(entry, dataset),
                                 protocol=entry["protocol"])
                    out.append(_spec(name, entry, names, criterion, entry.get("search_seeds") or exp["seeds"]))
        for genotype in published_genotypes(config, name) if entry["dataset"] != SEARCH_DATASET else []:
            names = dict(experiment=entry["experiment"], space=exp["space"], dataset=PUBLISHED, method=PUBLISHED,
                         run=genotype, criterion="final", rdataset=entry["dataset"], protocol=entry["protocol"])
            out.append(_spec(name, entry, names, "final", [0]))
    return out


def retrain_spec(config: dict, names) -> dict:
    """The retrain spec of a job's names (a mapping or Snakemake wildcards: experiment, space, dataset,
    method, run, criterion, rdataset, protocol)."""
    names = dict(names.items())
    for spec in retrain_specs(config):
        if all(names.get(k) == v for k, v in spec["names"].items()):
            return spec
    raise StudyConfigError(f"no retrain entry of the config for {names}")


def retrain_summaries(config: dict, entries=None) -> list[str]:
    """The summary CSV of every retrain entry's (run, criterion), in config order."""
    paths = [layout.RETRAIN_SUMMARY.format(**s["names"]) for s in retrain_specs(config)
             if entries is None or s["entry"] in entries]
    return list(dict.fromkeys(paths))


def retrain_results(config: dict, names) -> list[str]:
    """results.json of every search seed x retrain seed of one (run, criterion, dataset, protocol)."""
    spec = retrain_spec(config, names)
    return [f"{layout.RETRAIN_DIR}/{layout.RETRAIN_RESULTS}".format(**spec["names"], seed=s, rseed=r)
            for s in spec["search_seeds"] for r in spec["seeds"]]


def retrain_epochs(config: dict, names) -> int:
    """Training epochs of a retrain job: the protocol preset's, or the entry's `overrides.epochs`."""
    from darts_core.train.protocols import get_protocol

    spec = retrain_spec(config, names)
    return get_protocol(spec["names"]["protocol"], **spec["settings"].get("overrides", {})).epochs


def retrain_estimate_minutes(config: dict, names) -> int:
    """Estimated wall minutes of a whole retraining, an estimate, not a measurement: epochs x the entry's
    `minutes_per_epoch` (one GPU) / (gpus x `gpu_efficiency`, the assumed multi-GPU scaling) when gpus > 1,
    x 1.5 for slower machines, + 10 minutes."""
    settings = retrain_spec(config, names)["settings"]
    gpus = settings["gpus"]
    speedup = gpus * settings["gpu_efficiency"] if gpus > 1 else 1.0
    return int(math.ceil(1.5 * retrain_epochs(config, names) * settings["minutes_per_epoch"] / speedup)) + 10


def retrain_minutes(config: dict, names) -> int:
    """Slurm time limit of one retrain job: the estimate, capped at the entry's `max_job_minutes` (the
    partition's limit). A job that cannot finish in it stops after the checkpoint of the last epoch that
    fits (darts_core.train.trainer, TimeLimitReached) and the resubmitted job resumes there."""
    return min(retrain_estimate_minutes(config, names), retrain_spec(config, names)["settings"]["max_job_minutes"])


def retrain_chunks(config: dict, names) -> int:
    """Jobs a retraining takes end to end: the estimate over the time limit, rounded up."""
    return -(-retrain_estimate_minutes(config, names) // retrain_minutes(config, names))


def retrain_retries(config: dict, datasets) -> int | None:
    """Snakemake `retries` of the retrain rule for `datasets`: the resubmissions its longest retraining
    needs (chunks - 1) plus FAULT_RETRIES; None (the profile's) when every one fits one job."""
    chunks = [retrain_chunks(config, s["names"]) for s in retrain_specs(config) if s["names"]["rdataset"] in datasets]
    most = max(chunks, default=1)
    return most - 1 + FAULT_RETRIES if most > 1 else None


def table_entries(spec: dict) -> list[str]:
    """The retrain entries of a retraining table: its `retrain` name, or each of its list."""
    names = spec.get("retrain")
    return [] if names is None else [names] if isinstance(names, str) else list(names)


def retrain_table_summaries(config: dict, table: str, by_dataset: bool = False) -> dict:
    """{row label: [summary CSV]} of a retraining table's computed rows: the row's run at its stop
    criterion, or the published cell it names, as trained by the table's `retrain` entries;
    `by_dataset`: {row label: {search dataset: [summary CSV]}} (tables with a column per dataset)."""
    spec = config["tables"][table]
    entries = table_entries(spec)
    specs = retrain_specs(config)
    out = {}
    for row in spec["rows"]:
        if row.get("cited") or "select" in row:  # a `select` row reads no cell of its own (report.dataset_tables)
            continue
        if "genotype" in row:
            home = (config["retrain"][entries[0]]["experiment"], row["genotype"])
            criterion, published = "final", True
        else:
            home = home_of(config, spec["experiment"], row["run"])
            criterion, published = row.get("stop", "final"), False
        hits = [s for s in specs
                if s["entry"] in entries and (s["names"]["method"] == PUBLISHED) == published
                and (s["names"]["experiment"], s["names"]["run"]) == home and s["criterion"] == criterion]
        if by_dataset:
            out[row["label"]] = {}
            for s in hits:
                out[row["label"]].setdefault(s["names"]["dataset"], []).append(layout.RETRAIN_SUMMARY.format(**s["names"]))
        else:
            out[row["label"]] = list(dict.fromkeys(layout.RETRAIN_SUMMARY.format(**s["names"]) for s in hits))
    return out


def retrain_table_entry(config: dict, table: str) -> dict:
    """The (first) retrain entry of a retraining table ({} when every row is cited)."""
    entries = table_entries(config["tables"][table])
    return config.get("retrain", {}).get(entries[0], {}) if entries else {}


def by_search_dataset(config: dict, table: str) -> bool:
    """Whether a retraining table's entries train each cell on its own search dataset (`dataset: search`):
    its columns are then the experiment's datasets (RobustDARTS's table)."""
    entries = [config.get("retrain", {}).get(n, {}) for n in table_entries(config["tables"][table])]
    return bool(entries) and all(e.get("dataset") == SEARCH_DATASET for e in entries)
