"""Data files: checksums, clear errors for missing files, optional download with a checksum check."""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

from darts_core.errors import DartsCoreError


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_digest(path: Path, expected: str, algorithm: str) -> Path:
    got = file_digest(path, algorithm)
    if got != expected:
        raise DartsCoreError(f"{path}: {algorithm} is {got}, expected {expected} (corrupt or a different file)")
    return path


def missing(path: Path, expected: str, algorithm: str, source: str, hint: str = "") -> DartsCoreError:
    """The error for an absent data file: names it, its checksum and where to get it."""
    extra = f"; {hint}" if hint else ""
    return DartsCoreError(f"data file {path} not found (expected {algorithm} {expected}); get it from {source}{extra}")


def download(url: str, path: Path, expected: str, algorithm: str) -> Path:
    """Fetch `url` to `path` (temporary file, checksum check, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(tmp, "wb") as out:
            shutil.copyfileobj(resp, out)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise DartsCoreError(f"cannot download {url} to {path} ({err})") from None
    try:
        check_digest(tmp, expected, algorithm)
    except DartsCoreError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return path
