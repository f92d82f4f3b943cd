"""A retraining table with one column per search dataset (RobustDARTS's test-error table, Zela et al. 2020):
rows = methods (a run at a stop criterion: DARTS = `final`, DARTS-ES = `darts_es`, R-DARTS(L2) / (DP) =
the runs of their grids), columns = the datasets the experiment searched (one space per table), each cell
trained on the dataset it was found on (retrain entries with `dataset: search`).

Inputs per computed row: {search dataset: [summary CSV]} (rule `retrain_summary`, columns as
darts_core.report.retrain_tables); each cell is the mean ± std of the test error over every (search
seed, retrain seed) pair (RobustDARTS: search seeds 1-3, one evaluation each with seed 1). The long
format is darts_core.report.tables' ``LONG_COLUMNS`` (one line per row x dataset x metric).

The paper's numbers (darts_core.reported.zela2020, matched by row label = the paper's method and the
experiment's space) stand beside every cell: the value where it is transcribed, "not available" where
it is not, "-" on a row the paper does not have (`reported: false`, e.g. one grid value of R-DARTS).

A `select` row (R-DARTS(L2) / R-DARTS(DP): one grid value per space x dataset, as the paper's table has)
is not filled: the paper's rule for choosing the grid value could not be read here (README, RobustDARTS's
study), and third-party summaries of it name a validation run of the found cells that these runs do not
record. Its cells say so (n = 0, ``SELECTION_NOTE``) rather than choosing by another rule; the grid's
own rows stay beside it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from darts_core.report.retrain_tables import fired_text, computed_rows, read_summaries
from darts_core.report.stats import DDOF, format_mean_std
from darts_core.report.tables import DATASET_LABELS, FALLBACK_MARK, LONG_COLUMNS

NOT_AVAILABLE = "not available"
NOT_IN_PAPER = "-"
METRICS = ("test_error", "params_m")
SELECTION_NOTE = ("grid value not chosen: the paper's rule for picking one R-DARTS regularisation value was not "
                  "transcribed (its text was not retrievable here); third-party summaries describe a validation "
                  "run of the found cells, which these runs do not record. The grid's rows show every value")
NOT_CHOSEN = "grid value not chosen: the paper's selection rule is not transcribed"


def by_dataset_long_table(name: str, spec: Mapping, summaries: Mapping[str, Mapping[str, Sequence[str | os.PathLike]]],
                          datasets: Sequence[str], search_seeds: Sequence[int], seeds: Sequence[int]) -> pd.DataFrame:
    """`summaries`: {row label: {dataset: [summary CSV]}}; every row gets a line per dataset and metric (a
    cell without a trained pair has n = 0 and names the missing pairs; a `select` row's cells are empty
    with SELECTION_NOTE)."""
    out: list[dict] = []
    for row in spec["rows"]:
        label = row["label"]
        for dataset in datasets:
            if "select" in row:
                note = f"{SELECTION_NOTE} ({', '.join(row['select'])})"
                summary = read_summaries([])
            else:
                note = row.get("note", "") or f"run {row['run']}, stop {row.get('stop', 'final')}"
                summary = read_summaries(summaries.get(label, {}).get(dataset, []))
            out += [r for r in computed_rows(name, label, summary, dataset, search_seeds, seeds, note)
                    if r["metric"] in METRICS]
    df = pd.DataFrame(out, columns=LONG_COLUMNS)
    df["variant"] = df["variant"].fillna("")
    df["ddof"] = DDOF
    return df


def reported_frame(name: str, spec: Mapping, space: str, datasets: Sequence[str],
                   reported: pd.DataFrame) -> pd.DataFrame:
    """The transcribed cells of this table's rows in darts_core.reported's long format (table, row,
    variant, dataset, metric, mean, std): what darts_core.report.compare sets beside the computed cells."""
    from darts_core.reported.zela2020 import reported_error

    out = []
    for row in spec["rows"]:
        if row.get("reported", True) is False:
            continue
        for dataset in datasets:
            hit = reported_error(reported, space, dataset, row["label"])
            if hit is not None:
                out.append({"table": name, "row": row["label"], "variant": "", "dataset": dataset,
                            "metric": "test_error", "mean": hit[0], "std": hit[1]})
    return pd.DataFrame(out, columns=["table", "row", "variant", "dataset", "metric", "mean", "std"])


def reported_cells(spec: Mapping, space: str, datasets: Sequence[str], reported: pd.DataFrame,
                   digits: int = 2) -> dict[str, dict[str, str]]:
    """{row label: {dataset: the text of its "reported" cell}}: the paper's value, NOT_AVAILABLE where it
    is not transcribed, NOT_IN_PAPER on a `reported: false` row or a dataset the paper does not search."""
    from darts_core.reported.zela2020 import DATASETS, reported_error

    out: dict[str, dict[str, str]] = {}
    for row in spec["rows"]:
        cells = out.setdefault(row["label"], {})
        for dataset in datasets:
            if row.get("reported", True) is False or dataset not in DATASETS:  # the demo's digits: not the paper's
                cells[dataset] = NOT_IN_PAPER
                continue
            hit = reported_error(reported, space, dataset, row["label"])
            cells[dataset] = NOT_AVAILABLE if hit is None else format_mean_std(hit[0], hit[1], digits)
    return out


def by_dataset_wide_table(long: pd.DataFrame, digits: int = 2,
                          reported: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """One line per method: per dataset the test error (mean ± std; no std for a single pair) and the
    paper's value beside it (`reported`: reported_cells' texts; "not available" without), then the trained
    pairs (`n`, fewest over the datasets) and the missing ones."""
    datasets = list(dict.fromkeys(long["dataset"]))
    reported = reported or {}
    lines = []
    for label, sel in long.groupby("row", sort=False):
        fired = fired_text(sel)
        line = {"Method": label + (f" {FALLBACK_MARK}" if fired else "")}
        errors = sel[sel["metric"] == "test_error"]
        for dataset in datasets:
            hit = errors[errors["dataset"] == dataset]
            name = DATASET_LABELS.get(dataset, dataset)
            if len(hit):
                std = hit["std"].iloc[0] if hit["n"].iloc[0] != 1 else float("nan")
                line[f"{name} test error (%)"] = format_mean_std(hit["mean"].iloc[0], std, digits)
            else:
                line[f"{name} test error (%)"] = "-"
            line[f"{name} reported"] = reported.get(label, {}).get(dataset, NOT_AVAILABLE)
        line["n"] = f"{int(errors['n'].min()) if len(errors) else 0}/{int(errors['expected'].max()) if len(errors) else 0}"
        selecting = bool(len(errors)) and errors["note"].astype(str).str.startswith(SELECTION_NOTE).any()
        line["missing seeds"] = "" if selecting else ";".join(
            f"{d}:{m}" for d, m in zip(errors["dataset"], errors["missing"]) if isinstance(m, str) and m)
        line["stop fired"] = fired
        line["source"] = NOT_CHOSEN if selecting else "computed"
        lines.append(line)
    wide = pd.DataFrame(lines)
    if len(wide) and not wide["stop fired"].astype(bool).any():
        wide = wide.drop(columns="stop fired")
    return wide
