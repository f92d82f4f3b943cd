"""The report's front page (rule `summary`, shown where `snakemake --report` opens): every paper table as
an HTML table (the wide tables of `results/tables/*.md`, with their reported-vs-reproduced tables) and
every figure with its caption, in one self-contained HTML fragment (figures inlined as PNG data URIs).

`workflow/report/workflow.rst` includes the fragment into the report's landing page; opened on its own
(`results/report/summary.html`) it is a page of its own. Torch-free, no dependency beyond the standard
library: the inputs are the Markdown files the table rule wrote and the figures' PNGs.
"""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

STYLE = """
.darts-summary{font-family:system-ui,sans-serif;font-size:14px;line-height:1.4;color:#111}
.darts-summary h2{font-size:1.3em;margin:1.2em 0 .4em}
.darts-summary h3{font-size:1.05em;margin:1em 0 .3em}
.darts-summary table{border-collapse:collapse;margin:.4em 0;font-size:12px}
.darts-summary th,.darts-summary td{border:1px solid #bbb;padding:2px 6px;text-align:right;white-space:nowrap}
.darts-summary th:first-child,.darts-summary td:first-child{text-align:left}
.darts-summary th{background:#eee}
.darts-summary .figures{display:flex;flex-wrap:wrap;gap:16px}
.darts-summary figure{margin:0;max-width:560px}
.darts-summary figure img{width:100%;max-width:560px;border:1px solid #ddd}
.darts-summary figcaption{font-size:12px}
.darts-summary .scroll{overflow-x:auto;max-width:100%}
.prose.max-w-lg{max-width:min(1150px,70vw)!important}
.h-screen.overflow-auto.items-center{align-items:flex-start!important;justify-content:flex-start!important}
"""


def inline(text: str) -> str:
    """Markdown/RST inline marks of our captions and tables -> HTML (after escaping)."""
    text = html.escape(text, quote=False)
    text = re.sub(r":math:`([^`]+)`", r"<i>\1</i>", text)
    text = re.sub(r"``([^`]+)``", r"<code>\1</code>", text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", text)


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


def markdown_to_html(text: str) -> str:
    """Our tables' Markdown (darts_core.report.tables.to_markdown, compare.to_markdown): a bold title line,
    pipe tables, paragraphs."""
    out, rows = [], []

    def flush():
        if rows:
            head, body = rows[0], rows[2:] if len(rows) > 1 and set(rows[1][0]) <= set("-: ") else rows[1:]
            out.append('<div class="scroll"><table><thead><tr>' + "".join(f"<th>{inline(c)}</th>" for c in head)
                       + "</tr></thead><tbody>" + "".join(
                           "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</tbody></table></div>")
            rows.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            rows.append(_cells(line))
            continue
        flush()
        if not line.strip():
            continue
        m = re.fullmatch(r"\*\*(.+)\*\*", line.strip())
        out.append(f"<h3>{inline(m.group(1))}</h3>" if m else f"<p>{inline(line)}</p>")
    flush()
    return "\n".join(out)


def caption_html(text: str) -> str:
    return "".join(f"<p>{inline(p)}</p>" for p in re.split(r"\n\s*\n|\n", text) if p.strip())


def _png(path: str | os.PathLike) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def summary_html(title: str, tables: Sequence[Mapping], figures: Sequence[Mapping], where: str = "") -> str:
    """`tables`: [{name, md, compare_md}] (paths); `figures`: [{name, title, png, caption}]."""
    parts = ['<meta charset="utf-8">', f"<style>{STYLE}</style>", '<div class="darts-summary" id="darts-summary">',
             f"<h2>{inline(title)}</h2>"]
    if where:
        parts.append(f"<p>{inline(where)}</p>")
    if tables:
        parts.append("<h2>Tables</h2>")
        for tab in tables:
            parts.append(f'<section id="table-{html.escape(tab["name"])}">')
            parts.append(markdown_to_html(Path(tab["md"]).read_text(encoding="utf-8")))
            if tab.get("compare_md") and Path(tab["compare_md"]).is_file():
                parts.append(markdown_to_html(Path(tab["compare_md"]).read_text(encoding="utf-8")))
            parts.append("</section>")
    if figures:
        parts.append("<h2>Figures</h2>")
        parts.append('<div class="figures">')
        for fig in figures:
            parts.append(f'<figure id="figure-{html.escape(fig["name"])}"><img alt="{html.escape(fig["name"])}" '
                         f'src="{_png(fig["png"])}"><figcaption><b>{html.escape(fig["name"])}</b>. '
                         f'{caption_html(fig["caption"])}</figcaption></figure>')
        parts.append("</div>")
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def write_summary(out: str | os.PathLike, title: str, tables, figures, where: str = "") -> None:
    from darts_core.runlog import atomic_write

    text = summary_html(title, tables, figures, where)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
