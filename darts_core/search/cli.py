"""`python -m darts_core search`: one search outside Snakemake (an option per SearchConfig field, or
--config FILE; explicit options win over the file, the file over the preset)."""

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


def _add_field_options(parser: argparse.ArgumentParser) -> None:
    from darts_core.search.config import FIELDS, PRESETS

    # the presets are the methods' declarations' (darts_core.methods), so the list is not copied here
    helps = {**HELP, "preset": f"starting settings: {', '.join(PRESETS)} (darts: NB201 DARTS defaults; ex-darts: "
                               "Exp.5; the others the official defaults of each; darts_core.methods)"}
    for name, field in FIELDS.items():
        flags = [f"--{name.replace('_', '-')}"] + ([f"--{name}"] if "_" in name else [])
        doc = field.metadata.get("doc")  # a method's own setting documents itself
        kw = {"dest": name, "default": None,
              "help": helps.get(name, f"{doc}; default {field.default!r}" if doc else f"default {field.default!r}")}
        if isinstance(field.default, bool):
            parser.add_argument(*flags, action=argparse.BooleanOptionalAction, **kw)
        elif name == "ops":
            parser.add_argument(*flags, nargs="+", metavar="OP", **kw)
        elif isinstance(field.default, tuple) and len(field.default) == 2:  # a_betas, enas_ctl_betas
            parser.add_argument(*flags, nargs=2, type=float, metavar=("B1", "B2"), **kw)
        elif isinstance(field.default, int) or str(field.type) == "int | None":  # w_lr_t_max
            parser.add_argument(*flags, type=int, **kw)
        elif isinstance(field.default, float):
            parser.add_argument(*flags, type=float, **kw)
        else:
            parser.add_argument(*flags, type=str, **kw)


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

    settings = load_settings(args.config) if args.config else {}
    settings.update({k: getattr(args, k) for k in FIELDS if getattr(args, k) is not None})
    cfg = resolve_config(settings)
    print(run_search(cfg, args.out))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("search", help="run or resume one architecture search", description=__doc__)
    parser.add_argument("--out", required=True, help="run directory (products and checkpoint.pt)")
    parser.add_argument("--config", help="YAML or JSON file of search settings")
    _add_field_options(parser)
    parser.set_defaults(func=_run)
