"""The config's experiments expanded into searches: one per (experiment, run, dataset, seed).

A run's settings are its experiment's, then its own (the run's win); `reuse: experiment/run` points at
another experiment's searches (no new jobs); `status: cited` runs have none (the tables quote the paper).
Every function takes the config (a dict that passed darts_core.study.config) as its first argument.
"""

from __future__ import annotations

import math

from darts_core import layout
from darts_core.study.config import StudyConfigError

# keys of an experiment / a run that are not search hyper-parameters (the schema knows all of them)
EXPERIMENT_KEYS = frozenset({"title", "paper", "space", "datasets", "seeds", "runs", "optional", "sources",
                             "paper_differs"})
RUN_KEYS = frozenset({"method", "reuse", "status", "note", "sources", "paper_differs"})
DEFAULT_MINUTES_PER_EPOCH = 4


def home_of(config: dict, experiment: str, run: str) -> tuple[str, str]:
    """(experiment, run) whose searches `run` of `experiment` uses: itself, or its `reuse` target."""
    spec = config["experiments"][experiment]["runs"][run]
    if "reuse" not in spec:
        return experiment, run
    home_exp, home_run = spec["reuse"].split("/")
    where = f"experiments.{experiment}.runs.{run}.reuse"
    if home_exp not in config["experiments"]:
        raise StudyConfigError(f"{where}: no experiment {home_exp!r}")
    if home_run not in config["experiments"][home_exp]["runs"]:
        raise StudyConfigError(f"{where}: experiment {home_exp!r} has no run {home_run!r}")
    if "reuse" in config["experiments"][home_exp]["runs"][home_run]:
        raise StudyConfigError(f"{where}: {spec['reuse']!r} is itself a reuse; name the original run")
    return home_exp, home_run


def is_cited(config: dict, experiment: str, run: str) -> bool:
    home_exp, home_run = home_of(config, experiment, run)
    return config["experiments"][home_exp]["runs"][home_run].get("status") == "cited"


def setting_sources(config: dict, experiment: str, run: str) -> dict[str, str]:
    """{setting: 'experiment' | 'run'} of the search hyper-parameters a run sets (its home's)."""
    home_exp, home_run = home_of(config, experiment, run)
    exp = config["experiments"][home_exp]
    sources = {k: "experiment" for k in exp if k not in EXPERIMENT_KEYS}
    sources.update({k: "run" for k in exp["runs"][home_run] if k not in RUN_KEYS})
    return sources


def run_settings(config: dict, experiment: str, run: str) -> dict:
    """Search hyper-parameters of a run: its experiment's, then its own (the run's win)."""
    home_exp, home_run = home_of(config, experiment, run)
    exp = config["experiments"][home_exp]
    spec = exp["runs"][home_run]
    return {k: exp[k] if src == "experiment" else spec[k]
            for k, src in setting_sources(config, home_exp, home_run).items()}


def search_mapping(config: dict, experiment: str, run: str, dataset: str, seed) -> dict:
    """The mapping handed to darts_core.search.config.resolve_config for one search: the scientific part
    (the rule's params; a change re-runs the search). `machine_settings` adds the rest."""
    home_exp, home_run = home_of(config, experiment, run)
    exp = config["experiments"][home_exp]
    return {
        "space": exp["space"],
        "dataset": dataset,
        "method": exp["runs"][home_run]["method"],
        "seed": int(seed),
        **run_settings(config, home_exp, home_run),
    }


def machine_settings(config: dict) -> dict:
    """Settings of this machine that every search gets on top of its own (data, device, workers); they
    never re-run a search."""
    return {
        "data_dir": config["paths"]["data"],
        "download": config["paths"]["download"],
        "device": config["compute"]["device"],
        "workers": config["compute"]["workers"],
    }


def default_experiments(config: dict) -> list[str]:
    """The experiments the default target builds (all but those marked `optional: true`)."""
    return [name for name, exp in config["experiments"].items() if not exp.get("optional")]


def study_runs(config: dict, experiments=None) -> list[dict]:
    """One dict per (experiment, run, dataset, seed): names, `cited`, and the run directory `dir` (None
    for cited runs). Reused runs carry their home experiment's names and directory."""
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
                    names = dict(experiment=home_exp, space=home["space"], dataset=dataset,
                                 method=spec["method"], run=home_run, seed=seed)
                    rows.append(dict(names, experiment=exp_name, run=run, home=f"{home_exp}/{home_run}",
                                     cited=cited, dir=None if cited else layout.RUN_DIR.format(**names)))
    return rows


def run_dirs(config: dict, experiments=None) -> list[str]:
    """Distinct directories of the searches the study runs (in config order)."""
    return list(dict.fromkeys(r["dir"] for r in study_runs(config, experiments) if r["dir"]))


def experiment_products(config: dict, experiment: str) -> list[str]:
    """Magnitude and stop tables of every search of an experiment (its manifest's inputs)."""
    return [f"{d}/{name}" for d in run_dirs(config, [experiment]) for name in (layout.MAGNITUDES, layout.STOPS)]


def search_keys(config: dict) -> list[tuple[str, str, str]]:
    """(home experiment, home run, dataset) of every search setting the study runs, in config order."""
    keys = []
    for row in study_runs(config):
        if row["dir"] is not None:
            keys.append((*home_of(config, row["experiment"], row["run"]), row["dataset"]))
    return list(dict.fromkeys(keys))


def resolved_searches(config: dict) -> dict:
    """{(experiment, run, dataset): SearchConfig} of every search setting, each passed through the search
    core's own checks (presets, op names, cross-field rules) with seed 0; an error names the run."""
    from darts_core.search.config import resolve_config

    out = {}
    for key in search_keys(config):
        try:
            out[key] = resolve_config(search_mapping(config, *key, seed=0))
        except StudyConfigError:
            raise
        except Exception as err:  # DartsCoreError: a bad value for the search core
            raise StudyConfigError(f"experiments.{key[0]}.runs.{key[1]} ({key[2]}): {err}") from None
    return out


def search_minutes(config: dict, experiment: str, run: str, epochs: int) -> int:
    """Slurm time limit of one search: 1.5 x epochs x minutes per epoch + 10 minutes, the minutes of its
    method or space (the larger if both are listed; else `default`)."""
    exp = config["experiments"][experiment]
    per_epoch = config.get("compute", {}).get("minutes_per_epoch", {})
    listed = [per_epoch[k] for k in (exp["runs"][run]["method"], exp["space"]) if k in per_epoch]
    minutes = max(listed) if listed else per_epoch.get("default", DEFAULT_MINUTES_PER_EPOCH)
    return int(math.ceil(1.5 * epochs * minutes)) + 10


def read_run_info(path) -> dict:
    """A run directory's run.json as a dict; a damaged or foreign one is a one-line error naming the file."""
    import json

    try:
        with open(path) as fh:
            info = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError) as err:  # JSONDecodeError is a ValueError
        raise StudyConfigError(f"{path} cannot be read ({type(err).__name__}: {' '.join(str(err).split())}); "
                               "move the run folder away or delete that file to run the search again") from None
    if not isinstance(info, dict):
        raise StudyConfigError(f"{path} is not a run record of darts_core (a JSON {type(info).__name__}, expected "
                               "an object); move the run folder away or delete that file")
    return info


def check_existing_runs(config: dict) -> None:
    """Before Snakemake plans (and may delete) anything: every run folder of the study that already holds a
    run.json was searched with the settings the study now plans for it. A changed setting would make
    Snakemake delete the search's products (its params changed) and the search then refuse the old
    checkpoint; instead this stops the workflow with one line, and nothing is touched."""
    import os

    from darts_core.search.config import changed_setting, resolve_config

    for row in study_runs(config):
        info_path = f"{row['dir']}/{layout.RUN_INFO}" if row["dir"] else None
        if info_path is None or not os.path.isfile(info_path):
            continue
        info = read_run_info(info_path)
        saved = info.get("config")
        if info.get("status") == "imported" or not isinstance(saved, dict):
            continue  # an imported log (no search of ours to rerun) or a record without settings
        home_exp, home_run = home_of(config, row["experiment"], row["run"])
        try:
            now = resolve_config(search_mapping(config, home_exp, home_run, row["dataset"], row["seed"])).to_dict()
        except Exception:  # noqa: BLE001 - resolved_searches already reported a bad setting
            continue
        key = changed_setting(saved, now)
        if key is not None:
            raise StudyConfigError(
                f"{info_path}: this search ({info.get('status', 'unknown')}) was run with {key}={saved.get(key)!r}, "
                f"the config now plans {key}={now.get(key)!r} (experiments.{home_exp}.runs.{home_run}); nothing was "
                f"deleted: restore the setting, or move {row['dir']} away to search again")


def check_search_data(config: dict) -> None:
    """Before any job (Snakefile `onstart`): the data files of every dataset with an unfinished search are
    in place (darts_core.data.preflight), so a missing dataset fails once, not in every search job."""
    import os

    from darts_core.data.preflight import check_dataset
    from darts_core.errors import DartsCoreError

    def finished(run_dir):
        info = f"{run_dir}/{layout.RUN_INFO}"
        if not os.path.isfile(info):
            return False
        return read_run_info(info).get("status") in ("finished", "stopped")

    todo = {row["dataset"] for row in study_runs(config, default_experiments(config))
            if row["dir"] and not finished(row["dir"])}
    paths = config.get("paths", {})
    for dataset in sorted(todo):
        try:
            check_dataset(dataset, paths.get("data", "data"), paths.get("download", False))
        except DartsCoreError as err:
            hint = "set paths.download: true in the config"
            raise StudyConfigError(
                f"paths.data ({dataset} searches): {str(err).replace('pass --download', hint)}") from None


def check_device(config: dict, local: bool) -> None:
    """Before any job (Snakefile `onstart`), when the jobs run on this machine: `compute.device: cuda` needs a
    CUDA device here; without one every search and training would end in the same error."""
    if config.get("compute", {}).get("device") != "cuda" or not local:
        return
    from darts_core.gpu import ENV_COUNT, count_devices_without_torch

    if count_devices_without_torch() == 0:
        raise StudyConfigError(f"compute.device is 'cuda', but this machine has no CUDA device (no NVIDIA driver "
                               f"entry or nvidia-smi GPU, or {ENV_COUNT}=0 / CUDA_VISIBLE_DEVICES empty); set "
                               "compute.device: cpu (or auto), or run the jobs where the GPUs are")
