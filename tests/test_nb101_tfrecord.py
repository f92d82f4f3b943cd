"""TFRecord framing without TensorFlow: CRC32C check values, masking, a round trip, and corrupt files refused
with one line naming the file and the record's byte offset."""

from __future__ import annotations

import struct

import pytest

from darts_core.benchmark.nb101 import tfrecord
from darts_core.errors import DartsCoreError


def test_crc32c_check_values():
    assert tfrecord.crc32c(b"123456789") == 0xE3069283  # the CRC-32C (Castagnoli) check value
    # RFC 3720 (iSCSI) appendix B.4
    assert tfrecord.crc32c(bytes(32)) == 0x8A9136AA
    assert tfrecord.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert tfrecord.crc32c(bytes(range(32))) == 0x46DD794E
    assert tfrecord.crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C


def test_mask_as_tensorflow():
    # by hand: 0xE3069283 >> 15 = 0x0001C60D; (0xE3069283 << 17) mod 2^32 = 0x25060000; OR = 0x2507C60D;
    # + 0xA282EAD8 = 0xC78AB0E5 (mod 2^32)
    assert tfrecord.masked_crc32c(b"123456789") == 0xC78AB0E5


def test_record_layout_byte_by_byte():
    raw = tfrecord.encode_record(b"abc")
    assert raw[:8] == struct.pack("<Q", 3)
    assert raw[8:12] == struct.pack("<I", tfrecord.masked_crc32c(raw[:8]))
    assert raw[12:15] == b"abc"
    assert raw[15:] == struct.pack("<I", tfrecord.masked_crc32c(b"abc"))
    assert len(raw) == 8 + 4 + 3 + 4


def test_round_trip_with_offsets(tmp_path):
    data = [b"first", b"", b"x" * 70000, '["unicode \u00e9"]'.encode()]
    path = tfrecord.write_records(tmp_path / "r.tfrecord", data)
    got = list(tfrecord.read_records(path))
    assert [d for _, d in got] == data
    offsets, pos = [], 0
    for d in data:
        offsets.append(pos)
        pos += 16 + len(d)
    assert [o for o, _ in got] == offsets
    assert path.stat().st_size == pos


def test_empty_file_has_no_records(tmp_path):
    (tmp_path / "e.tfrecord").write_bytes(b"")
    assert list(tfrecord.read_records(tmp_path / "e.tfrecord")) == []


def corrupt(tmp_path, edit):
    path = tfrecord.write_records(tmp_path / "bad.tfrecord", [b"alpha", b"bravo-charlie", b"delta"])
    raw = bytearray(path.read_bytes())
    edit(raw)
    path.write_bytes(bytes(raw))
    return path


SECOND = 16 + 5  # byte offset of the second record


@pytest.mark.parametrize("edit, offset, problem", [
    (lambda raw: raw.__setitem__(SECOND + 12, raw[SECOND + 12] ^ 1), SECOND, "CRC32C of the data"),
    (lambda raw: raw.__setitem__(SECOND + 26, raw[SECOND + 26] ^ 0x80), SECOND, "CRC32C of the data"),  # the CRC itself
    (lambda raw: raw.__setitem__(SECOND, raw[SECOND] + 1), SECOND, "CRC32C of the length"),
    (lambda raw: raw.__setitem__(SECOND + 9, raw[SECOND + 9] ^ 4), SECOND, "CRC32C of the length"),
    (lambda raw: raw.__delitem__(slice(len(raw) - 3, None)), 2 * 16 + 5 + 13, "truncated record"),
    (lambda raw: raw.__delitem__(slice(SECOND + 7, None)), SECOND, "truncated header"),
    (lambda raw: raw.extend(b"\x00" * 5), 3 * 16 + 5 + 13 + 5, "truncated header"),
])
def test_corrupt_file_is_refused_with_one_line(tmp_path, edit, offset, problem):
    path = corrupt(tmp_path, edit)
    seen = []
    with pytest.raises(DartsCoreError) as err:
        for off, _ in tfrecord.read_records(path):
            seen.append(off)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message and f"byte offset {offset}" in message and problem in message
    assert all(o < offset for o in seen)  # the good records before it were read


def test_huge_length_is_refused_before_reading(tmp_path):
    length = struct.pack("<Q", 1 << 40)
    raw = length + struct.pack("<I", tfrecord.masked_crc32c(length)) + b"tiny"
    (tmp_path / "h.tfrecord").write_bytes(raw)
    with pytest.raises(DartsCoreError, match="byte offset 0: truncated record"):
        list(tfrecord.read_records(tmp_path / "h.tfrecord"))


def test_missing_file(tmp_path):
    with pytest.raises(DartsCoreError, match="does not exist"):
        list(tfrecord.read_records(tmp_path / "none.tfrecord"))
