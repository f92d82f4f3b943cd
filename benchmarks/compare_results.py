"""Two `results/` trees compared product by product: are the alpha logs, stops, genotypes, magnitudes, look-ups
and tables the same, wall-clock figures aside?

    python benchmarks/compare_results.py BEFORE/results AFTER/results

For a refactoring: run the demo (`snakemake --profile profiles/demo`) on a clean clone of each commit and
compare. Files equal byte for byte count as same; otherwise Parquet files must hold equal frames, CSV files
equal frames without their timing columns (`*seconds*`, `gpu_days`), Markdown/LaTeX tables equal text once
the timing cells are blanked, JSON equal objects without timing keys. PDFs (which embed their creation
date), logs, Snakemake benchmark files and checkpoints are not compared. Exit status 1 if anything differs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

SKIPPED_DIRS = ("logs", "benchmarks")
SKIPPED_SUFFIXES = (".pdf", ".pt")
TIMING = re.compile(r"seconds|gpu_days|cpu_days|time")


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns):
        return False
    cols = [c for c in a.columns if not TIMING.search(str(c))]
    a, b = a[cols], b[cols]
    if "metric" in cols:  # long tables: a metric per row
        keep = ~a["metric"].astype(str).str.contains(TIMING)
        a, b = a[keep].reset_index(drop=True), b[keep.to_numpy()].reset_index(drop=True)
    return a.equals(b)


def _text_without_timing(text: str) -> str:
    """Markdown/LaTeX tables: the cells of timing columns blanked (by header position)."""
    out, timing_cols = [], []
    for line in text.splitlines():
        sep = "|" if "|" in line else "&" if "&" in line else None
        if sep is None:
            out.append(line)
            continue
        cells = line.split(sep)
        header = [i for i, c in enumerate(cells) if TIMING.search(c) or re.search(r"days|search", c, re.I)]
        if header:  # a header row: remember where the timing columns are
            timing_cols = header
        out.append(sep.join("" if i in timing_cols else c for i, c in enumerate(cells)))
    return "\n".join(out)


def _json_without_timing(obj):
    if isinstance(obj, dict):
        return {k: _json_without_timing(v) for k, v in obj.items() if not TIMING.search(k)}
    if isinstance(obj, list):
        return [_json_without_timing(v) for v in obj]
    return obj


def same(a: Path, b: Path) -> bool:
    if a.read_bytes() == b.read_bytes():
        return True
    if a.suffix == ".parquet":
        return _frames_equal(pd.read_parquet(a), pd.read_parquet(b))
    if a.suffix == ".csv":
        return _frames_equal(pd.read_csv(a), pd.read_csv(b))
    if a.suffix in (".md", ".tex"):
        return _text_without_timing(a.read_text()) == _text_without_timing(b.read_text())
    if a.suffix == ".json":
        return _json_without_timing(json.loads(a.read_text())) == _json_without_timing(json.loads(b.read_text()))
    return False


def compare(before: Path, after: Path) -> tuple[list[str], list[str], list[str], int]:
    def files(root):
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file()
                and p.relative_to(root).parts[0] not in SKIPPED_DIRS and p.suffix not in SKIPPED_SUFFIXES}
    fa, fb = files(before), files(after)
    differ = [str(r) for r in sorted(fa & fb) if not same(before / r, after / r)]
    return sorted(map(str, fa - fb)), sorted(map(str, fb - fa)), differ, len(fa & fb)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    only_before, only_after, differ, n = compare(Path(argv[0]), Path(argv[1]))
    for what, names in (("only before", only_before), ("only after", only_after), ("differ", differ)):
        for name in names:
            print(f"{what}: {name}")
    print(f"{n} files in both, {n - len(differ)} the same, {len(differ)} differ; "
          f"{len(only_before)} only before, {len(only_after)} only after")
    return int(bool(differ or only_before or only_after))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
