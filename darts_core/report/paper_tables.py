"""One paper table from its inputs: the long CSV, Markdown, LaTeX, and the reported-vs-reproduced table.

The builders of the table kinds (darts_core.report.kinds.TABLE_KINDS), one signature:
`build(table, inputs, outputs)` with `inputs` as darts_core.study.products.table_params gives them and
`outputs` the paths `csv, md, tex, compare, compare_md`.
"""

from __future__ import annotations

from collections.abc import Mapping

from darts_core.report.compare import write_compare
from darts_core.report.tables import DATASETS, long_table, write_table_files


def _write(table: str, long, spec: Mapping, exp: Mapping, outputs: Mapping, reported=None, **wide) -> None:
    title = f"{spec.get('paper', table)}: {exp.get('title', '')}"
    write_table_files(long, outputs["csv"], outputs["md"], outputs["tex"], title, f"tab:{table}", **wide)
    write_compare(long, outputs["compare"], outputs["compare_md"], f"{spec.get('paper', table)}: reported vs reproduced",
                  reported=reported)


def build_lookup_table(table: str, inputs: Mapping, outputs: Mapping) -> None:
    """A NAS-Bench-201 table: every row's stops looked up (stop_lookup.csv per run and seed), the tabular
    baselines, and the benchmark's reference rows on its datasets."""
    spec, exp = inputs["spec"], inputs["experiment"]
    reference = None
    if inputs["benchmark"]:
        from darts_core.benchmark.table import load_table, reference_rows

        reference = reference_rows(load_table(inputs["benchmark"]))
        datasets = list(DATASETS)
    else:
        datasets = list(exp["datasets"])
    notes = {"bohb": inputs["bohb_note"]} if inputs["bohb_note"] else {}
    long = long_table(
        table, {**spec, "paper_key": table}, exp["seeds"], datasets,
        {r: {int(s): p for s, p in seeds.items()} for r, seeds in inputs["runs"].items()},
        reference=reference,
        tabular={m: runs if isinstance(runs, str) else {int(s): p for s, p in runs.items()}
                 for m, runs in inputs["tabular"].items()},
        tabular_notes=notes,
    )
    _write(table, long, spec, exp, outputs)


def build_retrain_table(table: str, inputs: Mapping, outputs: Mapping) -> None:
    """A retraining table (Tables 4-5): the cells trained from scratch (retrain summaries) per row."""
    from darts_core.report.retrain_tables import retrain_long_table, retrain_wide_table

    spec, exp, entry = inputs["spec"], inputs["experiment"], inputs["entry"]
    long = retrain_long_table(
        table, {**spec, "paper_key": table}, inputs["summaries"], entry.get("dataset", "cifar10"),
        entry.get("search_seeds") or exp["seeds"], entry.get("seeds", [0]),
    )
    _write(table, long, spec, exp, outputs, wide=retrain_wide_table)


def build_by_dataset_table(table: str, inputs: Mapping, outputs: Mapping, zela=None) -> None:
    """A retraining table with a column per search dataset (RobustDARTS's S1-S4 table, one space each),
    the paper's values (`zela`: darts_core.reported.zela2020's frame; the package's CSV by default) beside
    each cell and in the vs-paper comparison."""
    from functools import partial

    from darts_core.report.dataset_tables import (by_dataset_long_table, by_dataset_wide_table, reported_cells,
                                                  reported_frame)

    if zela is None:
        from darts_core.reported.zela2020 import load_zela

        zela = load_zela()
    spec, exp, entry = inputs["spec"], inputs["experiment"], inputs["entry"]
    long = by_dataset_long_table(table, spec, inputs["summaries"], exp["datasets"],
                                 entry.get("search_seeds") or exp["seeds"], entry.get("seeds", [0]))
    cells = reported_cells(spec, exp["space"], exp["datasets"], zela)
    _write(table, long, spec, exp, outputs, reported=reported_frame(table, spec, exp["space"], exp["datasets"], zela),
           wide=partial(by_dataset_wide_table, reported=cells))
