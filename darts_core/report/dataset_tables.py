"""A retraining table with one column per search dataset (RobustDARTS's test-error table, Zela et al. 2020):
rows = methods (a run at a stop criterion: DARTS = `final`, DARTS-ES = `darts_es`, R-DARTS(L2) / (DP) =
the runs of their grids), columns = the datasets the experiment searched (one space per table), each cell
trained on the dataset it was found on (retrain entries with `dataset: search`).

Inputs per computed row: {search dataset: [summary CSV]} (rule `retrain_summary`, columns as
darts_core.report.retrain_tables); each cell is the mean ± std of the test error over every (search
seed, retrain seed) pair (RobustDARTS: search seeds 1-3, one evaluation each with seed 1). The long
format is darts_core.report.tables' ``LONG_COLUMNS`` (one line per row x dataset x metric). The
paper's numbers are not transcribed in darts_core.reported: the wide table says so in a "reported"
column beside every dataset ("not available") instead of leaving the comparison out silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from darts_core.report.retrain_tables import computed_rows, read_summaries
from darts_core.report.stats import DDOF, format_mean_std
from darts_core.report.tables import DATASET_LABELS, LONG_COLUMNS

NOT_AVAILABLE = "not available"
METRICS = ("test_error", "params_m")


def by_dataset_long_table(name: str, spec: Mapping, summaries: Mapping[str, Mapping[str, Sequence[str | os.PathLike]]],
                          datasets: Sequence[str], search_seeds: Sequence[int], seeds: Sequence[int]) -> pd.DataFrame:
    """`summaries`: {row label: {dataset: [summary CSV]}}; every row gets a line per dataset and metric (a
    cell without a trained pair has n = 0 and names the missing pairs)."""
    out: list[dict] = []
    for row in spec["rows"]:
        label = row["label"]
        for dataset in datasets:
            summary = read_summaries(summaries.get(label, {}).get(dataset, []))
            note = row.get("note", "") or f"run {row['run']}, stop {row.get('stop', 'final')}"
            out += [r for r in computed_rows(name, label, summary, dataset, search_seeds, seeds, note)
                    if r["metric"] in METRICS]
    df = pd.DataFrame(out, columns=LONG_COLUMNS)
    df["variant"] = df["variant"].fillna("")
    df["ddof"] = DDOF
    return df


def by_dataset_wide_table(long: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One line per method: per dataset the test error (mean ± std; no std for a single pair) and the
    paper's value beside it, then the trained pairs (`n`, fewest over the datasets) and the missing ones."""
    datasets = list(dict.fromkeys(long["dataset"]))
    lines = []
    for label, sel in long.groupby("row", sort=False):
        line = {"Method": label}
        errors = sel[sel["metric"] == "test_error"]
        for dataset in datasets:
            hit = errors[errors["dataset"] == dataset]
            name = DATASET_LABELS.get(dataset, dataset)
            if len(hit):
                std = hit["std"].iloc[0] if hit["n"].iloc[0] != 1 else float("nan")
                line[f"{name} test error (%)"] = format_mean_std(hit["mean"].iloc[0], std, digits)
            else:
                line[f"{name} test error (%)"] = "-"
            line[f"{name} reported"] = NOT_AVAILABLE
        line["n"] = f"{int(errors['n'].min()) if len(errors) else 0}/{int(errors['expected'].max()) if len(errors) else 0}"
        line["missing seeds"] = ";".join(f"{d}:{m}" for d, m in zip(errors["dataset"], errors["missing"])
                                         if isinstance(m, str) and m)
        line["source"] = "computed"
        lines.append(line)
    return pd.DataFrame(lines)
