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
