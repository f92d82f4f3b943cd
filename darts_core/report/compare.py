"""Reported versus reproduced: one line per computed table cell that the paper also reports.

`compare(long, reported)` -> ``table, row, variant, reported_variant, dataset, metric, reported,
reported_std, reproduced, reproduced_std, n, missing, source, difference, within_2std``:
- difference = reproduced mean - reported mean;
- within_2std: the reported mean lies within reproduced mean ± 2 std (+ half the last digit the paper
  prints: 0.005 for its two decimals, 0.05 for the one-decimal params, ImageNet errors and GPU days);
  with a single value (benchmark rows, one seed) the band is that rounding alone, and a cell without any
  reproduced value is NA.
Reported variants: a computed row without variant matches the paper's line without one, else its
`standard-201` line (Table 2); Table 3's runs `w_lr0.009` / `es-w_lr0.009` match `w_lr=0.009`.
Cited rows are not compared (they are the reported numbers).
"""

from __future__ import annotations

import re

import pandas as pd

ROUNDING = 0.005
# metrics the paper prints with one decimal (Tables 4-5)
METRIC_ROUNDING = {"params_m": 0.05, "top1_error": 0.05, "top5_error": 0.05, "gpu_days": 0.05}
COLUMNS = ["table", "row", "variant", "reported_variant", "dataset", "metric", "reported", "reported_std",
           "reproduced", "reproduced_std", "n", "missing", "source", "difference", "within_2std"]


def reported_variants(variant: str) -> list[str]:
    if not variant:
        return ["", "standard-201"]
    m = re.search(r"w_lr=?([0-9.]+)$", variant)
    if m:
        return [f"w_lr={m.group(1)}"]
    return [variant]


def compare(long: pd.DataFrame, reported: pd.DataFrame | None = None) -> pd.DataFrame:
    if reported is None:
        from darts_core.reported import load_reported

        reported = load_reported()
    out = []
    for r in long[long["source"] != "cited"].to_dict("records"):
        sel = reported[(reported["table"] == r["table"]) & (reported["row"] == r["row"])
                       & (reported["dataset"] == r["dataset"]) & (reported["metric"] == r["metric"])]
        hit = None
        for v in reported_variants(r["variant"] or ""):
            cand = sel[sel["variant"] == v]
            if len(cand):
                hit = cand.iloc[0]
                break
        if hit is None:
            continue
        mean, std = r["mean"], r["std"]
        diff = mean - hit["mean"] if pd.notna(mean) else float("nan")
        if pd.isna(mean):
            within = pd.NA
        else:
            band = 2 * (std if pd.notna(std) else 0.0) + METRIC_ROUNDING.get(r["metric"], ROUNDING)
            within = bool(abs(diff) <= band)
        out.append({"table": r["table"], "row": r["row"], "variant": r["variant"], "reported_variant": hit["variant"],
                    "dataset": r["dataset"], "metric": r["metric"], "reported": hit["mean"],
                    "reported_std": hit["std"], "reproduced": mean, "reproduced_std": std, "n": r["n"],
                    "missing": r["missing"], "source": r["source"], "difference": diff, "within_2std": within})
    df = pd.DataFrame(out, columns=COLUMNS)
    df["within_2std"] = df["within_2std"].astype("boolean")
    return df


def to_markdown(df: pd.DataFrame, title: str = "") -> str:
    text = [f"**{title}**", ""] if title else []
    if df.empty:
        return "\n".join(text + ["No computed cell of this table has a reported counterpart "
                                 "(different dataset or no reproduced value).", ""])
    cols = ["row", "variant", "dataset", "metric", "reported", "reproduced", "difference", "n", "missing",
            "within_2std"]
    text.append("| " + " | ".join(cols) + " |")
    text.append("|" + "|".join("---" for _ in cols) + "|")
    for r in df.to_dict("records"):
        rep = f"{r['reported']:.2f}" + (f" ± {r['reported_std']:.2f}" if pd.notna(r["reported_std"]) else "")
        pro = "-" if pd.isna(r["reproduced"]) else (
            f"{r['reproduced']:.2f}" + (f" ± {r['reproduced_std']:.2f}" if pd.notna(r["reproduced_std"]) else ""))
        diff = "-" if pd.isna(r["difference"]) else f"{r['difference']:+.2f}"
        within = "-" if pd.isna(r["within_2std"]) else ("yes" if r["within_2std"] else "no")
        text.append("| " + " | ".join(str(x) for x in (r["row"], r["variant"], r["dataset"], r["metric"], rep, pro,
                                                         diff, r["n"], r["missing"], within)) + " |")
    return "\n".join(text) + "\n"


def write_compare(long: pd.DataFrame, csv, md, title: str = "", reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """compare(long, reported) as CSV and Markdown (the `_vs_paper` files of every paper table)."""
    from darts_core.runlog import write_table, write_text

    cmp = compare(long, reported)
    write_table(cmp, csv)
    write_text(to_markdown(cmp, title), md)
    return cmp
