"""The protocol table: for every run of the study, the settings it searches with, where each comes from, and
where the paper's text and the code its authors ran disagree (with the choice made).

Sources: a preset's official files (its method declaration's `sources`, darts_core.methods), the defaults'
(NAS-Bench-201's DARTS.config + DARTS-V1.sh), and the config's own `sources:` and `paper_differs:` entries
of an experiment or a run ({setting: text}; the run's win; shown where the run sets that setting). One row
per search setting (a run at its
home; reused runs are named in `used by`), cited runs included, then one per `retrain` entry (its training
protocol's settings and sources, darts_core.train.protocols.SOURCES). `protocol_markdown` is what the README
and the report show (`python -m darts_core study --protocol`).
"""

from __future__ import annotations

import pandas as pd

from darts_core.study.searches import default_experiments, home_of, search_mapping

PROTOCOL_COLUMNS = ("experiment", "run", "used_by", "method", "settings", "sources", "paper_vs_code", "optional")
DEFAULTS_SOURCE = ("NAS-Bench-201 (AutoDL-Projects) configs/nas-benchmark/algos/DARTS.config + "
                   "scripts-search/NAS-Bench-201-algos/DARTS-V1.sh / DARTS-V2.sh")
# shown as the study itself sets them, not as settings with a source of their own
_IMPLIED = {"space", "dataset", "seed", "method", "preset", "ops", "search_split"}


def _notes(config: dict, experiment: str, run: str, key: str) -> dict[str, str]:
    exp = config["experiments"][experiment]
    return {**exp.get(key, {}), **exp["runs"][run].get(key, {})}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_fmt, value)) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def protocol_rows(config: dict) -> list[dict]:
    from darts_core.methods import preset_source
    from darts_core.search.config import resolve_config
    from darts_core.study.plan import sources

    default = set(default_experiments(config))
    rows: dict[tuple[str, str], dict] = {}
    for exp_name, exp in config["experiments"].items():
        for run, spec in exp["runs"].items():
            home = home_of(config, exp_name, run)
            if home in rows:
                rows[home]["used_by"].append(f"{exp_name}/{run}")
                continue
            home_spec = config["experiments"][home[0]]["runs"][home[1]]
            row = dict(experiment=home[0], run=home[1], used_by=[f"{exp_name}/{run}"],
                       method=home_spec.get("method", ""), optional=home[0] not in default)
            if home_spec.get("status") == "cited":
                row.update(settings="", sources="cited: the paper's numbers (darts_core.reported)",
                           paper_vs_code="")
                rows[home] = row
                continue
            home_exp = config["experiments"][home[0]]
            cfg = resolve_config(search_mapping(config, *home, home_exp["datasets"][0], home_exp["seeds"][0]))
            origin = sources(config, *home, cfg)
            settings = [f"{k}={_fmt(getattr(cfg, k))} ({origin[k]})" for k in origin
                        if k not in _IMPLIED and origin[k] != "machine"]
            notes = {k: v for k, v in _notes(config, *home, "sources").items() if k in origin}
            cited = [f"preset {cfg.preset}: {preset_source(cfg.preset) or 'no source declared'}"
                     if cfg.preset != "darts" else f"defaults: {DEFAULTS_SOURCE}"]
            cited += [f"{k}: {v}" for k, v in notes.items()]
            differs = {k: v for k, v in _notes(config, *home, "paper_differs").items() if k in origin}
            row.update(settings="; ".join(settings), sources="; ".join(cited),
                       paper_vs_code="; ".join(f"{k}: {v}" for k, v in differs.items()))
            rows[home] = row
    out = [{**r, "used_by": ", ".join(u for u in r["used_by"] if u != f"{r['experiment']}/{r['run']}")}
           for r in rows.values()]
    return out + retrain_rows(config, default)


# protocol fields shown for a retrain entry (the rest are the preset's and rarely matter)
_TRAIN_SHOWN = ("epochs", "batch_size", "lr", "lr_schedule", "momentum", "weight_decay", "grad_clip", "init_channels",
                "layers", "auxiliary", "auxiliary_weight", "drop_path_prob", "cutout_length")


def retrain_rows(config: dict, default: set) -> list[dict]:
    """One row per `retrain` entry: the training protocol (preset fields, the entry's overrides), the cells
    it trains (criteria, seeds, dataset), and the preset's and the entry's sources."""
    from darts_core.train.protocols import SOURCES, get_protocol

    out = []
    for name, entry in config.get("retrain", {}).items():
        overrides = entry.get("overrides", {})
        cfg = get_protocol(entry["protocol"], **overrides)
        settings = [f"{k}={_fmt(getattr(cfg, k))} ({'entry' if k in overrides else 'protocol'})" for k in _TRAIN_SHOWN]
        settings += [f"{k}={_fmt(entry[k])} (entry)" for k in ("dataset", "criteria", "runs", "search_seeds", "seeds")
                     if k in entry]
        cited = [f"protocol {entry['protocol']}: {SOURCES.get(entry['protocol'], 'no source declared')}"]
        cited += [f"{k}: {v}" for k, v in entry.get("sources", {}).items()]
        out.append(dict(experiment=entry["experiment"], run=f"retrain {name}", used_by="",
                        method=f"retrain ({entry['protocol']})", settings="; ".join(settings),
                        sources="; ".join(cited), optional=entry["experiment"] not in default,
                        paper_vs_code="; ".join(f"{k}: {v}" for k, v in entry.get("paper_differs", {}).items())))
    return out


def protocol_table(config: dict) -> pd.DataFrame:
    return pd.DataFrame(protocol_rows(config), columns=list(PROTOCOL_COLUMNS))


def protocol_markdown(config: dict) -> str:
    """The table as Markdown: one row per search setting (`|` in texts escaped)."""
    def cell(text) -> str:
        return str(text).replace("|", "\\|") or "-"

    head = "| Experiment / run | Method | Settings (source) | Where they come from | Paper vs code (choice) |"
    lines = [head, "|---|---|---|---|---|"]
    for r in protocol_rows(config):
        name = f"{r['experiment']}/{r['run']}" + (" (optional)" if r["optional"] else "")
        if r["used_by"]:
            name += f"; also {r['used_by']}"
        lines.append(f"| {cell(name)} | {cell(r['method'])} | {cell(r['settings'])} | {cell(r['sources'])} | "
                     f"{cell(r['paper_vs_code'])} |")
    return "\n".join(lines) + "\n"
