"""ModelMetrics decoded from bytes written out by hand from nasbench/lib/model_metrics.proto's field numbers."""

from __future__ import annotations

import pytest

from darts_core.benchmark.nb101.metrics import (FINAL, Evaluation, ModelMetrics, ProtobufError, decode_model_metrics,
                                                encode_model_metrics)

# key byte = field number << 3 | wire type (1 = fixed64, 2 = length-delimited, 0 = varint)
# doubles little endian: 108.0 = 0x405B000000000000, 1.5 = 0x3FF8..., 1.0 = 0x3FF0..., 0.25 = 0x3FD0...,
# 0.75 = 0x3FE8...
EVALUATION = bytes.fromhex(
    "09" "0000000000005b40"  # 1 current_epoch 108.0
    "11" "000000000000f83f"  # 2 training_time 1.5
    "19" "000000000000f03f"  # 3 train_accuracy 1.0
    "21" "000000000000d03f"  # 4 validation_accuracy 0.25
    "29" "000000000000e83f"  # 5 test_accuracy 0.75
    "32" "02" "6162"  # 6 checkpoint_path "ab"
)
assert len(EVALUATION) == 5 * 9 + 4 == 0x31
MESSAGE = (bytes.fromhex("0a31") + EVALUATION  # 1 evaluation_data, 49 bytes
           + bytes.fromhex("10" "ac02")  # 2 trainable_parameters 300 = 0b10_0101100 -> 0xAC 0x02
           + bytes.fromhex("19" "000000000000f83f"))  # 3 total_time 1.5

EXPECTED = ModelMetrics(
    evaluation_data=[Evaluation(current_epoch=108.0, training_time=1.5, train_accuracy=1.0, validation_accuracy=0.25,
                                test_accuracy=0.75, checkpoint_path="ab")],
    trainable_parameters=300, total_time=1.5)


def test_decode_hand_written_message():
    assert decode_model_metrics(MESSAGE) == EXPECTED


def test_encode_is_byte_exact():
    assert encode_model_metrics(EXPECTED) == MESSAGE


def test_three_evaluations_the_final_is_index_2():
    evals = [Evaluation(current_epoch=e, validation_accuracy=a) for e, a in ((0.0, 0.1), (54.0, 0.5), (108.0, 0.9))]
    got = decode_model_metrics(encode_model_metrics(ModelMetrics(evaluation_data=evals)))
    assert got.evaluation_data[FINAL] == Evaluation(current_epoch=108.0, validation_accuracy=0.9)
    assert got.trainable_parameters is None and got.total_time is None


def test_unknown_fields_are_skipped_and_the_last_value_wins():
    extra = (bytes.fromhex("3801")  # field 7 varint 1
             + bytes.fromhex("4d" "01020304")  # field 9 fixed32
             + bytes.fromhex("5203" "787878")  # field 10 length-delimited "xxx"
             + bytes.fromhex("10" "05"))  # trainable_parameters again: 5 (proto2 keeps the last)
    got = decode_model_metrics(MESSAGE + extra)
    assert got.trainable_parameters == 5 and got.evaluation_data == EXPECTED.evaluation_data


def test_negative_int32_uses_ten_bytes():
    raw = bytes.fromhex("10" "ffffffffffffffffff01")  # -1 as protobuf writes an int32
    assert decode_model_metrics(raw).trainable_parameters == -1
    assert encode_model_metrics(ModelMetrics(trainable_parameters=-1)) == raw


@pytest.mark.parametrize("raw, problem", [
    (MESSAGE[:-3], "truncated fixed64"),
    (bytes.fromhex("0a31") + EVALUATION[:-1], "runs past the message end"),
    (bytes.fromhex("10ff"), "truncated varint"),
    (bytes.fromhex("0b"), "wire type 3"),
    (bytes.fromhex("0a02" "1001"), "should be a double"),  # training_time as a varint
])
def test_malformed_bytes_are_refused(raw, problem):
    with pytest.raises(ProtobufError, match=problem):
        decode_model_metrics(raw)
