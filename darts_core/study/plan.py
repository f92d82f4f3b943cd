"""The planned searches as a researcher reads them before spending GPU days (`python -m darts_core study`).

One entry per search (a run directory; reused runs listed once, at their home, with `used_by`): the
exact SearchConfig the job resolves (the rule's settings plus this machine's data, device and workers),
where each non-default setting came from, and the learning rates of every epoch.
"""

from __future__ import annotations

from darts_core.study.searches import (default_experiments, machine_settings, search_mapping, setting_sources,
                                       study_runs)

# keys the study itself sets on every search (experiment: space, datasets, seeds; run: method)
_STUDY_KEYS = {"space": "experiment", "dataset": "experiment", "seed": "experiment", "method": "run"}


def epoch_learning_rates(cfg) -> tuple[list[float], list[float]]:
    """(weight lr, alpha lr) of every epoch, as the optimizers use them at the epoch's first step (the
    search loop's metrics.csv `weight_lr`, `alpha_lr`): warm-up epochs and methods without architecture
    parameters have alpha lr 0."""
    from darts_core.methods import get_method
    from darts_core.search.schedule import alphas_frozen, weight_lr

    arch = get_method(cfg.method).arch_parameters
    w_lr = [weight_lr(cfg, e, 0.0) for e in range(cfg.epochs)]
    a_lr = [cfg.a_lr if arch and not alphas_frozen(cfg, e) else 0.0 for e in range(cfg.epochs)]
    return w_lr, a_lr


def sources(config: dict, experiment: str, run: str, cfg) -> dict[str, str]:
    """{setting: preset | experiment | run | machine | derived} for every setting that differs from the
    SearchConfig default (`derived`: set by a rule of the search core, e.g. GAEA-ERM's search split)."""
    from darts_core.search.config import PRESETS, SearchConfig

    given = {**_STUDY_KEYS, **setting_sources(config, experiment, run)}
    machine = set(machine_settings(config))
    preset = PRESETS.get(cfg.preset, {})
    default = SearchConfig().to_dict()
    out = {}
    for key, value in cfg.to_dict().items():
        if value == default.get(key) and key not in given:
            continue
        if key in machine:
            out[key] = "machine"
        elif key in given:
            out[key] = given[key]
        elif key in preset:
            out[key] = "preset"
        else:
            out[key] = "derived"
    return out


def planned_searches(config: dict) -> list[dict]:
    """Every search the study runs, in config order (see module doc)."""
    from darts_core.search.config import resolve_config

    entries: dict[str, dict] = {}
    default = set(default_experiments(config))
    for row in study_runs(config):
        if row["dir"] is None:
            continue
        if row["dir"] in entries:
            entries[row["dir"]]["used_by"].append(f"{row['experiment']}/{row['run']}")
            continue
        home_exp, home_run = row["home"].split("/")
        cfg = resolve_config({**search_mapping(config, home_exp, home_run, row["dataset"], row["seed"]),
                              **machine_settings(config)})
        w_lr, a_lr = epoch_learning_rates(cfg)
        entries[row["dir"]] = {
            "experiment": home_exp, "run": home_run, "dataset": row["dataset"], "seed": int(row["seed"]),
            "dir": row["dir"], "settings": cfg.to_dict(), "w_lr": w_lr, "a_lr": a_lr,
            "source": sources(config, home_exp, home_run, cfg),
            "used_by": [f"{row['experiment']}/{row['run']}"],
            "optional": home_exp not in default,  # built only on request (the experiment's `optional`)
        }
    return list(entries.values())


def _lr_summary(values: list[float]) -> str:
    """Runs of equal values as `v xN`, so 50 cosine epochs read as a line and 500 constant ones as one item."""
    parts, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            n = i - start
            parts.append(f"{values[start]:.6g}" + (f" x{n}" if n > 1 else ""))
            start = i
    return ", ".join(parts)


def format_plan(plan: list[dict]) -> str:
    """The plan as text: one block per search (settings that differ from the defaults, with their source,
    then both learning rates per epoch)."""
    lines = [f"{len(plan)} searches"]
    for p in plan:
        lines.append("")
        lines.append(f"{p['experiment']}/{p['run']} {p['dataset']} seed {p['seed']}: {p['dir']}"
                     + ("  (optional: not in the default target)" if p["optional"] else ""))
        if p["used_by"] != [f"{p['experiment']}/{p['run']}"]:
            lines.append(f"  used by: {', '.join(p['used_by'])}")
        for key, src in p["source"].items():
            lines.append(f"  {key} = {p['settings'][key]!r}  ({src})")
        lines.append(f"  w_lr per epoch: {_lr_summary(p['w_lr'])}")
        lines.append(f"  a_lr per epoch: {_lr_summary(p['a_lr'])}")
    return "\n".join(lines)
