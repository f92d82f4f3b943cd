"""The NAS-Bench-1Shot1 one-shot model (darts_core.nn.nb1shot1_supernet, after optimizers/darts/
model_search.py): shapes and gradients of the C=16, 9-layer network, the choice block and cell formulas,
a hand-set alpha state discretised as the official eval_one_shot_model does, and a one-epoch CLI search on
each space writing the usual run products."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core import runlog
from darts_core.cli import main
from darts_core.nn.nb1shot1_supernet import ChoiceBlock, Nb1Shot1Supernet
from darts_core.search.config import resolve_config
from darts_core.spaces import get_space
from darts_core.spaces.nb1shot1 import OPS
from darts_core.stops import space_info
from darts_core.stops.criteria import evaluate

MP, C3, C1 = OPS
NAMES = ("nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3")


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_gradients_of_the_official_network(name):
    """train_search.py: C=16, 9 layers; channels double and a 2x2 max-pool (padding 1) halves the map
    before cells 3 and 6 (32 -> 17 -> 9); a cell outputs C_cell * steps channels."""
    space = get_space(name)
    torch.manual_seed(0)
    net = Nb1Shot1Supernet(space, C=16, num_classes=10, layers=9)
    shapes = []
    for cell in net.cells:
        cell.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))
    logits = net(torch.randn(2, 3, 32, 32))
    s = space.steps
    assert logits.shape == (2, 10)
    assert shapes == [(16 * s, 32, 32)] * 3 + [(32 * s, 17, 17)] * 3 + [(64 * s, 9, 9)] * 3
    assert [tuple(a.shape) for a in net.arch_parameters()] == \
        [(s, 3), (1, s + 1), *[(1, k) for k in space.searched]]
    assert all(a.abs().max() < 0.01 for a in net.arch_parameters())  # 1e-3 * randn
    ids = {id(p) for p in net.arch_parameters()}
    assert len(net.weight_parameters()) + len(ids) == len(list(net.parameters()))
    assert not ids & {id(p) for p in net.weight_parameters()}
    torch.nn.functional.cross_entropy(logits, torch.tensor([1, 2])).backward()
    for a in net.arch_parameters():
        assert a.grad is not None and a.grad.abs().sum() > 0
    assert all(p.grad is not None for p in net.weight_parameters())
    bn = net.cells[0].projections[0][1]
    assert (bn.momentum, bn.eps, bn.affine) == (0.997, 1e-5, True)  # operations.py BN_MOMENTUM / BN_EPSILON


def test_choice_block_and_cell_formulas():
    """ChoiceBlock: weighted sum of the inputs, then the ops mixed; Cell: w_0 * projection(s0) + concat of
    w_k * block_k (model_search.py Cell.forward)."""
    torch.manual_seed(1)
    block = ChoiceBlock(4)
    a, b = torch.randn(2, 4, 5, 5), torch.randn(2, 4, 5, 5)
    got = block([a, b], torch.tensor([0.25, 0.75]), torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(got, torch.nn.functional.max_pool2d(0.25 * a + 0.75 * b, 3, 1, 1))
    got = block([a, b], None, torch.tensor([0.0, 0.0, 1.0]))
    torch.testing.assert_close(got, block._ops[2](a + b))
    net = Nb1Shot1Supernet(get_space("nb1shot1-s1"), C=4, num_classes=3, layers=1).eval()
    cell, x = net.cells[0], torch.randn(2, 4, 6, 6)
    mixed, inputs = torch.softmax(torch.randn(4, 3), -1), {3: torch.tensor([0.2, 0.3, 0.5]), 4: torch.full((4,), 0.25)}
    only_input = torch.tensor([1.0, 0, 0, 0, 0])
    torch.testing.assert_close(cell(x, mixed, only_input, inputs), cell.projections[-1](x))
    w = torch.tensor([0.0, 0.1, 0.2, 0.3, 0.4])
    out = cell(x, mixed, w, inputs)
    states = []
    for k in range(1, 5):
        ins = [cell.projections[k - 1](x), *states]
        states.append(cell.blocks[k - 1](ins, inputs.get(k), mixed[k - 1]))
    torch.testing.assert_close(out, torch.cat([w[k] * states[k - 1] for k in range(1, 5)], dim=1))


def test_hand_set_alphas_give_the_official_discretisation():
    """SS2, the case of test_nb1shot1_space (hand-computed from eval_one_shot_model and
    create_nasbench_adjacency_matrix): alphas set as the log of those weights."""
    space = get_space("nb1shot1-s2")
    net = Nb1Shot1Supernet(space, C=2, num_classes=10, layers=3)
    mixed = [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.4, 0.3]]
    inputs = [[0.1, 0.9], [0.5, 0.1, 0.4], [0.1, 0.3, 0.2, 0.4]]
    output = [0.3, 0.1, 0.2, 0.35, 0.05]
    with torch.no_grad():
        net.alphas_mixed_op.copy_(torch.tensor(mixed).log())
        net.alphas_output.copy_(torch.tensor([output]).log())
        for a, v in zip(net.alphas_inputs, inputs):
            a.copy_(torch.tensor([v]).log())
    arch = net.genotype()
    assert arch == ("nb1shot1-s2|1=conv1x1-bn-relu<-0|2=maxpool3x3<-1|3=conv3x3-bn-relu<-0,2|"
                    "4=conv3x3-bn-relu<-1,3|out<-0,2,3")
    matrix, ops = space.nb101_spec(arch)
    assert matrix == [[0, 1, 0, 1, 0, 0, 1], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                      [0] * 7, [0] * 7, [0] * 7]
    assert ops == ["input", C1, MP, C3, C3, C1, "output"]
    log = net.alpha_log(7)
    np.testing.assert_allclose(log[log.cell == "output"]["weight"], output, rtol=1e-6)
    np.testing.assert_allclose(log.groupby(["cell", "edge"])["weight"].sum(), 1.0, atol=1e-6)  # float32 softmax
    assert space_info.from_alphas(log).arch(log, 7) == arch


def test_the_factory_reads_the_config():
    cfg = resolve_config({"preset": "nb1shot1", "space": "nb1shot1-s3", "channels": 2, "num_cells": 3})
    assert (cfg.batch_size, cfg.num_cells, cfg.w_wd, cfg.a_lr, cfg.a_wd, cfg.loop) == (96, 3, 3e-4, 3e-4, 1e-3, "quark0")
    net = get_space(cfg.space).build_supernet(cfg, 10, (1, 8, 8))
    assert isinstance(net, Nb1Shot1Supernet) and net.space.name == "nb1shot1-s3" and len(net.cells) == 3
    assert net.stem[0].in_channels == 1 and net(torch.randn(2, 1, 8, 8)).shape == (2, 10)
    assert resolve_config({"preset": "nb1shot1"}).num_cells == 9


@pytest.mark.parametrize("name", NAMES)
def test_one_epoch_cli_search_writes_the_run_products(tmp_path, name):
    out = tmp_path / "run"
    rc = main(["search", "--out", str(out), "--preset", "nb1shot1", "--space", name, "--dataset", "digits",
               "--epochs", "1", "--channels", "2", "--num-cells", "3", "--batch-size", "250", "--device", "cpu",
               "--threads", "1", "--seed", "4"])
    assert rc == 0
    space = get_space(name)
    alphas = runlog.read_alphas(out / runlog.ALPHAS, space.known_ops)
    per_epoch = space.steps * 3 + sum(space.searched) + space.steps + 1
    assert tuple(alphas.columns) == runlog.ALPHA_COLUMNS and len(alphas) == 2 * per_epoch
    assert set(alphas.cell) == set(space.cells) and list(alphas.epoch.unique()) == [0, 1]
    np.testing.assert_allclose(alphas.groupby(["epoch", "cell", "edge"]).weight.sum(), 1.0, atol=1e-6)
    assert not np.allclose(alphas[alphas.epoch == 1].alpha, alphas[alphas.epoch == 0].alpha)  # alphas moved
    genotypes = pd.read_csv(out / runlog.GENOTYPES)
    assert list(genotypes.epoch) == [0, 1]
    for arch in genotypes.arch:
        matrix, ops = space.nb101_spec(arch)
        assert np.array(matrix).shape == (7, 7) and not np.tril(matrix).any() and len(ops) == 7
    # the alpha log derives the same architecture the search recorded
    info = space_info.from_alphas(alphas)
    assert info.space is space and info.arch(alphas, 1) == genotypes.arch.iloc[1]
    metrics = pd.read_csv(out / runlog.METRICS)
    assert tuple(metrics.columns) == runlog.METRIC_COLUMNS and list(metrics.epoch) == [1]
    run = json.loads((out / runlog.RUN_INFO).read_text())
    assert run["status"] == "finished" and run["config"]["space"] == name and run["config"]["num_cells"] == 3
    # the space's default stop criteria on the run folder
    stops = evaluate(out)
    assert list(stops.criterion) == list(space.default_criteria)
    assert stops.set_index("criterion").loc["final", "arch"] == genotypes.arch.iloc[1]
