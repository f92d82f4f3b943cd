"""One NAS-Bench-101 record: the JSON row inside each TFRecord of the official files.

As nasbench/api.py `NASBench.__init__` reads it: `json.loads(row)` is
    [module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]
with raw_adjacency the row-major V x V matrix as a string of '0'/'1' (V = sqrt of its length),
raw_operations the V op labels joined by ',', raw_metrics a base64 ModelMetrics protobuf (`metrics`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from darts_core.errors import DartsCoreError


@dataclass(frozen=True)
class Record:
    module_hash: str
    epochs: int
    adjacency: str  # row-major '0'/'1' string, as stored
    operations: str  # comma-separated op labels, as stored
    metrics: bytes  # the serialized ModelMetrics

    @property
    def num_vertices(self) -> int:
        return math.isqrt(len(self.adjacency))

    @property
    def matrix(self) -> list[list[int]]:
        n = self.num_vertices
        return [[int(c) for c in self.adjacency[i * n:(i + 1) * n]] for i in range(n)]

    @property
    def ops(self) -> list[str]:
        return self.operations.split(",")


def parse_record(data: bytes) -> Record:
    """Record from one TFRecord's bytes; DartsCoreError (without the file's name: the caller adds it)."""
    try:
        row = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DartsCoreError(f"not a NAS-Bench-101 JSON row ({err})") from None
    if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str) and isinstance(row[1], int)
            and all(isinstance(x, str) for x in row[2:])):
        raise DartsCoreError("not a NAS-Bench-101 row [module_hash, epochs, adjacency, operations, metrics]")
    module_hash, epochs, adjacency, operations, raw = row
    n = math.isqrt(len(adjacency))
    if n * n != len(adjacency) or set(adjacency) - {"0", "1"}:
        raise DartsCoreError(f"adjacency {adjacency!r} is not a square 0/1 matrix")
    if len(operations.split(",")) != n:
        raise DartsCoreError(f"{len(operations.split(','))} operations for a {n}x{n} adjacency")
    try:
        metrics = base64.b64decode(raw)  # as api.py (not validate=True: the same bytes it accepts)
    except (binascii.Error, ValueError) as err:
        raise DartsCoreError(f"metrics are not base64 ({err})") from None
    return Record(module_hash, epochs, adjacency, operations, metrics)


def encode_row(record: Record) -> bytes:
    """The JSON row of a record (for synthetic files), the inverse of `parse_record`."""
    return json.dumps([record.module_hash, record.epochs, record.adjacency, record.operations,
                       base64.b64encode(record.metrics).decode("ascii")]).encode("utf-8")
