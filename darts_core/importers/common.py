"""What the log importers share: the logging timestamp prefix, literal-only `args = Namespace(...)`
parsing, checked numbers (errors name the file and line) and the source's checksum for run.json."""

from __future__ import annotations

import ast
import hashlib
import math
from datetime import datetime
from pathlib import Path

from darts_core.errors import DartsCoreError

TS = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) "


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def namespace(text: str) -> dict:
    """`args = Namespace(a=1, b='x', ...)` -> dict, literals only (nothing is evaluated)."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        return {}
    out = {}
    for kw in call.keywords:
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            continue
    return out


def number(text: str, path: Path, lineno: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DartsCoreError(f"{path}, line {lineno}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DartsCoreError(f"{path}, line {lineno}: {what} is {value}")
    return value


def empty_target(run_dir) -> Path:
    """The import's target folder, which must not exist yet or be empty: an import never overwrites a
    search's products nor leaves another run's checkpoint beside the imported log."""
    out = Path(run_dir)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise DartsCoreError(f"import target {out} is not a folder; give a new folder")
    if out.is_dir() and any(out.iterdir()):
        names = sorted(p.name for p in out.iterdir())
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        raise DartsCoreError(f"import target {out} is not empty (holds {shown}); nothing was written: give a new "
                             "folder, or move that one away")
    return out
