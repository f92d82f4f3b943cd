"""Subcommand `study` (registered by darts_core.cli): what a study will run, before any job.

    python -m darts_core study [--configfile F ...] [--replace-workflow-config] [--json | --protocol]

Reads config.yaml and each --configfile merged into it, as `snakemake --configfile F` does (with
--replace-workflow-config, only the given files), checks it as the workflow does, and prints every planned
search: its run folder, the settings that differ from the defaults with their source (preset, experiment,
run, machine, derived), and the weight and alpha learning rate of every epoch. `--json`: a list with one
object per search, keys experiment, run, dataset, seed, dir, settings (SearchConfig's fields), w_lr, a_lr
(one value per epoch, at its first step), source, used_by (the experiment/run entries that read it),
optional (its experiment is built only on request). `--protocol`: the protocol table
(darts_core.study.protocol) as Markdown.
"""

from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser("study", help="the searches a study config plans, with resolved settings",
                              description=__doc__.splitlines()[0])
    p.add_argument("--configfile", nargs="+", default=[], metavar="F",
                   help="config files merged into config.yaml (later ones win), as snakemake --configfile")
    p.add_argument("--replace-workflow-config", action="store_true",
                   help="use only the --configfile files, not config.yaml (as Snakemake's flag of that name)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable: a JSON list, one object per search")
    out.add_argument("--protocol", action="store_true",
                     help="the protocol table (Markdown): each run's settings, their sources, paper vs code")
    p.set_defaults(func=run_study)


def run_study(args) -> int:
    from darts_core.study import load_study
    from darts_core.study.config import read_configs
    from darts_core.study.plan import format_plan, planned_searches

    config = read_configs(args.configfile, replace=args.replace_workflow_config)
    study = load_study(config)
    if args.protocol:
        from darts_core.study.protocol import protocol_markdown

        print(protocol_markdown(study.config), end="")
        return 0
    plan = planned_searches(study.config)
    print(json.dumps(plan, indent=1) if args.json else format_plan(plan))
    return 0
