"""Cross-references of the config that the JSON schema cannot express, each failing with one line that names
the key: runs of methods or spaces the package does not implement (unless `status: cited`), reuse targets,
stop criteria naming an op no space has, figures and tables naming runs, retrain entries and their
tables. All run before any job."""

from __future__ import annotations

from darts_core.errors import DartsCoreError
from darts_core.study.config import StudyConfigError
from darts_core.study.searches import home_of


def check_stop_criteria(config: dict) -> None:
    """Selective-stop criteria name an op of their space (a typo would only show as a criterion "not
    computable" after every search has run)."""
    from darts_core.spaces import get_space
    from darts_core.stops.criteria import parse_criterion

    for space_name, criteria in config.get("stop_criteria", {}).items():
        ops = get_space(space_name).ops
        for i, text in enumerate(criteria):
            try:
                op = parse_criterion(text).op
            except DartsCoreError as err:
                raise StudyConfigError(f"stop_criteria.{space_name}[{i}]: {err}") from None
            if op is not None and op not in ops:
                raise StudyConfigError(
                    f"stop_criteria.{space_name}[{i}]: {text!r} names op {op!r}, which the {space_name} space "
                    f"lacks ({', '.join(ops)})")


def check_implemented(config: dict) -> None:
    """Every run that is not `status: cited` uses a method and a space the package implements."""
    from darts_core.methods import METHODS
    from darts_core.spaces import SPACES

    for exp_name, exp in config["experiments"].items():
        for run, spec in exp["runs"].items():
            home_of(config, exp_name, run)
            if "method" not in spec or spec.get("status") == "cited":
                continue
            for key, name, known in ((f"experiments.{exp_name}.runs.{run}.method", spec["method"], METHODS),
                                     (f"experiments.{exp_name}.space", exp["space"], SPACES)):
                if name not in known:
                    raise StudyConfigError(
                        f"{key}: {name!r} is not implemented by darts_core (implemented: {', '.join(known)}); "
                        f"declare run {run!r} with `status: cited`")


def _named_runs(where: str, rows) -> list[tuple[str, str]]:
    named = []
    for i, row in enumerate(rows):
        runs = row.get("run", [])
        named += [(f"{where}.rows[{i}].run", r) for r in ([runs] if isinstance(runs, str) else runs)]
        named += [(f"{where}.rows[{i}].select", r) for r in row.get("select", [])]
    return named


FIGURE_OPTIONS = ("last_epochs", "seeds", "stops")  # read by some figure kinds only (FigureKind.options)


def check_figures(config: dict) -> None:
    from darts_core.report.kinds import figure_kind
    from darts_core.spaces import get_space

    for name, spec in config.get("figures", {}).items():
        where = f"figures.{name}"
        exp = _experiment(config, where, spec)
        try:
            kind = figure_kind(spec["kind"])
        except DartsCoreError as err:
            raise StudyConfigError(f"{where}.kind: {err}") from None
        dataset = spec.get("dataset")
        if dataset is not None and dataset not in exp["datasets"]:
            raise StudyConfigError(f"{where}.dataset: {dataset!r} is not searched by {spec['experiment']}")
        if kind.lookup and get_space(exp["space"]).evaluation != "benchmark":
            raise StudyConfigError(f"{where}.kind: accuracy curves are NAS-Bench-201 look-ups")
        check_figure_runs(config, name, spec)
        for key in FIGURE_OPTIONS:
            if key in spec and key not in kind.options:
                raise StudyConfigError(f"{where}.{key}: kind {kind.name} does not take it "
                                       f"(takes: {', '.join(kind.options) or 'none of ' + ', '.join(FIGURE_OPTIONS)})")
        criteria = config.get("stop_criteria", {}).get(exp["space"], [])
        for i, stop in enumerate(spec.get("stops", [])):
            if stop not in criteria or stop == "final":
                raise StudyConfigError(f"{where}.stops[{i}]: {stop!r} is not a stop criterion of "
                                       f"stop_criteria.{exp['space']} (final is no stop)")


def check_figure_runs(config: dict, name: str, spec: dict) -> None:
    """Runs of the figure's experiment or `experiment/run` of others of the same space that search its
    dataset and seeds; one label (run name) per run."""
    from darts_core.study.products import figure_dataset, figure_runs

    where = f"figures.{name}.runs"
    home = config["experiments"][spec["experiment"]]
    dataset, labels = figure_dataset(config, name), {}
    for i, (label, exp_name, run) in enumerate(figure_runs(config, name)):
        if exp_name not in config["experiments"]:
            raise StudyConfigError(f"{where}[{i}]: no experiment {exp_name!r}")
        exp = config["experiments"][exp_name]
        _check_runs(config, exp_name, [(f"{where}[{i}]", run)])
        if exp["space"] != home["space"]:
            raise StudyConfigError(f"{where}[{i}]: experiment {exp_name!r} searches the {exp['space']} space, the "
                                   f"figure's experiment {spec['experiment']!r} the {home['space']} space")
        if dataset not in exp["datasets"]:
            raise StudyConfigError(f"{where}[{i}]: experiment {exp_name!r} does not search {dataset!r}")
        missing = [s for s in spec.get("seeds", []) if s not in exp["seeds"]]
        if missing:
            raise StudyConfigError(f"figures.{name}.seeds: experiment {exp_name!r} does not search seed(s) "
                                   f"{', '.join(map(str, missing))}")
        if label in labels:
            raise StudyConfigError(f"{where}[{i}]: a second run named {label!r} (runs[{labels[label]}]); a figure "
                                   "labels its runs by name")
        labels[label] = i


def check_figure_epochs(config: dict, resolved: dict) -> None:
    """`last_epochs`: every run of the figure searches at least that many epochs (after presets)."""
    from darts_core.study.products import figure_dataset, figure_runs
    from darts_core.study.searches import home_of

    for name, spec in config.get("figures", {}).items():
        n = spec.get("last_epochs")
        if n is None:
            continue
        dataset = figure_dataset(config, name)
        for i, (_, exp_name, run) in enumerate(figure_runs(config, name)):
            home = home_of(config, exp_name, run)
            cfg = resolved.get((*home, dataset))
            if cfg is not None and cfg.epochs < n:
                raise StudyConfigError(f"figures.{name}.last_epochs: {n}, but run {exp_name}/{run} "
                                       f"searches {cfg.epochs} epochs (runs[{i}])")


def check_tables(config: dict) -> None:
    from darts_core.study.products import table_kind_of

    for name, spec in config.get("tables", {}).items():
        where = f"tables.{name}"
        exp = _experiment(config, where, spec)
        criteria = config.get("stop_criteria", {}).get(exp["space"], [])
        for i, row in enumerate(spec["rows"]):
            stop = row.get("stop", "final")
            if stop not in ("final", "best", *criteria):
                raise StudyConfigError(f"{where}.rows[{i}].stop: {stop!r} is not in stop_criteria.{exp['space']}")
            runs = row.get("run", [])
            if "variants" in row and (not isinstance(runs, list) or len(row["variants"]) != len(runs)):
                raise StudyConfigError(f"{where}.rows[{i}].variants: one per run of the row's `run` list "
                                       f"({len(runs) if isinstance(runs, list) else 'not a list'})")
        if table_kind_of(config, name) in ("retrain", "retrain_by_dataset"):
            check_retrain_table(config, name, spec)
        elif "retrain" in spec:
            raise StudyConfigError(f"{where}.retrain: NAS-Bench-201 tables are benchmark look-ups, nothing is retrained")
        _check_runs(config, spec["experiment"], _named_runs(where, spec["rows"]))
        if table_kind_of(config, name) == "retrain_by_dataset":
            check_zela_labels(name, spec)
        check_reported_labels(name, spec)


def check_zela_labels(name: str, spec: dict) -> None:
    """A row of a table with a column per search dataset (RobustDARTS's) is matched to the paper's row by
    its label (darts_core.reported.zela2020.METHODS), or says `reported: false`; a typo would otherwise
    show "not available" beside it for ever."""
    from darts_core.reported.zela2020 import METHODS

    for i, row in enumerate(spec["rows"]):
        if row.get("reported", True) and row["label"] not in METHODS:
            raise StudyConfigError(f"tables.{name}.rows[{i}].label: {row['label']!r} is not one of the paper's methods "
                                   f"({', '.join(METHODS)}); fix the label, or set reported: false on a row the paper lacks")


def check_reported_labels(name: str, spec: dict) -> None:
    """A row of a paper table (one darts_core.reported transcribes) is matched to the paper's row by its
    label: a label with a typo would silently drop out of the vs-paper comparison. Each label is one of the
    paper's rows of that table, or the row says `reported: false` (a row the paper does not have)."""
    from darts_core.reported import TABLES, load_reported

    if name not in TABLES:
        return
    reported = load_reported()
    rows = list(dict.fromkeys(reported.loc[reported["table"] == name, "row"]))
    for i, row in enumerate(spec["rows"]):
        if row.get("reported", True) and row["label"] not in rows:
            import difflib

            close = difflib.get_close_matches(row["label"], rows, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise StudyConfigError(f"tables.{name}.rows[{i}].label: {row['label']!r} is not a row of the paper's {name} "
                                   f"(darts_core/reported/zhang2021.csv), so it would drop out of the vs-paper "
                                   f"comparison; {hint}fix the label, or set reported: false on a row the paper lacks")


def _experiment(config, where, spec) -> dict:
    if spec["experiment"] not in config["experiments"]:
        raise StudyConfigError(f"{where}.experiment: no experiment {spec['experiment']!r}")
    return config["experiments"][spec["experiment"]]


def _check_runs(config, exp_name, named) -> None:
    for key, run in named:
        if run not in config["experiments"][exp_name]["runs"]:
            raise StudyConfigError(f"{key}: experiment {exp_name!r} has no run {run!r}")


def check_retrain(config: dict) -> None:
    """The `retrain` section: experiments, runs, criteria of stop_criteria, spaces that are trained from
    scratch, seeds the experiment searches, protocol overrides."""
    from darts_core.spaces import get_space
    from darts_core.train.protocols import get_protocol, trains_on

    for name, entry in config.get("retrain", {}).items():
        where = f"retrain.{name}"
        exp_name = entry["experiment"]
        if exp_name not in config["experiments"]:
            raise StudyConfigError(f"{where}.experiment: no experiment {exp_name!r}")
        exp = config["experiments"][exp_name]
        if get_space(exp["space"]).evaluation != "retrain":
            raise StudyConfigError(
                f"{where}.experiment: {exp_name!r} searches NAS-Bench-201 (look-ups, no retraining)")
        for run in entry.get("runs") or []:
            if run not in exp["runs"]:
                raise StudyConfigError(f"{where}.runs: experiment {exp_name!r} has no run {run!r}")
        # the genotype rule reads the criterion's row of stops.csv: `final` too must be listed
        known = config.get("stop_criteria", {}).get(exp["space"], [])
        for criterion in entry["criteria"]:
            if criterion not in known:
                raise StudyConfigError(f"{where}.criteria: {criterion!r} is not in stop_criteria.{exp['space']}")
        for seed in entry.get("search_seeds") or []:
            if seed not in exp["seeds"]:
                raise StudyConfigError(f"{where}.search_seeds: {exp_name!r} does not search seed {seed}")
        from darts_core.study.retrain import retrain_dataset
        from darts_core.train.protocols import RETRAIN_DATASETS

        for dataset in dict.fromkeys(retrain_dataset(entry, d) for d in exp["datasets"]):
            if dataset not in RETRAIN_DATASETS:
                raise StudyConfigError(f"{where}.dataset: search: cells of {exp_name!r} found on {dataset!r} cannot be "
                                       f"retrained there (retrain datasets: {', '.join(RETRAIN_DATASETS)})")
            if not trains_on(entry["protocol"], dataset):
                raise StudyConfigError(f"{where}.protocol: {entry['protocol']!r} does not train on {dataset!r}")
        try:
            cfg = get_protocol(entry["protocol"], **entry.get("overrides", {}))
        except DartsCoreError as err:
            raise StudyConfigError(f"{where}.overrides: {err}") from None
        gpus = entry.get("gpus", 1)
        if cfg.bn_groups and gpus > 1 and cfg.bn_groups % gpus:
            raise StudyConfigError(f"{where}.overrides.bn_groups: {cfg.bn_groups} BatchNorm groups do not split "
                                   f"among the entry's {gpus} GPUs (make it a multiple of gpus)")


def check_retrain_table(config: dict, name: str, spec: dict) -> None:
    """A retraining table's computed rows come from the trained cells of its `retrain` entry: the entry
    must exist, retrain the table's experiment, and cover each row's run and stop criterion."""
    from darts_core.spaces.darts import PUBLISHED_TEXT

    where = f"tables.{name}"
    space = config["experiments"][spec["experiment"]]["space"]
    computed = [(i, r) for i, r in enumerate(spec["rows"]) if not r.get("cited")]
    if not computed:
        return
    from darts_core.study.retrain import by_search_dataset, table_entries

    entries = config.get("retrain", {})
    names = table_entries(spec)
    for entry_name in names or [None]:
        if entry_name not in entries:
            raise StudyConfigError(
                f"{where}.retrain: a {space}-space table needs the retrain entry that trains its cells "
                f"(one of: {', '.join(entries) or 'none defined'}), got {entry_name!r}")
        entry = entries[entry_name]
        if entry["experiment"] != spec["experiment"]:
            raise StudyConfigError(
                f"{where}.retrain: entry {entry_name!r} retrains experiment {entry['experiment']!r}, "
                f"the table shows {spec['experiment']!r}")
    if len({entries[n]["dataset"] == "search" for n in names}) > 1:
        raise StudyConfigError(f"{where}.retrain: entries {', '.join(names)} mix `dataset: search` with a fixed dataset")
    label = ", ".join(f"retrain.{n}" for n in names)
    for i, row in computed:
        if "genotype" in row:
            if row["genotype"] not in PUBLISHED_TEXT or "run" in row:
                raise StudyConfigError(
                    f"{where}.rows[{i}].genotype: {row['genotype']!r} is not a published genotype "
                    f"({', '.join(PUBLISHED_TEXT)}), or the row also names a run")
            continue
        if "select" in row:
            if "run" in row or "stop" in row or not by_search_dataset(config, name):
                raise StudyConfigError(f"{where}.rows[{i}].select: a row choosing among grid runs names no run or "
                                       f"stop of its own, and only in a table with a column per search dataset")
            for run in row["select"]:
                _check_trained(where, i, "select", run, "final", entries, names, label)
            continue
        if isinstance(row.get("run"), list) or "run" not in row:
            raise StudyConfigError(f"{where}.rows[{i}].run: a {space}-space row names one run (or is `cited: true`)")
        _check_trained(where, i, "run", row["run"], row.get("stop", "final"), entries, names, label)


def _check_trained(where, i, key, run, stop, entries, names, label) -> None:
    covering = [entries[n] for n in names if not entries[n].get("runs") or run in entries[n]["runs"]]
    if not covering:
        raise StudyConfigError(f"{where}.rows[{i}].{key}: {run!r} is not trained by {label}.runs")
    if not any(stop in e["criteria"] for e in covering):
        raise StudyConfigError(f"{where}.rows[{i}].stop: {stop!r} is not trained by {label}.criteria (for run {run!r})")


def check_study(config: dict) -> dict:
    """Every cross-check, in the order a reader would fix them; returns the config."""
    check_stop_criteria(config)
    check_implemented(config)
    check_figures(config)
    check_tables(config)
    check_retrain(config)
    return config
