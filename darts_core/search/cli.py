"""Run or resume one architecture search outside Snakemake: an option per search setting, or --config
FILE; options win over the file, the file over the preset. Writes alphas.parquet, metrics.csv,
genotypes.csv, run.json and checkpoint.pt into --out; run again on the same --out to resume."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from darts_core.errors import DartsCoreError

HELP = {
    "ops": "candidate ops (default: all of the space)",
    "epochs": "all epochs, warm-up included",
    "warmup_epochs": "first epochs with frozen alphas (weight lr ramps up linearly)",
    "download": "download missing CIFAR tarballs / split files (checksum-checked)",
    "hessian_every": "dominant Hessian eigenvalue every k epochs (0 = never)",
}


def _choices() -> dict:
    """The registries' names, so `--help` lists them and a typo fails at once."""
    from darts_core.data import DATASETS
    from darts_core.methods import METHODS
    from darts_core.search.config import PRESETS
    from darts_core.spaces import SPACES

    return {"method": sorted(METHODS), "space": sorted(SPACES), "dataset": list(DATASETS), "preset": list(PRESETS)}


def _add_field_options(parser: argparse.ArgumentParser) -> None:
    from darts_core.search.config import FIELDS, PRESETS

    # the presets are the methods' declarations' (darts_core.methods), so the list is not copied here
    helps = {**HELP, "preset": f"starting settings: {', '.join(PRESETS)} (darts: NB201 DARTS defaults; ex-darts: "
                               "Exp.5; the others the official defaults of each; darts_core.methods)"}
    choices = _choices()
    for name, field in FIELDS.items():
        flags = [f"--{name.replace('_', '-')}"]
        doc = field.metadata.get("doc")  # a method's own setting documents itself
        kw = {"dest": name, "default": None,
              "help": helps.get(name, f"{doc}; default {field.default!r}" if doc else f"default {field.default!r}")}
        if "_" in name:  # --warmup_epochs works too, without a second line in --help
            _add_one(parser, [f"--{name}"], field, name, {**kw, "help": argparse.SUPPRESS}, choices)
        _add_one(parser, flags, field, name, kw, choices)


def _add_one(parser, flags, field, name, kw, choices) -> None:
    if name in choices:
        parser.add_argument(*flags, choices=choices[name], metavar="{" + ",".join(choices[name]) + "}", **kw)
    elif isinstance(field.default, bool):
        parser.add_argument(*flags, action=argparse.BooleanOptionalAction, **kw)
    elif name == "ops":
        parser.add_argument(*flags, nargs="+", metavar="OP", **kw)
    elif str(field.type) == "tuple[int, ...]":  # one integer per stage (DrNAS progressive)
        parser.add_argument(*flags, nargs="+", type=int, metavar="N", **kw)
    elif isinstance(field.default, tuple) and len(field.default) == 2:  # a_betas, enas_ctl_betas
        parser.add_argument(*flags, nargs=2, type=float, metavar=("B1", "B2"), **kw)
    elif isinstance(field.default, int) or str(field.type) == "int | None":  # w_lr_t_max
        parser.add_argument(*flags, type=int, metavar="N", **kw)
    elif isinstance(field.default, float):
        parser.add_argument(*flags, type=float, metavar="X", **kw)
    else:
        parser.add_argument(*flags, type=str, metavar="S", **kw)


def load_settings(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"config file {path} does not exist")
    text = path.read_text()
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as err:
        raise DartsCoreError(f"config file {path} cannot be parsed ({type(err).__name__}: {err})") from None
    if not isinstance(data, dict):
        raise DartsCoreError(f"config file {path} must hold a mapping of settings")
    return data


def _run(args) -> int:
    from darts_core.search.config import FIELDS, resolve_config
    from darts_core.search.loop import run_search

    from darts_core.threads import set_threads

    settings = load_settings(args.config) if args.config else {}
    settings.update({k: getattr(args, k) for k in FIELDS if getattr(args, k) is not None})
    cfg = resolve_config(settings)
    set_threads(args.threads)  # recorded in run.json (torch_threads)
    print(run_search(cfg, args.out))
    return 0


def register(subparsers) -> None:
    from darts_core.threads import add_threads_option

    parser = subparsers.add_parser("search", help="run or resume one architecture search", description=__doc__)
    parser.add_argument("--out", required=True, metavar="DIR", help="run directory (products and checkpoint.pt)")
    parser.add_argument("--config", metavar="FILE", help="YAML or JSON file of search settings")
    add_threads_option(parser)
    _add_field_options(parser)
    parser.set_defaults(func=_run)
