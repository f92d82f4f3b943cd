"""The ModelMetrics protobuf of a NAS-Bench-101 record, decoded from the wire format (no protobuf package).

Fields (google-research/nasbench nasbench/lib/model_metrics.proto, proto2):
    ModelMetrics   1 evaluation_data: repeated EvaluationData (length-delimited)
                   2 trainable_parameters: int32 (varint)     3 total_time: double (fixed64)
    EvaluationData 1 current_epoch  2 training_time  3 train_accuracy  4 validation_accuracy
                   5 test_accuracy: double (fixed64)          6 checkpoint_path: string
api.py reads evaluation_data[1] as the halfway and evaluation_data[2] as the final evaluation ([0] is step 0).
Unknown fields are skipped by wire type, as any protobuf parser does; groups (wire types 3, 4) are refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from darts_core.errors import DartsCoreError

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_DOUBLE = struct.Struct("<d")
EVALUATION_FIELDS = {1: "current_epoch", 2: "training_time", 3: "train_accuracy", 4: "validation_accuracy",
                     5: "test_accuracy"}
HALFWAY, FINAL = 1, 2  # indexes into evaluation_data, as api.py NASBench.__init__


@dataclass
class Evaluation:
    current_epoch: float | None = None
    training_time: float | None = None
    train_accuracy: float | None = None
    validation_accuracy: float | None = None
    test_accuracy: float | None = None
    checkpoint_path: str | None = None


@dataclass
class ModelMetrics:
    evaluation_data: list[Evaluation] = field(default_factory=list)
    trainable_parameters: int | None = None
    total_time: float | None = None


class ProtobufError(DartsCoreError):
    """Bytes that are not a well-formed ModelMetrics message."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    if pos < len(buf) and buf[pos] < 0x80:  # one byte: every key and length of ModelMetrics
        return buf[pos], pos + 1
    value, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift >= 64:
            raise ProtobufError("varint longer than 10 bytes")


def fields(buf: bytes):
    """Yield (field number, wire type, value) of one message; LENGTH values are bytes, FIXED64 raw 8 bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = _varint(buf, pos)
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > len(buf):
                raise ProtobufError(f"truncated fixed{width * 8} field {number}")
            value, pos = buf[pos:pos + width], pos + width
        elif wire == LENGTH:
            length, pos = _varint(buf, pos)
            if pos + length > len(buf):
                raise ProtobufError(f"length-delimited field {number} runs past the message end")
            value, pos = buf[pos:pos + length], pos + length
        else:
            raise ProtobufError(f"field {number} has wire type {wire} (groups are not in ModelMetrics)")
        yield number, wire, value


def _double(number: int, wire: int, value) -> float:
    if wire != FIXED64:
        raise ProtobufError(f"field {number} should be a double, has wire type {wire}")
    return _DOUBLE.unpack(value)[0]


def decode_evaluation(buf: bytes) -> Evaluation:
    ev = Evaluation()
    for number, wire, value in fields(buf):
        if number in EVALUATION_FIELDS:
            setattr(ev, EVALUATION_FIELDS[number], _double(number, wire, value))  # proto2: the last one wins
        elif number == 6 and wire == LENGTH:
            ev.checkpoint_path = value.decode("utf-8", errors="replace")
    return ev


def decode_model_metrics(buf: bytes, evaluations: tuple[int, ...] | None = None) -> ModelMetrics:
    """ModelMetrics from its serialized bytes (what `ModelMetrics.FromString` gives in api.py).

    `evaluations`: decode only these indexes of evaluation_data (the others stay None), e.g. (FINAL,) for
    the table, which needs the final evaluation only."""
    out = ModelMetrics()
    for number, wire, value in fields(bytes(buf)):
        if number == 1 and wire == LENGTH:
            wanted = evaluations is None or len(out.evaluation_data) in evaluations
            out.evaluation_data.append(decode_evaluation(value) if wanted else None)
        elif number == 2 and wire == VARINT:
            value &= 0xFFFFFFFFFFFFFFFF
            out.trainable_parameters = value - (1 << 64) if value >> 63 else value  # int32 negatives: 10 bytes
        elif number == 3:
            out.total_time = _double(number, wire, value)
    return out


def _key(number: int, wire: int) -> bytes:
    return _encode_varint(number << 3 | wire)


def _encode_varint(value: int) -> bytes:
    value &= 0xFFFFFFFFFFFFFFFF  # negative int32: ten bytes of two's complement, as protobuf writes them
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def encode_model_metrics(metrics: ModelMetrics) -> bytes:
    """Serialize in field-number order, unset fields left out (as protobuf does): synthetic files only."""
    out = bytearray()
    for ev in metrics.evaluation_data:
        body = bytearray()
        for number, name in EVALUATION_FIELDS.items():
            value = getattr(ev, name)
            if value is not None:
                body += _key(number, FIXED64) + _DOUBLE.pack(value)
        if ev.checkpoint_path is not None:
            text = ev.checkpoint_path.encode("utf-8")
            body += _key(6, LENGTH) + _encode_varint(len(text)) + text
        out += _key(1, LENGTH) + _encode_varint(len(body)) + body
    if metrics.trainable_parameters is not None:
        out += _key(2, VARINT) + _encode_varint(metrics.trainable_parameters)
    if metrics.total_time is not None:
        out += _key(3, FIXED64) + _DOUBLE.pack(metrics.total_time)
    return bytes(out)
