"""TFRecord files without TensorFlow: read (streaming, every CRC checked) and write (for tests and benchmarks).

A record is framed as TensorFlow writes it (tensorflow/core/lib/io/record_writer.cc, read by the
`tf.python_io.tf_record_iterator` that nasbench/api.py uses):
    uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
with CRC32C (Castagnoli) masked as ((crc >> 15) | (crc << 17)) + 0xa282ead8 mod 2^32 (crc32c.h `Mask`).
A bad CRC or a truncated record stops the read with one line naming the file and the record's byte offset.
CRC32C comes from google-crc32c (Google's C library, with its own pure-Python fallback).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Iterable, Iterator

import google_crc32c

from darts_core.errors import DartsCoreError

MASK_DELTA = 0xA282EAD8
HEADER = struct.Struct("<QI")  # length, masked crc of the length
FOOTER = struct.Struct("<I")  # masked crc of the data


def crc32c(data: bytes) -> int:
    return google_crc32c.value(bytes(data))


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def read_records(path: str | os.PathLike) -> Iterator[tuple[int, bytes]]:
    """Yield (byte offset of the record, data) for every record, holding one record in memory at a time."""
    path = Path(path)
    if not path.is_file():
        raise DartsCoreError(f"TFRecord file {path} does not exist")
    size = path.stat().st_size
    with open(path, "rb", buffering=1 << 20) as fh:
        offset = 0
        while True:
            header = fh.read(HEADER.size)
            if not header:
                return
            if len(header) < HEADER.size:
                raise _corrupt(path, offset, f"truncated header ({len(header)} of {HEADER.size} bytes)")
            length, length_crc = HEADER.unpack(header)
            if masked_crc32c(header[:8]) != length_crc:
                raise _corrupt(path, offset, "the CRC32C of the length field does not match")
            end = offset + HEADER.size + length + FOOTER.size
            if end > size:  # checked before reading, so a damaged length cannot ask for gigabytes
                raise _corrupt(path, offset, f"truncated record (needs {length} data bytes, the file ends "
                                             f"{size - offset - HEADER.size} bytes after the header)")
            data = fh.read(length)
            (data_crc,) = FOOTER.unpack(fh.read(FOOTER.size))
            if masked_crc32c(data) != data_crc:
                raise _corrupt(path, offset, "the CRC32C of the data does not match")
            yield offset, data
            offset = end


def _corrupt(path: Path, offset: int, problem: str) -> DartsCoreError:
    return DartsCoreError(f"{path}: corrupt TFRecord at byte offset {offset}: {problem}")


def encode_record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + FOOTER.pack(masked_crc32c(length)) + data + FOOTER.pack(masked_crc32c(data))


def write_records(path: str | os.PathLike, records: Iterable[bytes]) -> Path:
    """Write `records` as a TFRecord file (no compression), e.g. a small synthetic NAS-Bench-101 file."""
    path = Path(path)
    with open(path, "wb") as fh:
        for data in records:
            fh.write(encode_record(data))
    return path
