"""The study as plain Python: the config checked and expanded into searches, retrainings, figures and tables.

- `config`: read the config files, the JSON schema (one-line errors), the schema's defaults.
- `checks`: the cross-references the schema cannot express.
- `searches`: experiments x runs x datasets x seeds -> run directories and settings (presets, reuse).
- `packs`: with `compute.seeds_per_job` K > 1, the seeds of a packable search setting in groups of K, one job each.
- `retrain`: the `retrain` entries -> retrain jobs and their summaries (Tables 4-5).
- `products`: figures and tables (by kind, darts_core.report.kinds), the files each reads, the targets.
- `plan`: the planned searches with resolved settings, their sources and per-epoch learning rates.

`load_study(config)` runs all checks and returns a `Study`, which the workflow's input functions ask
(workflow/rules/common.smk is a thin adapter over it).
"""

from __future__ import annotations

from darts_core.study import checks, products, retrain, searches
from darts_core.study.config import SCHEMA, StudyConfigError, check_schema, fill_defaults


class Study:
    """A checked config and what it plans; every method reads `self.config`."""

    def __init__(self, config: dict, resolved: dict):
        self.config = config
        self.searches = resolved  # {(experiment, run, dataset): SearchConfig with seed 0}

    # searches
    def runs(self, experiments=None) -> list[dict]:
        return searches.study_runs(self.config, experiments)

    def search_settings(self, experiment, run, dataset, seed) -> dict:
        return searches.search_mapping(self.config, experiment, run, dataset, seed)

    def search_minutes(self, experiment, run, dataset) -> int:
        epochs = self.searches[experiment, run, dataset].epochs
        return searches.search_minutes(self.config, experiment, run, epochs)

    def search_packs(self) -> list[dict]:
        """Packed search jobs (compute.seeds_per_job > 1; darts_core.study.packs); [] otherwise."""
        from darts_core.study import packs

        return packs.search_packs(self.config, self.searches)

    def experiment_products(self, experiment) -> list[str]:
        return searches.experiment_products(self.config, experiment)

    def stop_criteria(self, space) -> list[str] | None:
        return self.config.get("stop_criteria", {}).get(space)

    def tabular_proxy(self) -> list[str]:
        return products.tabular_proxy(self.config)

    def benchmark_table_for(self, space, dataset) -> list[str]:
        """The benchmark table if the space has one for `dataset` (else the stops' cells are trained)."""
        from darts_core import layout
        from darts_core.spaces import get_space

        space = get_space(space)
        return [layout.benchmark_table(space)] if dataset in space.benchmark_datasets else []

    # retraining
    def retrain_spec(self, names) -> dict:
        return retrain.retrain_spec(self.config, names)

    def retrain_results(self, names) -> list[str]:
        return retrain.retrain_results(self.config, names)

    def retrain_minutes(self, names) -> int:
        return retrain.retrain_minutes(self.config, names)

    def retrain_retries(self, datasets) -> int | None:
        return retrain.retrain_retries(self.config, datasets)

    def criterion(self, slug) -> str:
        return retrain.retrain_criteria(self.config)[slug]

    # figures and tables
    def figure_inputs(self, figure) -> list[str]:
        return products.figure_inputs(self.config, figure)

    def figure_params(self, figure) -> dict:
        return products.figure_params(self.config, figure)

    def table_inputs(self, table) -> list[str]:
        return products.table_inputs(self.config, table)

    def table_params(self, table) -> dict:
        return products.table_params(self.config, table)

    def protocol(self) -> dict:
        """The protocol table's rows and Markdown (darts_core.study.protocol)."""
        from darts_core.study.protocol import protocol_markdown, protocol_rows

        return {"rows": protocol_rows(self.config), "markdown": protocol_markdown(self.config)}

    def summary_inputs(self) -> list[str]:
        return products.summary_inputs(self.config)

    def summary_params(self) -> dict:
        return products.summary_params(self.config)

    def targets(self) -> list[str]:
        return products.targets(self.config)

    # wildcard constraints
    def names_regex(self, what: str) -> str:
        """A regex matching exactly the study's figures, tables or stop-criterion slugs."""
        names = {"figure": products.figure_names, "table": products.table_names,
                 "criterion": lambda c: list(retrain.retrain_criteria(c))}[what](self.config)
        return products.name_regex(names)


def load_study(config: dict, schema=SCHEMA) -> Study:
    """Schema (one line naming the key), the schema's defaults set in `config` (in place, as Snakemake's
    `validate`), every cross-check, every search's settings resolved, and every run folder already there
checked against the settings now planned for it (a changed setting stops here, before anything is
deleted); then the Study."""
    check_schema(config, schema)
    fill_defaults(config, schema)
    checks.check_study(config)
    resolved = searches.resolved_searches(config)
    checks.check_figure_epochs(config, resolved)
    searches.check_existing_runs(config)  # before Snakemake may delete a finished search's products
    return Study(config, resolved)


__all__ = ["Study", "StudyConfigError", "load_study", "check_schema", "SCHEMA"]
