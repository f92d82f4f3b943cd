"""The official NAS-Bench-101 file: where it is published, its published digest, the checked download.

URL and SHA256 are those of google-research/nasbench README.md ("Download the dataset", @ b942470):
nasbench_only108.tfrecord, "Size: ~499 MB, SHA256: 4c39c393...". A file is read only after its sha256
matches the pinned one (default: the published one; another file, e.g. a synthetic test file, needs its
own digest given explicitly). The download goes through darts_core.data.files.download (a .part file,
the digest checked, then renamed), and never replaces a file that is already there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from darts_core.data import files
from darts_core.errors import DartsCoreError

FILE_NAME = "nasbench_only108.tfrecord"
URL = "https://storage.googleapis.com/nasbench/nasbench_only108.tfrecord"
SHA256 = "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1"
SIZE_NOTE = "~499 MB"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _pinned(sha256: str | None) -> str:
    digest = (SHA256 if sha256 is None else sha256).strip().lower()
    if not _HEX64.match(digest):
        raise DartsCoreError(f"NAS-Bench-101 sha256 {sha256!r} is not 64 hex digits")
    return digest


def verify(path: str | os.PathLike, sha256: str | None = None) -> str:
    """Check the file against the pinned sha256 (default: the published one); returns the digest."""
    path, digest = Path(path), _pinned(sha256)
    if not path.is_file():
        raise files.missing(path, digest, "sha256", URL, f"{SIZE_NOTE}; or pass --download")
    files.check_digest(path, digest, "sha256")
    return digest


def ensure(path: str | os.PathLike, sha256: str | None = None, allow_download: bool = False,
           url: str = URL) -> str:
    """The file at `path`, verified; downloaded from `url` first when it is absent and allowed."""
    path, digest = Path(path), _pinned(sha256)
    if not path.is_file() and allow_download:
        files.download(url, path, digest, "sha256")
    return verify(path, digest)
