"""The NAS-Bench-101 network of a spec (darts_core.nn.nb101_net, after nasbench/lib/model_builder.py) and
the train-from-scratch fallback for NAS-Bench-1Shot1 archs on the digits demo (darts_core.benchmark.scratch)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from darts_core.benchmark import scratch
from darts_core.errors import DartsCoreError
from darts_core.nn.nb101_net import Nb101Network, build_network, drop_isolated, vertex_channels
from darts_core.spaces import get_space

SS2 = ("nb1shot1-s2|1=conv1x1-bn-relu<-0|2=maxpool3x3<-1|3=conv3x3-bn-relu<-0,2|4=conv3x3-bn-relu<-1,3|"
       "out<-0,2,3")
TINY = {"epochs": 1, "batch_size": 128, "channels": 4, "num_cells": 1}


def test_vertex_channels_by_hand():
    """compute_vertex_channels: 128 output channels over the 3 vertices feeding the output -> 43, 43, 42;
    vertex 1 (feeding only those) the max of them; the input keeps its own."""
    m = np.array([[0, 1, 0, 0, 0, 0],
                  [0, 0, 1, 1, 1, 0],
                  [0, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 0]])
    assert vertex_channels(64, 128, m) == [64, 43, 43, 43, 42, 128]
    m2 = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert vertex_channels(8, 9, m2) == [8, 5, 4, 9]


def test_drop_isolated_is_the_pruning_of_a_discretised_spec():
    matrix, ops = get_space("nb1shot1-s2").nb101_spec(SS2)  # node 4 and the dummy node 5 have no edges
    m, kept = drop_isolated(matrix, ops)
    assert kept == ["input", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "output"]
    assert m.tolist() == [[0, 1, 0, 1, 1], [0, 0, 1, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    loose = np.array(matrix)
    loose[4, 6] = 0
    loose[1, 4] = 1  # vertex 4: an input, no output
    with pytest.raises(DartsCoreError, match="vertex 4 is a loose end"):
        drop_isolated(loose.tolist(), ops)


def test_network_shapes_truncation_and_stacks():
    """Vertex 1 (5 channels, the +1 of 9 = 5 + 4) feeds vertex 2 (4 channels): truncated to 4. Stacks of
    the NB101 skeleton: the map halves ('same' pooling: 9 -> 5 -> 3), channels double."""
    m = [[0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    net = Nb101Network(m, ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"], 10, stem_channels=9,
                       modules_per_stack=2, in_channels=1)
    cell = net.stacks[0][0]
    assert cell.channels == [9, 5, 4, 9] and list(cell.projections) == ["1"]
    sizes = []
    for stack in net.stacks:
        stack.register_forward_hook(lambda mod, i, o: sizes.append(tuple(o.shape[1:])))
    assert net(torch.randn(2, 1, 9, 9)).shape == (2, 10)
    assert sizes == [(9, 9, 9), (18, 5, 5), (36, 3, 3)]
    assert net.stem[1].momentum == pytest.approx(0.003)  # TF decay 0.997


def test_build_network_from_an_arch_string():
    net = build_network(SS2, 10, channels=16, num_cells=1, in_channels=1)
    assert net.stacks[0][0].channels == [16, 8, 8, 8, 16]
    assert sorted(net.stacks[0][0].projections) == ["1", "3", "4"]  # input feeds 1, 3 and the output
    out = net(torch.randn(3, 1, 8, 8))
    out.sum().backward()
    assert out.shape == (3, 10) and all(p.grad is not None for p in net.parameters())


def test_train_an_nb1shot1_arch_on_digits_then_cached(tmp_path, monkeypatch):
    res = scratch.train_arch(SS2, "digits", None, TINY, 0, tmp_path)
    assert not res["cached"] and res["index"] is None and res["arch"] == SS2
    assert 0 <= res["valid_accuracy"] <= 100 and 0 <= res["test_accuracy"] <= 100
    assert res["params"] == sum(p.numel() for p in build_network(SS2, 10, 4, 1, in_channels=3).parameters())
    assert any((tmp_path / "digits").glob("s0-*/test/checkpoint.pt"))

    def no_training(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(scratch, "_train", no_training)
    assert scratch.train_arch(" " + SS2, "digits", None, dict(TINY), 0, tmp_path)["cached"]
    with pytest.raises(DartsCoreError, match="choice block 2 needs 1 distinct parents"):
        scratch.train_arch(SS2.replace("2=maxpool3x3<-1", "2=maxpool3x3<-0,1"), "digits", None, TINY, 0, tmp_path)
