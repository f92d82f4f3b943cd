"""DrNAS progressive (xiangning-chen/DrNAS @ f2caa4d 201-space/train_search_progressive.py), step by step
against hand-computed cases of the official code: the partial-channel edge (search_cells.py
NAS201SearchCell_PartialChannel.MixedOp, channel_shuffle), the masked Dirichlet weights
(utils.process_step_vector with a mask), the pruning rule (utils.prune: who survives, ties, a second
pruning), the stage switch (what is pruned, widened with which random channels, carried over and not
reset: net2wider.py), the learning rate replayed with torch's CosineAnnealingLR driven as the script
drives it, the config checks, and a tiny CPU search over both stages (run products, same seed -> same
log, resume inside stage 2)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.methods import method_class
from darts_core.nn.mixing import DirichletMixer, dirichlet_concentration
from darts_core.nn.nb201_ops import ReLUConvBN
from darts_core.nn.nb201_supernet import NB201SearchCell, NB201Supernet, channel_shuffle
from darts_core.search.config import resolve_config
from darts_core.search.drnas import DrNas
from darts_core.search.drnas_progressive import DrNasProgressive, prune_alphas
from darts_core.search.loop import run_search
from darts_core.search.schedule import alphas_frozen, weight_lr
from darts_core.spaces import nb201
from darts_core.stops.criteria import evaluate
from darts_core.stops.magnitudes import magnitudes
from darts_core.study.plan import epoch_learning_rates


# --- the partial-channel edge ---------------------------------------------------------------------------
def test_channel_shuffle_by_hand():
    """view (B, groups, C/groups) -> transpose -> flatten: channel c' * groups + g <- g * C/groups + c'."""
    x = torch.arange(6.0).view(1, 6, 1, 1)
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]


def test_partial_cell_of_skips_by_hand():
    """k = 2, C = 4, only skip_connect (weight 1): each edge maps y to shuffle(cat(y[:2], y[2:]), 2) =
    y[[0, 2, 1, 3]] = P y, and P P = I, so node1 = P x, node2 = P x + x, node3 = P x + P node1 + P node2 =
    2 x + 2 P x."""
    cell = NB201SearchCell(4, ("skip_connect",), True, partial_channels=2)
    x = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(0))
    out = cell(x, torch.ones(6, 1))
    assert torch.allclose(out, 2 * x + 2 * x[:, [0, 2, 1, 3]], atol=1e-6)


def _official_partial_cell(cell: NB201SearchCell, x, weights, k):
    """The official forward, written out: per edge sum(w * op(x[:, :C/k]) for ops with w != 0), then
    cat with x[:, C/k:] and channel_shuffle(., k) (k = 1: the sum alone); nodes are sums of their edges."""
    c = x.shape[1] // k
    nodes = [x]
    for i in range(1, nb201.MAX_NODES):
        inter = []
        for j in range(i):
            w = weights[nb201.EDGES.index(f"{i}<-{j}")]
            xa, xb = nodes[j][:, :c], nodes[j][:, c:]
            mixed = sum(w[o] * op(xa) for o, op in enumerate(cell.edges[f"{i}_{j}"]) if not w[o] == 0)
            if k > 1:
                cat = torch.cat([mixed, xb], dim=1)
                order = [g * (cat.shape[1] // k) + cp for cp in range(cat.shape[1] // k) for g in range(k)]
                mixed = cat[:, order]
            inter.append(mixed)
        nodes.append(sum(inter))
    return nodes[-1]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_partial_cell_matches_the_official_mixed_op(k):
    torch.manual_seed(0)
    cell = NB201SearchCell(8, nb201.OPS, True, partial_channels=k, conv_bias=False).eval()
    x = torch.randn(3, 8, 5, 5)
    weights = torch.distributions.Dirichlet(torch.ones(6, 5)).sample()
    mask = torch.ones(6, 5, dtype=torch.bool)
    mask[:, 1] = False  # skip_connect pruned on every edge, none on two
    mask[[0, 4], 0] = False
    weights = weights * mask
    kept = tuple(tuple(int(o) for o in row.nonzero().flatten()) for row in mask)
    with torch.no_grad():
        assert torch.allclose(cell(x, weights, kept=kept), _official_partial_cell(cell, x, weights, k), atol=1e-5)
        assert torch.allclose(cell(x, weights), _official_partial_cell(cell, x, weights, k), atol=1e-5)


def test_supernet_shapes_partial_and_bias_free():
    """TinyNetwork(C=16, k=4): the ops of a cell of width C see C/4 channels; DrNAS's convs have no bias
    (xautodl's, the default, have one)."""
    net = NB201Supernet(10, channels=16, num_cells=1, track_running_stats=True, mixer=DirichletMixer(),
                        partial_channels=4, conv_bias=False)
    convs = [c.edges["1_0"][3][1] for c in net.cells if isinstance(c, NB201SearchCell)]
    assert [tuple(c.weight.shape) for c in convs] == [(4, 4, 3, 3), (8, 8, 3, 3), (16, 16, 3, 3)]
    assert all(c.bias is None for c in convs)
    assert net.cells[0].edges["1_0"][2][1].weight.shape == (4, 4, 1, 1)
    assert NB201Supernet(10, channels=16, num_cells=1).cells[0].edges["1_0"][3][1].bias is not None
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 10)
    with pytest.raises(DartsCoreError, match="partial channels 3 do not divide channels"):
        NB201Supernet(10, channels=16, num_cells=1, partial_channels=3)


# --- masked Dirichlet weights ---------------------------------------------------------------------------
def test_masked_dirichlet_sample_is_the_official_renormalised_one():
    """process_step_vector(x, 'dirichlet', mask): sample all ops, zero the pruned, divide by the kept sum
    (row by row, as process_step_matrix: on the CPU the same draws as one batched sample); the pruned
    alphas get no gradient from the loss through it."""
    alpha = (0.3 * torch.randn(6, 5, generator=torch.Generator().manual_seed(1))).requires_grad_()
    mask = torch.rand(6, 5, generator=torch.Generator().manual_seed(2)) > 0.4
    mask[:, 3] = True
    mixer = DirichletMixer()
    mixer.mask = mask
    torch.manual_seed(5)
    w = mixer(alpha)
    torch.manual_seed(5)
    rows = []
    for line, m in zip(alpha.detach(), mask):  # row by row, as process_step_matrix
        out = torch.distributions.Dirichlet(torch.nn.functional.elu(line) + 1).rsample()
        pruned = torch.zeros_like(out)
        pruned[m] = out[m]
        rows.append(pruned / pruned.sum())
    assert torch.equal(w.detach(), torch.stack(rows))
    assert (w[~mask] == 0).all() and torch.allclose(w.sum(-1), torch.ones(6))
    (w * torch.arange(5.0)).sum().backward()
    # the renormalised weights do not depend on a pruned op's sample: its gradient is 0 up to rounding
    assert alpha.grad[~mask].abs().max() < 1e-6 and alpha.grad[mask].abs().min() > 1e-3


def test_masked_logged_weight_by_hand():
    """alpha (1, 0, -1, 0.5, 0), ops 1 and 4 pruned: beta = (2, -, e^-1, 1.5, -), weight = beta / 3.5 + e^-1."""
    mixer = DirichletMixer()
    mixer.mask = torch.tensor([[True, False, True, True, False]])
    w = mixer.expected(torch.tensor([[1.0, 0.0, -1.0, 0.5, 0.0]]))
    s = 3.5 + math.exp(-1)
    assert w[0].tolist() == pytest.approx([2 / s, 0.0, math.exp(-1) / s, 1.5 / s, 0.0], abs=1e-6)
    assert dirichlet_concentration(torch.tensor([0.0])).item() == 1.0  # a pruned alpha (0) has beta 1


# --- pruning --------------------------------------------------------------------------------------------
def test_pruning_rule_by_hand():
    """utils.prune: the num_keep largest alphas per edge keep their value, the others become 0, even where
    0 is larger than a kept value; ties go to the op first in the op order (ours: torch.topk leaves it open)."""
    alpha = torch.tensor([[0.3, -0.2, 0.5, 0.1, 0.0],
                          [-1.0, -2.0, -3.0, -4.0, -5.0],
                          [0.1, 0.1, 0.1, 0.1, 0.2],
                          [0.0, 0.0, 0.0, 0.0, 0.0],
                          [2.0, 1.0, 3.0, -1.0, 1.0],
                          [0.0, 0.7, 0.0, 0.6, 0.5]])
    mask = prune_alphas(alpha, 3)
    assert mask.int().tolist() == [[1, 0, 1, 1, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 1], [1, 1, 1, 0, 0],
                                   [1, 1, 1, 0, 0], [0, 1, 0, 1, 1]]
    expected = torch.tensor([[0.3, 0.0, 0.5, 0.1, 0.0],
                             [-1.0, -2.0, -3.0, 0.0, 0.0],
                             [0.1, 0.1, 0.0, 0.0, 0.2],
                             [0.0, 0.0, 0.0, 0.0, 0.0],
                             [2.0, 1.0, 3.0, 0.0, 0.0],
                             [0.0, 0.7, 0.0, 0.6, 0.5]])
    assert torch.equal(alpha, expected)


def test_a_second_pruning_picks_among_the_kept_only():
    """With a previous mask, pruned ops first drop by 1e6: the 0 of a pruned op never beats a kept -1."""
    alpha = torch.tensor([[-1.0, -0.5, -2.0, 0.0, 0.0]])
    mask = prune_alphas(alpha, 2, torch.tensor([[True, True, True, False, False]]))
    assert mask.tolist() == [[True, True, False, False, False]]
    assert alpha.tolist() == [[-1.0, -0.5, 0.0, 0.0, 0.0]]


# --- the stage switch -----------------------------------------------------------------------------------
def _method(seed=0, **extra):
    settings = {"preset": "drnas-progressive", "channels": 8, "num_cells": 1, "epochs": 4,
                "drnas_stage_epochs": [2, 2], **extra}
    cfg = resolve_config(settings)
    torch.manual_seed(seed)
    cls = method_class("drnas", cfg)
    model = NB201Supernet(10, channels=8, num_cells=1, track_running_stats=True, mixer=cls.make_mixer(cfg),
                          **cls.supernet_options(cfg))
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    method = cls(model, nn.CrossEntropyLoss(), w_opt, cls.make_alpha_optimizer(model.arch_parameters(), cfg), 5.0)
    method.configure(cfg)
    return cfg, model, method


ALPHA = torch.tensor([[0.5, 0.1, 0.3, -0.2, 0.0],
                      [0.0, 0.2, 0.4, 0.6, 0.8],
                      [0.9, 0.1, 0.2, 0.3, 0.8],
                      [-0.5, -0.4, -0.3, -0.2, -0.1],
                      [0.3, 0.3, 0.1, 0.3, 0.3],
                      [0.0, 1.0, 0.0, 1.0, 0.5]])
KEPT = ((0, 1, 2), (2, 3, 4), (0, 3, 4), (2, 3, 4), (0, 1, 3), (1, 3, 4))


def test_implementation_and_supernet_options_follow_the_setting():
    assert method_class("drnas", resolve_config({"preset": "drnas"})) is DrNas
    cfg = resolve_config({"preset": "drnas-progressive"})
    assert method_class("drnas", cfg) is DrNasProgressive
    assert DrNasProgressive.supernet_options(cfg) == {"partial_channels": 4, "conv_bias": False}


def test_stage_switch_prunes_widens_and_carries_the_momentum():
    cfg, model, method = _method()
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 10
    for _ in range(2):  # momentum buffers and Adam moments to carry
        method.step(x, y, x, y)
    with torch.no_grad():
        model.alpha.copy_(ALPHA)
    w_opt, a_opt = method.w_optimizer, method.a_optimizer
    convs = [op for c in model.cells if isinstance(c, NB201SearchCell) for ops in c.edges.values() for op in ops
             if isinstance(op, ReLUConvBN)]
    old = [(op[1].weight.detach().clone(), w_opt.state[op[1].weight]["momentum_buffer"].clone(),
            op[2].running_mean.clone(), op[2].running_var.clone()) for op in convs]
    widened_ids = {id(op[1].weight) for op in convs}
    others = {id(p): (p, w_opt.state[p]["momentum_buffer"]) for p in model.weight_parameters() if id(p) not in widened_ids}
    adam = {k: v.clone() for k, v in a_opt.state[model.alpha].items()}

    method.begin_epoch(1)  # still stage 1
    assert method.stage == 0 and model.mixer.mask is None and model.kept is None
    torch.manual_seed(11)
    method.begin_epoch(2)

    # pruning: the top 3 of each edge keep their alpha, the others are 0 and masked
    assert model.kept == KEPT and method.stage == 1
    expected = torch.zeros_like(ALPHA)
    for e, kept in enumerate(KEPT):
        expected[e, list(kept)] = ALPHA[e, list(kept)]
    assert torch.equal(model.alpha.detach(), expected)
    w = model.mixer(model.alpha)
    assert (w[~model.mixer.mask] == 0).all() and torch.allclose(w.sum(-1), torch.ones(6))
    # widening k 4 -> 2, replayed: per cell, edge and conv op, randint for the input then the output channels
    torch.manual_seed(11)
    for op, (weight, buf, mean, var) in zip(convs, old):
        c = weight.shape[0]
        i_idx, o_idx = torch.randint(0, c, (c,)), torch.randint(0, c, (c,))
        wide = torch.cat([weight, weight[:, i_idx]], 1)
        assert torch.equal(op[1].weight.detach(), torch.cat([wide, wide[o_idx]], 0))
        wide_buf = torch.cat([buf, buf[:, i_idx]], 1)
        assert torch.equal(w_opt.state[op[1].weight]["momentum_buffer"], torch.cat([wide_buf, wide_buf[o_idx]], 0))
        assert torch.equal(op[2].running_mean, torch.cat([mean, mean[o_idx]]))
        assert torch.equal(op[2].running_var, torch.cat([var, var[o_idx]]))
        assert op[1].weight.shape[:2] == (2 * c, 2 * c) and op[1].bias is None
    # the SGD holds the new parameters in the model's order; everything else keeps its momentum; Adam untouched
    assert [id(p) for p in w_opt.param_groups[0]["params"]] == [id(p) for p in model.weight_parameters()]
    for p, buf in others.values():
        assert w_opt.state[p]["momentum_buffer"] is buf
    assert all(torch.equal(a_opt.state[model.alpha][k], v) for k, v in adam.items())
    assert method.state_dict() == {"stage": 1, "mask": model.mixer.mask.tolist()}
    # the widened supernet trains on: forward, backward, the momentum of the widened kernels goes on
    method.step(x, y, x, y)
    method.begin_epoch(3)
    assert method.stage == 1 and model.kept == KEPT


def test_learning_rate_replays_the_official_two_schedulers():
    """train_search_progressive.py: CosineAnnealingLR(T_max 100) stepped per epoch; after stage 1 a new SGD
    and a new scheduler loaded with the old one's state (configure_scheduler). Driven the same way, torch's
    scheduler gives the lr of every epoch that DrnasSpec.weight_lr declares."""
    cfg = resolve_config({"preset": "drnas-progressive"})
    net = nn.Linear(1, 1)
    opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 100.0, eta_min=0.001)
    lrs = []
    for stage in range(2):
        for _ in range(50):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        if stage == 0:
            opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
            new = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 100.0, eta_min=0.001)
            new.load_state_dict(sched.state_dict())
            sched = new
    ours = [weight_lr(cfg, e, 0.5) for e in range(100)]  # constant within an epoch
    assert ours == pytest.approx(lrs, rel=1e-9, abs=1e-12)
    assert ours[50] == pytest.approx(0.025) and ours[51] == pytest.approx(0.001 + 0.024 * (1 + math.cos(0.51 * math.pi)))
    assert ours[49] == pytest.approx(0.001 + 0.012 * (1 + math.cos(0.49 * math.pi)))


def test_architecture_steps_wait_ten_epochs_in_every_stage():
    cfg = resolve_config({"preset": "drnas-progressive"})
    assert [e for e in range(100) if alphas_frozen(cfg, e)] == [*range(10), *range(50, 60)]
    w_lr, a_lr = epoch_learning_rates(cfg)  # the plan prints what the search uses
    assert a_lr == [0.0 if alphas_frozen(cfg, e) else 3e-4 for e in range(100)]
    assert w_lr == [weight_lr(cfg, e) for e in range(100)]
    plain = resolve_config({"preset": "drnas"})
    assert not any(alphas_frozen(plain, e) for e in range(100))
    assert weight_lr(plain, 50) == pytest.approx(0.001 + 0.012 * (1 + math.cos(0.5 * math.pi)))


# --- settings -------------------------------------------------------------------------------------------
def test_preset_is_the_official_defaults():
    cfg = resolve_config({"preset": "drnas-progressive"})
    assert (cfg.method, cfg.drnas_progressive, cfg.epochs, cfg.batch_size, cfg.channels, cfg.num_cells) == \
        ("drnas", True, 100, 64, 16, 5)
    assert (cfg.drnas_stage_epochs, cfg.drnas_partial_channels, cfg.drnas_keep_ops, cfg.drnas_stage_warmup) == \
        ((50, 50), (4, 2), (5, 3), 10)
    assert (cfg.w_lr, cfg.w_lr_min, cfg.w_wd, cfg.a_lr, cfg.a_wd, cfg.drnas_reg, cfg.search_split) == \
        (0.025, 0.001, 3e-4, 3e-4, 1e-3, "l2", "darts")
    assert json.loads(json.dumps(cfg.to_dict()))["drnas_stage_epochs"] == [50, 50]


@pytest.mark.parametrize("mapping, message", [
    ({"preset": "drnas-progressive", "epochs": 50}, "drnas_stage_epochs [50, 50] sum to 100, but epochs is 50"),
    ({"drnas_progressive": True}, "drnas_progressive is a DrNAS option; method is 'darts-v1'"),
    ({"preset": "drnas-progressive", "drnas_keep_ops": [4, 3]}, "drnas_keep_ops starts with 4, but stage 1 searches all 5"),
    ({"preset": "drnas-progressive", "drnas_partial_channels": [3, 2]}, "drnas_partial_channels 3 does not divide channels (16)"),
    ({"preset": "drnas-progressive", "drnas_partial_channels": [2, 4]}, "drnas_keep_ops [5, 3] and drnas_partial_channels [2, 4] must not grow"),
    ({"preset": "drnas-progressive", "drnas_stage_epochs": [50, 25, 25]}, "drnas_stage_epochs, drnas_partial_channels and drnas_keep_ops need one entry per stage, got 3, 2 and 2"),
    ({"preset": "drnas-progressive", "warmup_epochs": 5}, "drnas_progressive has its own schedule"),
    ({"preset": "drnas-progressive", "space": "darts"}, "drnas_progressive needs a supernet with partial-channel edges, which space 'darts' has not"),
    ({"drnas_stage_epochs": "50"}, "drnas_stage_epochs must be a non-empty list of integers (one per stage), got '50'"),
    ({"drnas_keep_ops": [3, 0]}, "drnas_keep_ops must be >= 1, got 0"),
    ({"drnas_stage_warmup": -1}, "drnas_stage_warmup must be >= 0, got -1"),
])
def test_bad_settings_get_one_line(mapping, message):
    with pytest.raises(DartsCoreError) as err:
        resolve_config(mapping)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_cli_takes_one_integer_per_stage():
    import argparse

    from darts_core.search import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["search", "--out", "x", "--drnas-stage-epochs", "30", "30", "40", "--drnas-progressive"])
    assert (args.drnas_stage_epochs, args.drnas_progressive) == ([30, 30, 40], True)


# --- a tiny search over both stages ---------------------------------------------------------------------
TINY = {"preset": "drnas-progressive", "dataset": "digits", "channels": 4, "num_cells": 1, "batch_size": 250,
        "device": "cpu", "epochs": 4, "drnas_stage_epochs": [2, 2], "drnas_stage_warmup": 1, "seed": 3}


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    return run_search(resolve_config(TINY), tmp_path_factory.mktemp("drnas_progressive") / "whole")


def test_run_products_over_both_stages(whole):
    alphas = runlog.read_alphas(whole / runlog.ALPHAS)
    metrics = pd.read_csv(whole / runlog.METRICS)
    genotypes = pd.read_csv(whole / runlog.GENOTYPES)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2, 3, 4] and list(metrics["epoch"]) == [1, 2, 3, 4]
    zero = alphas.assign(z=alphas["weight"] == 0).groupby(["epoch", "edge"])["z"].sum()
    assert (zero.loc[[0, 1, 2]] == 0).all() and (zero.loc[[3, 4]] == 2).all()  # 5 ops, then the top 3 per edge
    pruned = alphas[alphas["weight"] == 0]
    after = alphas[alphas["epoch"] == 3].set_index(["edge", "op"])["alpha"]
    assert (after.loc[list(zip(pruned.loc[pruned["epoch"] == 3, "edge"], pruned.loc[pruned["epoch"] == 3, "op"]))] == 0).all()
    kept = alphas[(alphas["epoch"] == 2)].set_index(["edge", "op"])["alpha"]
    for edge in nb201.EDGES:  # the ops kept after stage 1 are the top 3 alphas of epoch 2 (its end)
        top = set(kept.loc[edge].sort_values(ascending=False, kind="mergesort").index[:3])
        live = set(alphas[(alphas["epoch"] == 3) & (alphas["edge"] == edge) & (alphas["weight"] > 0)]["op"])
        assert live == top
    sums = alphas.groupby(["epoch", "edge"])["weight"].sum()
    assert np.allclose(sums, 1.0)
    assert np.allclose(magnitudes(alphas).groupby("epoch")["magnitude"].sum(), 1.0, atol=1e-6)
    # the per-stage warm-up: no alpha step in epochs 1 and 3 (1-based), steps in 2 and 4
    assert list(metrics["alpha_lr"]) == [0.0, 3e-4, 0.0, 3e-4]
    moved = [not np.allclose(alphas.loc[alphas["epoch"] == e, "alpha"].to_numpy(),
                             alphas.loc[alphas["epoch"] == e - 1, "alpha"].to_numpy()) for e in (1, 2, 4)]
    assert moved == [False, True, True]
    cfg = resolve_config(TINY)
    assert list(metrics["weight_lr"]) == pytest.approx([weight_lr(cfg, e) for e in range(4)])
    assert metrics["weight_lr"].iloc[2] == pytest.approx(0.025)  # stage 2 starts at the full lr again
    for epoch, arch in zip(genotypes["epoch"], genotypes["arch"]):  # argmax among the kept ops
        w = alphas[alphas["epoch"] == epoch].pivot(index="edge", columns="op", values="weight")
        assert arch == nb201.derive_arch(w.loc[list(nb201.EDGES), list(nb201.OPS)].to_numpy(), nb201.OPS)
    info = json.loads((whole / runlog.RUN_INFO).read_text())
    assert info["status"] == "finished" and info["config"]["drnas_progressive"] is True
    stops = evaluate(whole, ["final", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts+_rt:2"])
    assert not stops["note"].str.startswith("not computable").any()


def test_same_seed_same_alpha_log(whole, tmp_path):
    again = run_search(resolve_config(TINY), tmp_path / "again")
    assert (again / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    assert (again / runlog.GENOTYPES).read_bytes() == (whole / runlog.GENOTYPES).read_bytes()


def test_killed_in_stage_2_resumes_to_the_same_log(whole, tmp_path, monkeypatch):
    """The checkpoint after epoch 3 holds the widened supernet; a fresh process rebuilds the stage (shapes,
    mask, the optimiser's parameters) before loading it, and goes on exactly as the uninterrupted run."""
    real, calls = DrNasProgressive.step, {"n": 0}

    def dying_step(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 11:  # second step of epoch 4 (3 steps per epoch)
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(DrNasProgressive, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_search(resolve_config(TINY), tmp_path / "killed")
    saved = load_checkpoint(tmp_path / "killed" / "checkpoint.pt")
    assert saved["epoch"] == 3 and saved["method"]["stage"] == 1
    monkeypatch.setattr(DrNasProgressive, "step", real)
    torch.manual_seed(999)
    resumed = run_search(resolve_config(TINY), tmp_path / "killed")
    assert (resumed / runlog.ALPHAS).read_bytes() == (whole / runlog.ALPHAS).read_bytes()
    assert (resumed / runlog.GENOTYPES).read_bytes() == (whole / runlog.GENOTYPES).read_bytes()
    assert json.loads((resumed / runlog.RUN_INFO).read_text())["resumed_after_epoch"] == 3
