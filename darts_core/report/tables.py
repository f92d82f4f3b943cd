"""The paper's tables from the workflow's per-run results: long CSV, Markdown and LaTeX.

Inputs per computed row (a config `tables.<name>.rows[i]` with `run` and optional `stop`, default `final`):
one ``stop_lookup.csv`` per seed (the run's stops table, `criterion, epoch, arch, ...`, with the benchmark's
(or, without a table, the scratch-trained) accuracies as `<dataset>_<valid|test>` columns and
`search_seconds`, the wall seconds of the search up to the stop epoch). A row whose `run` is a list (Table 3)
gives one line per run, its `variant`.

Rows declared `cited: true` are, by label:
- `ResNet`, `optimal`: computed from the benchmark table (`darts_core.benchmark.table.reference_rows`) when
  the table is an input (source `benchmark`; a single value, no std);
- `REA`, `RS`, `REINFORCE`, `BOHB`: computed by the tabular baselines (`darts_core.tabular.run_tabular`, one
  result.json per seed; source `tabular`) when their results are inputs;
- otherwise the paper's numbers (darts_core.reported), source `cited`, with the reason in `note`. Cited
  numbers are never passed off as computed: the `source` column says where every value comes from and
  the rendered tables mark cited rows with "†".

The long table (`long_table`): ``table, row, variant, dataset, metric, mean, std, n, expected, missing,
source, note`` (metric `valid`, `test`, `search_seconds`; mean ± std over seeds by darts_core.report.stats).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from darts_core.report.stats import aggregate, format_mean_std
from darts_core.runlog import search_seconds_until

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
DATASET_LABELS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120",
                  "digits": "digits", "svhn": "SVHN"}
REFERENCE_ROWS = ("ResNet", "optimal")
TABULAR_ROWS = {"REA": "rea", "RS": "rs", "REINFORCE": "reinforce", "BOHB": "bohb"}
LONG_COLUMNS = ["table", "row", "variant", "dataset", "metric", "mean", "std", "n", "expected", "missing",
                "source", "note", "fired"]
CITED_MARK = "†"
# a stop criterion that did not fire in every seed: those seeds fall back to the final epoch (stops.csv met=False)
FALLBACK_MARK = "‡"


def value_columns(datasets: Sequence[str]) -> list[str]:
    return [f"{d}_{m}" for d in datasets for m in ("valid", "test")] + ["search_seconds"]


def _split(col: str, seconds_dataset: str) -> tuple[str, str]:
    if col == "search_seconds":
        return seconds_dataset, "search_seconds"
    dataset, metric = col.rsplit("_", 1)
    return dataset, metric


def seed_values(stop_lookups: Mapping[int, str | os.PathLike], stop: str, columns: Sequence[str]) -> pd.DataFrame:
    """`seed, <columns>` of one run at one stop criterion: one row per seed whose file has that criterion
    (a seed without the file, or without the criterion, is left out here and reported missing later)."""
    rows = []
    for seed, path in stop_lookups.items():
        if path is None or not Path(path).is_file():
            continue
        df = pd.read_csv(path)
        hit = df[df["criterion"] == stop]
        if hit.empty:
            continue
        row = hit.iloc[0]
        if stop == "best":  # per column: the architecture best on that column's own metric, where recorded
            per = {c: df.loc[df["criterion"] == f"best:{c}", c] for c in columns}
            row = row.copy()
            for c, values in per.items():
                if len(values):
                    row[c] = values.iloc[0]
        met = row.get("met", True)
        if isinstance(met, str):
            met = met.lower() == "true"
        if pd.notna(met) and not bool(met) and pd.isna(row.get("arch")):
            continue
        rows.append({"seed": int(seed), **{c: row.get(c, float("nan")) for c in columns},
                     "fired": bool(met) if pd.notna(met) else True})
    return pd.DataFrame(rows, columns=["seed", *columns, "fired"])


def _computed(table: str, label: str, variant: str, per_seed: pd.DataFrame, seeds, columns, seconds_dataset,
              source: str, note: str = "", stop: str = "final") -> list[dict]:
    """The long rows of one (row, variant); `fired`: for a stop other than `final`, in how many of the seeds
    with a value the criterion fired (the others fell back to the final epoch), else empty."""
    out = []
    agg = aggregate(per_seed, seeds, columns)
    fired = ""
    if stop != "final" and "fired" in per_seed.columns:
        fired = int(per_seed["fired"].astype(bool).sum())
        if fired < len(per_seed):
            extra = f"fired in {fired}/{len(per_seed)} seeds, the others use the final epoch"
            note = f"{note}; {extra}" if note else extra
    for rec in agg.to_dict("records"):
        dataset, metric = _split(rec["metric"], seconds_dataset)
        if rec["n"] == 0 and metric == "search_seconds" and source != "computed":
            continue
        out.append({"table": table, "row": label, "variant": variant, "dataset": dataset, "metric": metric,
                    "mean": rec["mean"], "std": rec["std"], "n": rec["n"], "expected": rec["expected"],
                    "missing": rec["missing"], "source": source, "note": note, "fired": fired})
    return out


def tabular_seed_values(results: Mapping[int, str | os.PathLike], columns: Sequence[str]) -> pd.DataFrame:
    """`seed, <columns>` from run_tabular's result.json files (accuracies of the final architecture)."""
    rows = []
    for seed, path in results.items():
        if path is None or not Path(path).is_file():
            continue
        res = json.loads(Path(path).read_text())
        if res.get("cited_only"):
            continue
        acc = res.get("accuracy", {})
        rows.append({"seed": int(seed), **{c: acc.get(c, float("nan")) for c in columns if c != "search_seconds"}})
    return pd.DataFrame(rows, columns=["seed", *[c for c in columns if c != "search_seconds"]])


def tabular_runs_values(path: str | os.PathLike, columns: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """(`seed, <columns>`, note) from run_tabular_seeds's runs.csv: the final architecture's accuracies of every
    run, and the proxy's note (its deviation from the official 12-epoch signal, when there is one)."""
    runs = pd.read_csv(path)
    values = [c for c in columns if c != "search_seconds"]
    per = pd.DataFrame({"seed": runs["seed"].astype(int),
                        **{c: runs[c] if c in runs.columns else float("nan") for c in values}})
    notes = runs["proxy_note"].dropna().astype(str).unique() if "proxy_note" in runs.columns else []
    return per, "; ".join(notes)


def cited_rows(table: str, label: str, reported: pd.DataFrame, note: str) -> list[dict]:
    sel = reported[(reported["table"] == table) & (reported["row"] == label)]
    if sel.empty:
        return [{"table": table, "row": label, "variant": "", "dataset": "", "metric": "", "mean": float("nan"),
                 "std": float("nan"), "n": 0, "expected": 0, "missing": "", "source": "cited",
                 "note": note + "; the paper prints no number for it"}]
    return [{"table": table, "row": label, "variant": r["variant"], "dataset": r["dataset"], "metric": r["metric"],
             "mean": r["mean"], "std": r["std"], "n": 0, "expected": 0, "missing": "", "source": "cited",
             "note": note} for r in sel.to_dict("records")]


def long_table(name: str, spec: Mapping, seeds: Sequence[int], datasets: Sequence[str],
               run_inputs: Mapping[str, Mapping[int, str]], reported: pd.DataFrame | None = None,
               reference: pd.DataFrame | None = None, tabular: Mapping[str, Mapping[int, str]] | None = None,
               tabular_notes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Assemble paper table `name` (config spec with `rows`) into the long format (module docstring).

    `datasets`: the accuracy datasets of its columns (NB201: all three; the digits demo: digits);
    `run_inputs`: {run: {seed: stop_lookup.csv}}; `reference`: reference_rows() of the benchmark table;
    `tabular`: {method: runs.csv} (run_tabular_seeds) or {method: {seed: result.json}}; `tabular_notes`:
    {method: why it is cited}.
    """
    if reported is None:
        from darts_core.reported import load_reported

        reported = load_reported()
    table = spec.get("paper_key", name)
    seconds_dataset = datasets[0]
    columns = value_columns(datasets)
    out: list[dict] = []
    for row in spec["rows"]:
        label = row["label"]
        note = row.get("note", "")
        if row.get("cited"):
            if label in REFERENCE_ROWS and reference is not None:
                ref = reference[reference["row"] == label]
                if not ref.empty:
                    per = pd.DataFrame([{"seed": 0, **{c: ref.iloc[0].get(c, float("nan")) for c in columns
                                                       if c != "search_seconds"}}])
                    out += [dict(r, n=1 if pd.notna(r["mean"]) else 0, expected=1, std=float("nan"), missing="")
                            for r in _computed(table, label, "", per, [0], columns, seconds_dataset, "benchmark",
                                               note or "from the benchmark table")]
                    continue
            method = TABULAR_ROWS.get(label)
            if method and tabular and isinstance(tabular.get(method), (str, os.PathLike)):  # runs.csv of N runs
                per, proxy_note = tabular_runs_values(tabular[method], columns)
                if not per.empty:
                    what = f"{len(per)} runs of run_tabular_seeds on the benchmark table (simulated budget)"
                    out += _computed(table, label, "", per, list(per["seed"]), columns, seconds_dataset, "tabular",
                                     "; ".join(filter(None, [note or what, proxy_note])))
                    continue
            if method and tabular and method in tabular:
                per = tabular_seed_values(tabular[method], columns)
                if not per.empty:
                    out += _computed(table, label, "", per, list(tabular[method]), columns, seconds_dataset,
                                     "tabular", note or "run_tabular on the benchmark table (simulated budget)")
                    continue
            why = (tabular_notes or {}).get(method or "", "") or note or "not computed here; the paper's number"
            cited = cited_rows(table, label, reported, why)
            out += [c for c in cited if "variant" not in row or c["variant"] == row["variant"]]
            continue
        runs = row["run"] if isinstance(row["run"], list) else [row["run"]]
        stop = row.get("stop", "final")
        for k, run in enumerate(runs):  # a list: one sub-row per run, named by `variants` (the paper's lines)
            variant = row["variants"][k] if "variants" in row else run if isinstance(row["run"], list) else ""
            per = seed_values(run_inputs.get(run, {}), stop, columns)
            out += _computed(table, label, variant, per, seeds, columns, seconds_dataset, "computed",
                             note or f"stop: {stop}", stop=stop)
    df = pd.DataFrame(out, columns=LONG_COLUMNS)
    df["variant"] = df["variant"].fillna("")
    return df


def _cell(hit: pd.DataFrame, digits: int) -> str:
    """mean ± std of one long-table line; a single computed value (n = 1) has no std to print."""
    if not len(hit):
        return "-"
    std = hit["std"].iloc[0]
    if hit["source"].iloc[0] != "cited" and hit["n"].iloc[0] == 1:
        std = float("nan")
    return format_mean_std(hit["mean"].iloc[0], std, digits)


def fired_count(sel: pd.DataFrame) -> str:
    """"k/n" seeds in which a row's stop criterion fired ("" for `final` and cited rows)."""
    fired = sel["fired"] if "fired" in sel.columns else pd.Series(dtype=object)
    fired = [f for f in fired if f != "" and pd.notna(f)]
    acc = sel[sel["metric"].isin(["valid", "test"])]
    if not fired or not len(acc):
        return ""
    return f"{int(fired[0])}/{int(acc['n'].max())}"


def wide_table(long: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One line per (row, variant): `Method`, `<Dataset> valid/test` (mean ± std), `Search (s)`, `n`, `source`.
    Cited rows carry "†" after the method; `missing` lists seeds without a value. A row whose stop criterion
    did not fire in every seed carries "‡" and `stop fired` says in how many it did (the others fall back
    to the final epoch). Single-seed values print without a std (`n` says 1/1). Cited rows of another
    dataset than the computed ones (the paper's CIFAR-10 beside the digits demo) get their own columns."""
    lines = []
    order = list(dict.fromkeys(zip(long["row"], long["variant"], long["source"])))
    datasets = [d for d in dict.fromkeys(long.loc[long["metric"].isin(["valid", "test"]), "dataset"]) if d]
    for label, variant, source in order:
        sel = long[(long["row"] == label) & (long["variant"] == variant) & (long["source"] == source)]
        fired = fired_count(sel)
        acc_n = sel.loc[sel["metric"].isin(["valid", "test"]), "n"]
        partial = bool(fired) and int(fired.split("/")[0]) < (int(acc_n.max()) if len(acc_n) else 0)
        name = label + (f" [{variant}]" if variant else "") + (f" {CITED_MARK}" if source == "cited" else "") \
            + (f" {FALLBACK_MARK}" if partial else "")
        line = {"Method": name}
        for d in datasets:
            for m in ("valid", "test"):
                line[f"{DATASET_LABELS.get(d, d)} {m}"] = _cell(sel[(sel["dataset"] == d) & (sel["metric"] == m)],
                                                               digits)
        line["Search (s)"] = _cell(sel[sel["metric"] == "search_seconds"], 0)
        acc = sel[sel["metric"].isin(["valid", "test"])]
        if source in ("cited", "benchmark"):
            line["n"] = source
        else:
            line["n"] = f"{int(acc['n'].min()) if len(acc) else 0}/{int(acc['expected'].max()) if len(acc) else 0}"
        missing = sorted({s for m in acc["missing"] if isinstance(m, str) and m for s in m.split(",")}, key=int)
        line["missing seeds"] = ",".join(missing)
        line["stop fired"] = fired
        line["source"] = source
        lines.append(line)
    wide = pd.DataFrame(lines)
    if len(wide) and not wide["stop fired"].astype(bool).any():
        wide = wide.drop(columns="stop fired")
    return wide


def to_markdown(wide: pd.DataFrame, title: str = "") -> str:
    cols = list(wide.columns)
    text = [f"**{title}**", ""] if title else []
    text.append("| " + " | ".join(cols) + " |")
    text.append("|" + "|".join("---" for _ in cols) + "|")
    for rec in wide.astype(str).itertuples(index=False):
        text.append("| " + " | ".join(v.replace("|", "\\|") for v in rec) + " |")
    for note in footnotes(wide):
        text += ["", note]
    return "\n".join(text) + "\n"


def footnotes(wide: pd.DataFrame) -> list[str]:
    """The marks a rendered table uses, in words."""
    notes = []
    if (wide.get("source") == "cited").any():
        notes.append(f"{CITED_MARK} cited: the paper's number, not computed here.")
    if wide.get("Method", pd.Series(dtype=str)).astype(str).str.contains(FALLBACK_MARK).any():
        notes.append(f"{FALLBACK_MARK} the stop criterion did not fire in every seed (`stop fired`); those seeds "
                     "use the final epoch's architecture.")
    return notes


def _tex(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"),
                 ("±", r"$\pm$"), (CITED_MARK, r"$^\dagger$"), (FALLBACK_MARK, r"$^\ddagger$"), ("`", "")):
        text = text.replace(a, b)
    return text


def to_latex(wide: pd.DataFrame, caption: str = "", label: str = "") -> str:
    cols = [c for c in wide.columns if c not in ("source", "missing seeds")]
    lines = [r"\begin{table}[t]", r"\centering", r"\small"]
    if caption:
        lines.append(r"\caption{" + _tex(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    lines += [r"\begin{tabular}{l" + "c" * (len(cols) - 1) + "}", r"\toprule",
              " & ".join(_tex(c) for c in cols) + r" \\", r"\midrule"]
    for rec in wide[cols].astype(str).itertuples(index=False):
        lines.append(" & ".join(_tex(v) for v in rec) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    for note in footnotes(wide):
        lines.append(r"\par\smallskip{\footnotesize " + _tex(note) + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_table_files(long: pd.DataFrame, csv: str | os.PathLike, md: str | os.PathLike, tex: str | os.PathLike,
                      title: str = "", label: str = "", wide=None) -> pd.DataFrame:
    """The long CSV, and the wide table (`wide(long)`, default wide_table; Tables 4-5 pass
    retrain_tables.retrain_wide_table) as Markdown and LaTeX."""
    from darts_core.runlog import write_table, write_text

    write_table(long, csv)
    wide = (wide or wide_table)(long)
    write_text(to_markdown(wide, title), md)
    write_text(to_latex(wide, title, label), tex)
    return wide


def stop_accuracies(run_dir: str | os.PathLike, stops: str | os.PathLike | pd.DataFrame,
                    table: pd.DataFrame | None = None, *, dataset: str | None = None, scratch: Mapping | None = None,
                    best_metric: str = "cifar10_test") -> pd.DataFrame:
    """The run's stops table with accuracies and `search_seconds` (the per-run input of `long_table`).

    With a benchmark `table`: darts_core.benchmark.lookup.lookup_stops, plus a `best` row (the epoch whose
    derived architecture scores highest on `best_metric`, from the whole accuracy curve) and a `best:<metric>`
    row for every metric (highest on that metric: a table row `stop: best` reads each column from its own). Without one
    (`scratch` = keyword arguments of darts_core.benchmark.scratch.train_arch minus arch/dataset: data_dir,
    protocol, seed, cache_dir, ...): each distinct stop architecture trained from scratch on `dataset`.
    """
    run_dir = Path(run_dir)
    df = stops.copy() if isinstance(stops, pd.DataFrame) else pd.read_csv(stops)
    if table is not None:
        from darts_core.benchmark.lookup import lookup_run, lookup_stops
        from darts_core.benchmark.table import METRIC_COLUMNS

        curve = lookup_run(run_dir, table)
        best_rows = []
        # `best` (on best_metric), and `best:<metric>` for every metric: a table's "optimal" row takes each
        # column from the architecture that scores highest on that column's own metric (seed_values)
        for name, metric in [("best", best_metric)] + [(f"best:{m}", m) for m in METRIC_COLUMNS if m in curve]:
            if metric in curve and curve[metric].notna().any():
                best = curve.loc[curve[metric].idxmax()]
                best_rows.append({"criterion": name, "epoch": int(best["epoch"]), "arch": best["arch"], "met": True,
                                  "note": f"highest {metric} ever derived"})
        if best_rows:
            df = pd.concat([df, pd.DataFrame(best_rows)], ignore_index=True)
        df = lookup_stops(df, table)
    else:
        from darts_core.benchmark.scratch import train_arch

        scratch = dict(scratch or {})
        results = {a: train_arch(a, dataset, **scratch) for a in dict.fromkeys(df["arch"].dropna())}
        for metric in ("valid", "test"):
            df[f"{dataset}_{metric}"] = [results[a][f"{metric}_accuracy"] if a in results else float("nan")
                                         for a in df["arch"]]
            df[f"{dataset}_{metric}"] = df[f"{dataset}_{metric}"].astype(float)
    df["search_seconds"] = [search_seconds_until(run_dir, e) for e in df["epoch"]]
    return df
