"""Tables 4 and 5: cells picked on the DARTS space, trained from scratch, beside the paper's rows.

Inputs per computed row (a config `tables.<name>.rows[i]` with `run` and `stop`): the tidy summary CSVs of
the rule `retrain_summary` (one row per search seed x retrain seed: `search_seed, retrain_seed, params_m,
test_error, top1_error, top5_error, search_seconds, search_device, dataset, ...`). Each cell is trained
once per retrain seed; a row aggregates every (search seed, retrain seed) pair of its `retrain` entry
(mean ± std, ddof as darts_core.report.stats), and names the pairs it lacks ("search0/seed2").

Metrics (the long table's `metric`, on `dataset` = the retrain dataset):
- CIFAR-like datasets (Table 4): `test_error` (%), `params_m` (M);
- ImageNet (Table 5): `top1_error`, `top5_error` (%), `params_m`;
- both: `gpu_days`, the search cost: wall time of the search up to the stop epoch / 86400, measured on
  the search's device (`search_device`; on a CPU demo these are CPU days), once per search seed.
A row `genotype: DARTS_V2` is a published cell trained here under the same entry (a same-protocol
baseline, source `computed`, no search cost). Cited rows are the paper's numbers (darts_core.reported),
source `cited`, marked "†"; they are never passed off as computed. Output: the long format of
darts_core.report.tables (``LONG_COLUMNS``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from darts_core.report.stats import DDOF, format_mean_std, mean_std
from darts_core.report.tables import CITED_MARK, FALLBACK_MARK, LONG_COLUMNS, cited_rows

SECONDS_PER_DAY = 86400.0
ERROR_METRICS = {"imagenet": ("top1_error", "top5_error")}
DEFAULT_ERRORS = ("test_error",)
HEADERS = {"test_error": "Test error (%)", "top1_error": "Top-1 error (%)", "top5_error": "Top-5 error (%)",
           "params_m": "Params (M)", "gpu_days": "Search cost (GPU days)"}


def table_metrics(rdataset: str) -> tuple[str, ...]:
    """The columns of a table whose cells were trained on `rdataset` (the paper's column order)."""
    return (*ERROR_METRICS.get(rdataset, DEFAULT_ERRORS), "params_m", "gpu_days")


def read_summaries(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in paths if Path(p).is_file()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["search_seed", "retrain_seed"])


def _row(table, label, dataset, metric, values, expected, missing, source, note) -> dict:
    mean, std, n = mean_std(values)
    return {"table": table, "row": label, "variant": "", "dataset": dataset, "metric": metric, "mean": mean,
            "std": std, "n": n, "expected": expected, "missing": missing, "source": source, "note": note,
            "fired": ""}


def fired_searches(summary: pd.DataFrame) -> tuple[int, int] | None:
    """(searches whose stop criterion fired, searches trained) when some did not fire (the summary's `met`
    is False: that search's final-epoch cell was trained in its place), else None."""
    if "met" not in summary.columns or not len(summary):
        return None
    met = summary.drop_duplicates("search_seed")["met"]
    met = met.map(lambda v: str(v).lower() == "true" if isinstance(v, str) else bool(v) if pd.notna(v) else True)
    fired = int(met.sum())
    return (fired, len(met)) if fired < len(met) else None


def computed_rows(table: str, label: str, summary: pd.DataFrame, rdataset: str, search_seeds: Sequence[int],
                  seeds: Sequence[int], note: str = "", cost: bool = True) -> list[dict]:
    """The long rows of one trained cell (one table row): errors and params over every (search seed,
    retrain seed) pair, search cost over search seeds. A stop criterion that did not fire in every search
    says so (`fired`: "k/n", k of the n searches; the search tables hold k alone, their n being the
    seeds; the note: that the others trained the final-epoch cell)."""
    pairs = [(int(s), int(r)) for s in search_seeds for r in seeds]
    partial = fired_searches(summary)
    if partial:
        extra = f"stop fired in {partial[0]}/{partial[1]} searches, the others trained the final-epoch cell"
        note = f"{note}; {extra}" if note else extra
    out = []
    for metric in table_metrics(rdataset):
        if metric == "gpu_days" and not cost:
            continue
        if metric == "gpu_days":
            per_search = summary.drop_duplicates("search_seed") if len(summary) else summary
            have = {int(s): v / SECONDS_PER_DAY for s, v in zip(per_search.get("search_seed", []),
                                                                 per_search.get("search_seconds", []))
                    if pd.notna(v)}
            missing = ",".join(f"search{s}" for s in search_seeds if int(s) not in have)
            devices = sorted({str(d) for d in summary.get("search_device", []) if isinstance(d, str) and d})
            where = f"search wall time to the stop epoch on {'/'.join(devices) or 'an unrecorded device'}"
            out.append(_row(table, label, rdataset, metric, have.values(), len(search_seeds), missing,
                            "computed", f"{note}; {where}" if note else where))
            continue
        have = {}
        if metric in summary.columns:
            for s, r, v in zip(summary["search_seed"], summary["retrain_seed"], summary[metric]):
                if pd.notna(v):
                    have[(int(s), int(r))] = float(v)
        missing = ",".join(f"search{s}/seed{r}" for s, r in pairs if (s, r) not in have)
        out.append(_row(table, label, rdataset, metric, [have[p] for p in pairs if p in have], len(pairs),
                        missing, "computed", note))
    if partial:
        for r in out:
            r["fired"] = f"{partial[0]}/{partial[1]}"
    return out


def retrain_long_table(name: str, spec: Mapping, summaries: Mapping[str, Sequence[str | os.PathLike]],
                       rdataset: str, search_seeds: Sequence[int], seeds: Sequence[int],
                       reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assemble Table 4/5 `name` (config spec with `rows`) in the long format.

    `summaries`: {row label: [summary CSV]} of the computed rows; `rdataset`, `search_seeds`, `seeds`:
    the retrain entry's dataset, search seeds and retrain seeds (the pairs every row should have).
    """
    if reported is None:
        from darts_core.reported import load_reported

        reported = load_reported()
    table = spec.get("paper_key", name)
    out: list[dict] = []
    for row in spec["rows"]:
        label = row["label"]
        if row.get("cited"):
            out += cited_rows(table, label, reported, row.get("note", "") or "not trained here; the paper's number")
            continue
        summary = read_summaries(summaries.get(label, []))
        if "genotype" in row:  # a published cell trained here as a baseline: no search, one "search seed"
            out += computed_rows(table, label, summary, rdataset, [0], seeds,
                                 row.get("note", "") or f"published genotype {row['genotype']}, trained here",
                                 cost=False)
            continue
        out += computed_rows(table, label, summary, rdataset, search_seeds, seeds,
                             row.get("note", "") or f"run {row['run']}, stop {row.get('stop', 'final')}")
    df = pd.DataFrame(out, columns=LONG_COLUMNS)
    df["variant"] = df["variant"].fillna("")
    df["ddof"] = DDOF
    return df


def _scale_digits(value: float, digits: int) -> int:
    """Decimals that keep 2 significant digits of small values (a demo net has 0.012M params)."""
    if pd.isna(value) or value == 0 or abs(value) >= 10 ** -(digits - 1):
        return digits
    return max(digits, -int(np.floor(np.log10(abs(value)))) + 1)


def cost_header(long: pd.DataFrame) -> str:
    """"Search cost (GPU days)" when every computed search ran on CUDA (the paper's unit); CPU days for the
    demo; "device days" for a mix."""
    notes = long.loc[(long["metric"] == "gpu_days") & (long["source"] == "computed") & (long["n"] > 0), "note"]
    devices = {d for n in notes for d in str(n).rsplit(" on ", 1)[-1].split("/")} if len(notes) else {"cuda"}
    unit = "GPU" if all(d.startswith("cuda") for d in devices) else "CPU" if devices == {"cpu"} else "device"
    return f"Search cost ({unit} days)"


def retrain_wide_table(long: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One line per row: `Method`, the metric columns (mean ± std; params and search cost as means), `n`
    (trained pairs / expected), `missing`, `source`. Cited rows carry "†". A single trained pair (n = 1)
    prints no std. Cited rows of another dataset than the trained cells' (the paper's CIFAR-10 beside the
    digits demo) get their own columns, named by dataset, never the trained cells'."""
    from darts_core.report.tables import DATASET_LABELS

    metrics = [m for m in HEADERS if m in set(long["metric"])]
    headers = {**HEADERS, "gpu_days": cost_header(long)}
    own = [d for d in dict.fromkeys(long.loc[long["source"] != "cited", "dataset"]) if isinstance(d, str) and d]
    other = [d for d in dict.fromkeys(long.loc[long["source"] == "cited", "dataset"])
             if isinstance(d, str) and d and own and d not in own]

    def header(metric, dataset):
        if dataset in other or (other and dataset in own):
            return f"{headers[metric]}, {DATASET_LABELS.get(dataset, dataset)}"
        return headers[metric]

    columns = [(m, d) for d in (own or [None]) + other for m in metrics]
    lines = []
    for (label, source), sel in long.groupby(["row", "source"], sort=False):
        fired = fired_text(sel)
        line = {"Method": label + (f" {CITED_MARK}" if source == "cited" else "") + (f" {FALLBACK_MARK}" if fired else "")}
        for metric, dataset in columns:
            hit = sel[sel["metric"] == metric]
            if dataset is not None:
                here = hit[hit["dataset"] == dataset]
                # a cited row without a dataset (or of the trained cells' dataset) stays in the own columns
                hit = here if len(here) or dataset in other else hit[~hit["dataset"].isin(other)]
            name = header(metric, dataset)
            if not len(hit):
                line[name] = "-"
                continue
            mean = hit["mean"].iloc[0]
            std = hit["std"].iloc[0] if source == "cited" or hit["n"].iloc[0] != 1 else float("nan")
            if metric in ("params_m", "gpu_days"):
                line[name] = format_mean_std(mean, float("nan"), _scale_digits(mean, digits))
            else:
                line[name] = format_mean_std(mean, std, digits)
        errors = sel[~sel["metric"].isin(["params_m", "gpu_days"])]
        if source == "cited":
            line["n"] = "cited"
        else:
            line["n"] = f"{int(errors['n'].min()) if len(errors) else 0}/" \
                        f"{int(errors['expected'].max()) if len(errors) else 0}"
        line["missing seeds"] = ";".join(sorted({m for m in errors["missing"] if isinstance(m, str) and m}))
        line["stop fired"] = fired
        line["source"] = source
        lines.append(line)
    wide = pd.DataFrame(lines)
    if len(wide) and not wide["stop fired"].astype(bool).any():
        wide = wide.drop(columns="stop fired")
    return wide


def fired_text(sel: pd.DataFrame) -> str:
    """"k/n" (or "dataset k/n; ...") where a row's stop criterion did not fire in every search."""
    marked = sel["fired"].map(lambda v: isinstance(v, str) and "/" in v)  # "" or NaN: fired everywhere
    parts = sel.loc[marked, ["dataset", "fired"]].drop_duplicates()
    if not len(parts):
        return ""
    if len(parts) == 1:
        return str(parts["fired"].iloc[0])
    return "; ".join(f"{d} {f}" for d, f in zip(parts["dataset"], parts["fired"]))
