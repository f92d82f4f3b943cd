"""Helpers of the workflow: the config's experiments expanded into search jobs, and every file name.

Plain Python on purpose (no rules here): tests/test_workflow_common.py executes this file and calls the
functions with small configs. Functions take the config as an argument; rules pass the global `config`.
"""

import json
import math
import os
import re

# one search = experiment x space x dataset x method x run x seed
RUN_KEY = "{experiment}/{space}-{dataset}/{method}/{run}/seed{seed}"
RUN_DIR = "results/{experiment}/runs/{space}-{dataset}/{method}/{run}/seed{seed}"
SEARCH_PRODUCTS = {
    "alphas": "alphas.parquet",
    "metrics": "metrics.csv",
    "genotypes": "genotypes.csv",
    "info": "run.json",
}
MAGNITUDES = "magnitudes.csv"
STOPS = "stops.csv"
LOOKUP = "lookup.csv"
MANIFEST = "results/{experiment}/runs.csv"
BENCHMARK_TABLE = "results/benchmark/nb201.parquet"
FIGURE = "results/figures/{figure}.{ext}"
# The per-run table each figure kind draws; kinds not listed (the Hessian plot needs the stops rule)
# are declared in the config and wait for their rules.
FIGURE_PRODUCT = {"magnitudes": MAGNITUDES, "accuracy_curves": LOOKUP}

WILDCARDS = {
    "experiment": "[A-Za-z][A-Za-z0-9_]*",
    "space": "[a-z0-9]+",
    "dataset": "[A-Za-z0-9][A-Za-z0-9-]*",
    "method": "[a-z0-9][a-z0-9-]*",
    "run": "[A-Za-z0-9][A-Za-z0-9_.-]*",
    "seed": "[0-9]+",
}
# keys of an experiment / a run that are not search hyper-parameters (the schema knows all of them)
EXPERIMENT_KEYS = frozenset({"title", "paper", "space", "datasets", "seeds", "runs"})
RUN_KEYS = frozenset({"method", "reuse", "status", "note"})
DEFAULT_MINUTES_PER_EPOCH = 4


class StudyConfigError(ValueError):
    """A config that passed the JSON schema but names something that does not exist."""


def check_schema(config, schema_path):
    """The JSON schema with a one-line error that names the key (Snakemake's `validate`, which also fills
    in the schema's defaults afterwards, prints jsonschema's many-line report)."""
    import jsonschema
    import yaml

    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    errors = jsonschema.validators.validator_for(schema)(schema).iter_errors(config)
    # the deepest error, and a wrong value before an "unexpected keys" report of the same object
    candidates = [jsonschema.exceptions.best_match([e]) for e in errors]
    err = max(
        candidates,
        key=lambda e: (len(e.absolute_path), e.validator != "unevaluatedProperties"),
        default=None,
    )
    if err is not None:
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise StudyConfigError(f"config {key}: {' '.join(err.message.split())}")
    return config


def implemented():
    """(methods, spaces) the installed search core implements (darts_core.methods, darts_core.search.registry);
    runs of the others may only be declared with `status: cited`."""
    from darts_core.methods import METHODS
    from darts_core.search.registry import SPACES

    return tuple(METHODS), tuple(SPACES)


def home_of(config, experiment, run):
    """(experiment, run) whose searches `run` of `experiment` uses: itself, or its `reuse` target."""
    spec = config["experiments"][experiment]["runs"][run]
    if "reuse" not in spec:
        return experiment, run
    home_exp, home_run = spec["reuse"].split("/")
    where = f"experiments.{experiment}.runs.{run}.reuse"
    if home_exp not in config["experiments"]:
        raise StudyConfigError(f"{where}: no experiment {home_exp!r}")
    if home_run not in config["experiments"][home_exp]["runs"]:
        raise StudyConfigError(
            f"{where}: experiment {home_exp!r} has no run {home_run!r}"
        )
    if "reuse" in config["experiments"][home_exp]["runs"][home_run]:
        raise StudyConfigError(
            f"{where}: {spec['reuse']!r} is itself a reuse; name the original run"
        )
    return home_exp, home_run


def run_settings(config, experiment, run):
    """Search hyper-parameters of a run: its experiment's, then its own (the run's win)."""
    home_exp, home_run = home_of(config, experiment, run)
    exp = config["experiments"][home_exp]
    spec = exp["runs"][home_run]
    settings = {k: v for k, v in exp.items() if k not in EXPERIMENT_KEYS}
    settings.update({k: v for k, v in spec.items() if k not in RUN_KEYS})
    return settings


def search_config(config, experiment, run, dataset, seed):
    """The mapping handed to darts_core.search.config.resolve_config for one search (the scientific part;
    the search script adds data_dir, download, device and workers: machine settings, whose change must
    not re-run searches).
    """
    home_exp, home_run = home_of(config, experiment, run)
    exp = config["experiments"][home_exp]
    return {
        "space": exp["space"],
        "dataset": dataset,
        "method": exp["runs"][home_run]["method"],
        "seed": int(seed),
        **run_settings(config, home_exp, home_run),
    }


def study_runs(config, experiments=None):
    """One dict per (experiment, run, dataset, seed): names, `cited`, and the run directory `dir`
    (None for cited runs). Reused runs carry their home experiment's directory."""
    rows = []
    for exp_name in experiments or config["experiments"]:
        exp = config["experiments"][exp_name]
        for run in exp["runs"]:
            home_exp, home_run = home_of(config, exp_name, run)
            home = config["experiments"][home_exp]
            spec = home["runs"][home_run]
            cited = spec.get("status") == "cited"
            for dataset in exp["datasets"]:
                for seed in exp["seeds"]:
                    names = dict(
                        experiment=home_exp,
                        space=home["space"],
                        dataset=dataset,
                        method=spec["method"],
                        run=home_run,
                        seed=seed,
                    )
                    rows.append(
                        dict(
                            names,
                            experiment=exp_name,
                            run=run,
                            home=f"{home_exp}/{home_run}",
                            cited=cited,
                            dir=None if cited else RUN_DIR.format(**names),
                        )
                    )
    return rows


def check_search_data(config):
    """Before any job (Snakefile `onstart`): the data files of every dataset with an unfinished search
    are in place (darts_core.data.preflight), so a missing dataset fails once, not in every search job.
    """
    from darts_core.data.preflight import check_dataset
    from darts_core.errors import DartsCoreError

    def finished(run_dir):
        info = f"{run_dir}/{SEARCH_PRODUCTS['info']}"
        if not os.path.isfile(info):
            return False
        with open(info) as fh:
            return json.load(fh).get("status") in ("finished", "stopped")

    todo = {
        row["dataset"]
        for row in study_runs(config)
        if row["dir"] and not finished(row["dir"])
    }
    paths = config.get("paths", {})
    for dataset in sorted(todo):
        try:
            check_dataset(
                dataset, paths.get("data", "data"), paths.get("download", False)
            )
        except DartsCoreError as err:
            hint = "set paths.download: true in the config"
            raise StudyConfigError(
                f"paths.data ({dataset} searches): {str(err).replace('pass --download', hint)}"
            ) from None


def run_dirs(config, experiments=None):
    """Distinct directories of the searches the study runs (in config order)."""
    dirs = (r["dir"] for r in study_runs(config, experiments) if r["dir"])
    return list(dict.fromkeys(dirs))


def experiment_products(config, experiment):
    """Magnitude and stop tables of every search of an experiment (its manifest's inputs)."""
    return [
        f"{d}/{name}"
        for d in run_dirs(config, [experiment])
        for name in (MAGNITUDES, STOPS)
    ]


def figure_panels(config, figure):
    """{run: {seed: per-run table}} of a figure (magnitudes or look-ups, by its kind), in its order."""
    spec = config["figures"][figure]
    exp = config["experiments"][spec["experiment"]]
    dataset = spec.get("dataset", exp["datasets"][0])
    product = FIGURE_PRODUCT[spec["kind"]]
    panels = {run: {} for run in spec["runs"]}
    for row in study_runs(config, [spec["experiment"]]):
        if row["run"] in panels and row["dataset"] == dataset and row["dir"]:
            panels[row["run"]][row["seed"]] = f"{row['dir']}/{product}"
    return panels


def figure_inputs(config, figure):
    return [
        path
        for seeds in figure_panels(config, figure).values()
        for path in seeds.values()
    ]


def figures_of_kind(config, kinds):
    return [
        name
        for name, spec in config.get("figures", {}).items()
        if spec["kind"] in kinds
    ]


def name_regex(names):
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!)"


def resolved_searches(config, resolve):
    """{(experiment, run, dataset): settings} of every search the config runs, each passed through the
    search core's own checks (`resolve` = darts_core.search.config.resolve_config: presets, op names,
    cross-field rules) with seed 0; an error names the run. Called before any job runs.
    """
    out = {}
    for row in study_runs(config):
        key = (*home_of(config, row["experiment"], row["run"]), row["dataset"])
        if row["dir"] is None or key in out:
            continue
        try:
            out[key] = resolve(search_config(config, *key, seed=0))
        except Exception as err:  # DartsCoreError: a bad value for the search core
            raise StudyConfigError(
                f"experiments.{key[0]}.runs.{key[1]} ({key[2]}): {err}"
            ) from None
    return out


def search_minutes(config, experiment, run, epochs):
    """Slurm time limit of one search: 1.5 x epochs x minutes per epoch + 10 minutes, the minutes of its
    method or space (the larger if both are listed; else `default`)."""
    exp = config["experiments"][experiment]
    per_epoch = config.get("compute", {}).get("minutes_per_epoch", {})
    listed = [
        per_epoch[k]
        for k in (exp["runs"][run]["method"], exp["space"])
        if k in per_epoch
    ]
    minutes = (
        max(listed) if listed else per_epoch.get("default", DEFAULT_MINUTES_PER_EPOCH)
    )
    return int(math.ceil(1.5 * epochs * minutes)) + 10


def check_stop_criteria(config):
    """Selective-stop criteria name an op of their space (a typo would only show as a criterion "not
    computable" after every search has run)."""
    from darts_core.errors import DartsCoreError
    from darts_core.spaces import darts, nb201
    from darts_core.stops.criteria import parse_criterion

    for space, criteria in config.get("stop_criteria", {}).items():
        ops = nb201.OPS if space == "nb201" else darts.get_space(space).all_ops
        for i, text in enumerate(criteria):
            try:
                op = parse_criterion(text).op
            except DartsCoreError as err:
                raise StudyConfigError(f"stop_criteria.{space}[{i}]: {err}") from None
            if op is not None and op not in ops:
                raise StudyConfigError(
                    f"stop_criteria.{space}[{i}]: {text!r} names op {op!r}, which the {space} space "
                    f"lacks ({', '.join(ops)})"
                )


def check_study(config, methods, spaces):
    """Cross-references the JSON schema cannot express, and runs of methods or spaces the package does
    not implement (unless declared `status: cited`); the message names the key. Returns the config.
    """
    check_stop_criteria(config)
    experiments = config["experiments"]
    for exp_name, exp in experiments.items():
        for run, spec in exp["runs"].items():
            where = f"experiments.{exp_name}.runs.{run}"
            home_of(config, exp_name, run)
            if "method" not in spec or spec.get("status") == "cited":
                continue
            for key, name, known in (
                (f"{where}.method", spec["method"], methods),
                (f"experiments.{exp_name}.space", exp["space"], spaces),
            ):
                if name not in known:
                    raise StudyConfigError(
                        f"{key}: {name!r} is not implemented by darts_core (implemented: "
                        f"{', '.join(known)}); declare run {run!r} with `status: cited`"
                    )
    for section in ("figures", "tables"):
        for name, spec in config.get(section, {}).items():
            where = f"{section}.{name}"
            exp_name = spec["experiment"]
            if exp_name not in experiments:
                raise StudyConfigError(
                    f"{where}.experiment: no experiment {exp_name!r}"
                )
            exp = experiments[exp_name]
            if section == "figures":
                named = [(f"{where}.runs", r) for r in spec["runs"]]
                dataset = spec.get("dataset")
                if dataset is not None and dataset not in exp["datasets"]:
                    raise StudyConfigError(
                        f"{where}.dataset: {dataset!r} is not searched by {exp_name}"
                    )
                if spec["kind"] == "accuracy_curves" and exp["space"] != "nb201":
                    raise StudyConfigError(
                        f"{where}.kind: accuracy curves are NAS-Bench-201 look-ups"
                    )
            else:
                named = []
                criteria = config.get("stop_criteria", {}).get(exp["space"], [])
                for i, row in enumerate(spec["rows"]):
                    runs = row.get("run", [])
                    runs = [runs] if isinstance(runs, str) else runs
                    named += [(f"{where}.rows[{i}].run", r) for r in runs]
                    stop = row.get("stop", "final")
                    if stop not in ("final", "best", *criteria):
                        raise StudyConfigError(
                            f"{where}.rows[{i}].stop: {stop!r} is not in stop_criteria.{exp['space']}"
                        )
                check_retrain_table(config, name, spec)
            for key, run in named:
                if run not in exp["runs"]:
                    raise StudyConfigError(
                        f"{key}: experiment {exp_name!r} has no run {run!r}"
                    )
    return check_retrain(config)


def final_outputs(config):
    """What `snakemake` builds: every experiment's manifest (all its searches and magnitude tables) and
    the figures of the kinds built so far, and the retrain summaries (Tables 4-5 inputs). Tables and Hessian
    figures join when their rules exist.
    """
    targets = [MANIFEST.format(experiment=e) for e in config["experiments"]]
    for figure in figures_of_kind(config, FIGURE_PRODUCT):
        targets += [FIGURE.format(figure=figure, ext=ext) for ext in ("png", "pdf")]
    return targets + retrain_summaries(config)


# ---- retraining from scratch (Tables 4 and 5; rules in workflow/rules/retrain.smk) ----------------------
# One retrain job = (search run, stop criterion, search seed) x (dataset, protocol, retrain seed):
RETRAIN_RUN_KEY = "{experiment}/{space}-{dataset}/{method}/{run}/{criterion}"
RETRAIN_BASE = (
    "results/{experiment}/retrain/{space}-{dataset}/{method}/{run}/{criterion}"
)
GENOTYPE = f"{RETRAIN_BASE}/search{{seed}}/genotype.json"
RETRAIN_DIR = f"{RETRAIN_BASE}/search{{seed}}/{{rdataset}}-{{protocol}}/seed{{rseed}}"
RETRAIN_KEY = (
    f"{RETRAIN_RUN_KEY}/search{{seed}}/{{rdataset}}-{{protocol}}/seed{{rseed}}"
)
# the tidy table of one (run, criterion, dataset, protocol): every search seed x retrain seed
RETRAIN_SUMMARY = f"{RETRAIN_BASE}/{{rdataset}}-{{protocol}}.csv"
RETRAIN_DATASETS = ("cifar10", "cifar100", "digits", "imagenet")
RETRAIN_DEFAULTS = {"gpus": 1, "threads": 8, "mem_mb": 32000, "minutes_per_epoch": 4}


def criterion_slug(criterion):
    """A stop criterion as a path segment / wildcard value: ss_residual:sep_conv_5x5 ->
    ss_residual-sep_conv_5x5, darts+_sc:2 -> dartsplus_sc-2, ss_peak:op@normal -> ss_peak-op.normal.
    """
    return criterion.replace("+", "plus").replace(":", "-").replace("@", ".")


def retrain_criteria(config):
    """{slug: criterion} of every stop criterion of the config (the `criterion` wildcard's values)."""
    return {
        criterion_slug(c): c
        for crits in config.get("stop_criteria", {}).values()
        for c in ["final", *crits]
    }


def retrain_specs(config):
    """One dict per (retrain entry, search run, criterion, search dataset): the names of the retrain
    paths (`names`, without seed/rseed), the search seeds and retrain seeds, and the entry's settings.
    """
    out = []
    for name, entry in config.get("retrain", {}).items():
        exp_name = entry["experiment"]
        exp = config["experiments"][exp_name]
        runs = entry.get("runs") or list(exp["runs"])
        for run in runs:
            home_exp, home_run = home_of(config, exp_name, run)
            home = config["experiments"][home_exp]
            spec = home["runs"][home_run]
            if spec.get("status") == "cited":
                continue
            for dataset in exp["datasets"]:
                for criterion in entry["criteria"]:
                    out.append(
                        dict(
                            entry=name,
                            names=dict(
                                experiment=home_exp,
                                space=home["space"],
                                dataset=dataset,
                                method=spec["method"],
                                run=home_run,
                                criterion=criterion_slug(criterion),
                                rdataset=entry["dataset"],
                                protocol=entry["protocol"],
                            ),
                            criterion=criterion,
                            search_seeds=list(
                                entry.get("search_seeds") or exp["seeds"]
                            ),
                            seeds=list(entry.get("seeds", [0])),
                            settings={**RETRAIN_DEFAULTS, **entry},
                        )
                    )
        out += published_specs(config, name, entry)
    return out


# A table row `genotype: DARTS_V2` trains a published cell under the row's retrain entry (a baseline
# trained with the same protocol and seeds as the picked cells); its paths use dataset and method
# `published`, run = the genotype's name, criterion `final`, search seed 0.
PUBLISHED = "published"


def published_genotypes(config, entry_name):
    """Published genotype names that the tables using retrain entry `entry_name` train."""
    names = []
    for spec in config.get("tables", {}).values():
        if spec.get("retrain") == entry_name:
            names += [r["genotype"] for r in spec["rows"] if "genotype" in r]
    return list(dict.fromkeys(names))


def published_specs(config, entry_name, entry):
    return [
        dict(
            entry=entry_name,
            names=dict(
                experiment=entry["experiment"],
                space=config["experiments"][entry["experiment"]]["space"],
                dataset=PUBLISHED,
                method=PUBLISHED,
                run=genotype,
                criterion="final",
                rdataset=entry["dataset"],
                protocol=entry["protocol"],
            ),
            criterion="final",
            search_seeds=[0],
            seeds=list(entry.get("seeds", [0])),
            settings={**RETRAIN_DEFAULTS, **entry},
        )
        for genotype in published_genotypes(config, entry_name)
    ]


def retrain_spec(config, w):
    """The retrain spec of a job's wildcards (experiment, space, dataset, method, run, criterion, rdataset,
    protocol)."""
    for spec in retrain_specs(config):
        if all(getattr(w, k) == v for k, v in spec["names"].items()):
            return spec
    raise StudyConfigError(f"no retrain entry of the config for {dict(w.items())}")


def retrain_summaries(config, entries=None):
    """The summary CSV of every retrain entry's (run, criterion), in config order (rule all's inputs)."""
    paths = [
        RETRAIN_SUMMARY.format(**s["names"])
        for s in retrain_specs(config)
        if entries is None or s["entry"] in entries
    ]
    return list(dict.fromkeys(paths))


def retrain_results(config, w):
    """results.json of every search seed x retrain seed of one (run, criterion, dataset, protocol)."""
    spec = retrain_spec(config, w)
    return [
        f"{RETRAIN_DIR}/results.json".format(**spec["names"], seed=s, rseed=r)
        for s in spec["search_seeds"]
        for r in spec["seeds"]
    ]


def retrain_epochs(config, w):
    """Training epochs of a retrain job: the protocol preset's, or the entry's `overrides.epochs`."""
    from darts_core.train.protocols import get_protocol

    spec = retrain_spec(config, w)
    return get_protocol(w.protocol, **spec["settings"].get("overrides", {})).epochs


def retrain_minutes(config, w):
    """Slurm time limit of a retrain job: 1.5 x epochs x the entry's minutes per epoch + 10 minutes (an
    interrupted job resumes from its checkpoint when resubmitted)."""
    per_epoch = retrain_spec(config, w)["settings"]["minutes_per_epoch"]
    return int(math.ceil(1.5 * retrain_epochs(config, w) * per_epoch)) + 10


def check_retrain(config):
    """Cross-references of the `retrain` section: experiments, runs, criteria of stop_criteria, DARTS-space
    searches, seeds the experiment searches, protocol overrides. Returns the config."""
    from darts_core.errors import DartsCoreError
    from darts_core.train.protocols import get_protocol

    for name, entry in config.get("retrain", {}).items():
        where = f"retrain.{name}"
        exp_name = entry["experiment"]
        if exp_name not in config["experiments"]:
            raise StudyConfigError(f"{where}.experiment: no experiment {exp_name!r}")
        exp = config["experiments"][exp_name]
        if exp["space"] == "nb201":
            raise StudyConfigError(
                f"{where}.experiment: {exp_name!r} searches NAS-Bench-201 (look-ups, no retraining)"
            )
        for run in entry.get("runs") or []:
            if run not in exp["runs"]:
                raise StudyConfigError(
                    f"{where}.runs: experiment {exp_name!r} has no run {run!r}"
                )
        known = ("final", *config.get("stop_criteria", {}).get(exp["space"], []))
        for criterion in entry["criteria"]:
            if criterion not in known:
                raise StudyConfigError(
                    f"{where}.criteria: {criterion!r} is not in stop_criteria.{exp['space']}"
                )
        for seed in entry.get("search_seeds") or []:
            if seed not in exp["seeds"]:
                raise StudyConfigError(
                    f"{where}.search_seeds: {exp_name!r} does not search seed {seed}"
                )
        if (entry["dataset"] == "imagenet") != ("imagenet" in entry["protocol"]):
            raise StudyConfigError(
                f"{where}.protocol: {entry['protocol']!r} does not train on {entry['dataset']!r}"
            )
        # the overrides are read when a retrain job is scheduled, after the searches: check them now
        try:
            get_protocol(entry["protocol"], **entry.get("overrides", {}))
        except DartsCoreError as err:
            raise StudyConfigError(f"{where}.overrides: {err}") from None
    return config


def check_retrain_table(config, name, spec):
    """A DARTS-space table's computed rows come from the trained cells of its `retrain` entry: the entry
    must exist, retrain the table's experiment, and cover each row's run and stop criterion.
    """
    where = f"tables.{name}"
    space = config["experiments"][spec["experiment"]]["space"]
    computed = [(i, r) for i, r in enumerate(spec["rows"]) if not r.get("cited")]
    if space == "nb201":
        if "retrain" in spec:
            raise StudyConfigError(
                f"{where}.retrain: NAS-Bench-201 tables are benchmark look-ups, nothing is retrained"
            )
        return
    if not computed:
        return
    entry_name = spec.get("retrain")
    entries = config.get("retrain", {})
    if entry_name not in entries:
        raise StudyConfigError(
            f"{where}.retrain: a {space}-space table needs the retrain entry that trains its cells "
            f"(one of: {', '.join(entries) or 'none defined'}), got {entry_name!r}"
        )
    entry = entries[entry_name]
    if entry["experiment"] != spec["experiment"]:
        raise StudyConfigError(
            f"{where}.retrain: entry {entry_name!r} retrains experiment {entry['experiment']!r}, "
            f"the table shows {spec['experiment']!r}"
        )
    for i, row in computed:
        if "genotype" in row:
            from darts_core.spaces.darts import PUBLISHED_TEXT

            if row["genotype"] not in PUBLISHED_TEXT or "run" in row:
                raise StudyConfigError(
                    f"{where}.rows[{i}].genotype: {row['genotype']!r} is not a published genotype "
                    f"({', '.join(PUBLISHED_TEXT)}), or the row also names a run"
                )
            continue
        if isinstance(row.get("run"), list) or "run" not in row:
            raise StudyConfigError(
                f"{where}.rows[{i}].run: a {space}-space row names one run (or is `cited: true`)"
            )
        stop = row.get("stop", "final")
        if stop not in entry["criteria"]:
            raise StudyConfigError(
                f"{where}.rows[{i}].stop: {stop!r} is not trained by retrain.{entry_name}.criteria"
            )
        if entry.get("runs") and row["run"] not in entry["runs"]:
            raise StudyConfigError(
                f"{where}.rows[{i}].run: {row['run']!r} is not trained by retrain.{entry_name}.runs"
            )


def retrain_table_summaries(config, table):
    """{row label: [summary CSV]} of a DARTS-space table's computed rows: the row's run at its stop
    criterion, or the published cell it names, as trained by the table's `retrain` entry.
    """
    spec = config["tables"][table]
    out = {}
    for row in spec["rows"]:
        if row.get("cited"):
            continue
        if "genotype" in row:
            entry_exp = config["retrain"][spec["retrain"]]["experiment"]
            home, criterion, published = (entry_exp, row["genotype"]), "final", True
        else:
            home = home_of(config, spec["experiment"], row["run"])
            criterion, published = row.get("stop", "final"), False
        out[row["label"]] = list(
            dict.fromkeys(
                RETRAIN_SUMMARY.format(**s["names"])
                for s in retrain_specs(config)
                if s["entry"] == spec["retrain"]
                and (s["names"]["method"] == PUBLISHED) == published
                and (s["names"]["experiment"], s["names"]["run"]) == home
                and s["criterion"] == criterion
            )
        )
    return out
