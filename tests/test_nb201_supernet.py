"""Parity of our NB201 supernet and DARTS-V1/V2 steps with the official xautodl TinyNetworkDarts (float64).

The oracle steps below re-state the official per-batch procedure of AutoDL-Projects
`exps/NAS-Bench-201-algos/DARTS-V1.py` / `DARTS-V2.py` (search_func, backward_step_unrolled,
_hessian_vector_product) on the official model, so our implementation is checked against xautodl's
network and the published algorithm, not against itself.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from darts_core.errors import DartsCoreError
from darts_core.nn.nb201_supernet import NB201Supernet
from darts_core.search.darts import DartsV1, DartsV2
from darts_core.spaces import nb201

xautodl_model = pytest.importorskip("xautodl.models.cell_searchs.search_model_darts")
C, N, CLASSES, LR, WD, MOM = 8, 2, 10, 0.025, 5e-4, 0.9


def rel(a, b) -> float:
    return float((a - b).detach().norm() / b.detach().norm())


def pair(ops=nb201.OPS, track=False):
    """(official, ours) in float64, ours holding a copy of the official weights, buffers and alphas."""
    torch.manual_seed(1)
    official = xautodl_model.TinyNetworkDarts(C, N, 4, CLASSES, list(ops), False, track).double()
    with torch.no_grad():
        official.arch_parameters.normal_(0, 0.3)  # away from uniform, so ops really differ
    torch.manual_seed(2)  # a different init, overwritten below
    ours = NB201Supernet(CLASSES, C, N, ops, track).double()
    theirs, mine = official.state_dict(), ours.state_dict()
    assert len(theirs) == len(mine)
    with torch.no_grad():
        for (k_t, t), (k_m, m) in zip(theirs.items(), mine.items()):
            assert t.shape == m.shape, (k_t, k_m)
            m.copy_(t)
    return official, ours


def batches(seed=3, n=6, size=8):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, 3, size, size, generator=g, dtype=torch.float64), torch.randint(0, CLASSES, (n,), generator=g))
            for _ in range(4)]


def optimisers(model, weights, alphas):
    w = torch.optim.SGD(weights, LR, momentum=MOM, weight_decay=WD, nesterov=True)
    a = torch.optim.Adam(alphas, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    return w, a


def test_same_logits_and_same_init_for_same_seed():
    official, ours = pair()
    x = batches()[0][0]
    assert rel(ours(x), official(x)[1]) < 1e-12
    torch.manual_seed(7)
    a = xautodl_model.TinyNetworkDarts(C, N, 4, CLASSES, list(nb201.OPS), False, False)
    torch.manual_seed(7)
    b = NB201Supernet(CLASSES, C, N)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("clip", [5.0, 0.05])
def test_darts_v1_step_matches_official(clip):
    official, ours = pair()
    ow, oa = optimisers(official, official.get_weights(), official.get_alphas())
    mw, ma = optimisers(ours, ours.weight_parameters(), ours.arch_parameters())
    step = DartsV1(ours, torch.nn.CrossEntropyLoss(), mw, ma, clip)
    crit = torch.nn.CrossEntropyLoss()
    data = batches()
    for (xt, yt), (xv, yv) in (data[0:2], data[2:4]):  # two steps: stale alpha grads enter the clip norm
        ow.zero_grad()  # DARTS-V1.py search_func
        _, logits = official(xt)
        crit(logits, yt).backward()
        torch.nn.utils.clip_grad_norm_(official.parameters(), clip)
        ow.step()
        oa.zero_grad()
        _, a_logits = official(xv)
        crit(a_logits, yv).backward()
        official_grad = official.arch_parameters.grad.clone()
        oa.step()

        _, our_logits = step.step(xt, yt, xv, yv)
        assert rel(our_logits, logits.detach()) < 1e-10
        assert rel(ours.alpha.grad, official_grad) < 1e-5
        assert rel(ours.alpha.detach(), official.arch_parameters.detach()) < 1e-10
    for p, q in zip(ours.weight_parameters(), official.get_weights()):
        assert torch.allclose(p, q, rtol=1e-9, atol=1e-12)


def official_v2_alpha_grad(net, crit, w_opt, xt, yt, xv, yv, r=1e-2):
    """DARTS-V2.py backward_step_unrolled on TinyNetworkDarts: w' = w - lr (m buf + dw + wd w) on the
    train batch, d_alpha L_val(w') minus lr times the finite-difference (R = r / ||v||) mixed product."""
    weights = net.get_weights()
    group = w_opt.param_groups[0]
    lr, wd, mom = group["lr"], group["weight_decay"], group["momentum"]
    loss = crit(net(xt)[1], yt)
    grads = torch.autograd.grad(loss, weights)
    state = [w_opt.state.get(p, {}).get("momentum_buffer") for p in weights]
    moment = [torch.zeros_like(p) if any(s is None for s in state) else s * mom for p, s in zip(weights, state)]
    unrolled = copy.deepcopy(net)
    with torch.no_grad():
        for u, p, m, g in zip(unrolled.get_weights(), weights, moment, grads):
            u.copy_(p - lr * (m + g + wd * p))
    unrolled.zero_grad()
    crit(unrolled(xv)[1], yv).backward()
    dalpha = unrolled.arch_parameters.grad
    v = [u.grad for u in unrolled.get_weights()]
    R = r / torch.cat([t.reshape(-1) for t in v]).norm()
    grads_at = []
    for shift in (R, -2 * R):
        with torch.no_grad():
            for p, t in zip(weights, v):
                p.add_(t, alpha=float(shift))
        grads_at.append(torch.autograd.grad(crit(net(xt)[1], yt), net.get_alphas())[0])
    with torch.no_grad():
        for p, t in zip(weights, v):
            p.add_(t, alpha=float(R))
    return dalpha - lr * (grads_at[0] - grads_at[1]) / (2 * R)


def test_darts_v2_step_matches_official():
    official, ours = pair(track=True)
    ow, oa = optimisers(official, official.get_weights(), official.get_alphas())
    mw, ma = optimisers(ours, ours.weight_parameters(), ours.arch_parameters())
    step = DartsV2(ours, torch.nn.CrossEntropyLoss(), mw, ma, 5.0)
    crit = torch.nn.CrossEntropyLoss()
    data = batches()
    for (xt, yt), (xv, yv) in (data[0:2], data[2:4]):  # the second step uses the momentum buffers
        oa.zero_grad()  # DARTS-V2.py search_func: alpha step first, then the weight step
        official_grad = official_v2_alpha_grad(official, crit, ow, xt, yt, xv, yv)
        official.arch_parameters.grad = official_grad.clone()
        oa.step()
        ow.zero_grad()
        _, logits = official(xt)
        crit(logits, yt).backward()
        torch.nn.utils.clip_grad_norm_(official.parameters(), 5)
        ow.step()

        step.unrolled_alpha_step(xt, yt, xv, yv)  # = step.step(), split to see the alpha gradient
        assert rel(ours.alpha.grad, official_grad) < 1e-5
        _, our_logits = step.weight_step(xt, yt)
        assert rel(our_logits, logits.detach()) < 1e-10
        assert rel(ours.alpha.detach(), official.arch_parameters.detach()) < 1e-10
    our_buffers, their_buffers = list(ours.buffers()), list(official.buffers())
    assert all(torch.allclose(a.double(), b.double()) for a, b in zip(our_buffers, their_buffers))  # same BN updates


def test_darts_v2_gradient_is_the_unrolled_hypergradient():
    """With a small finite-difference radius, the V2 gradient equals the exact
    d/d_alpha L_val(w - lr (dw L_train + wd w)) computed by autograd through the unrolled step. (With the
    official r = 0.01 it does not on this tiny ReLU net: the +-R v probes cross ReLU kinks.)"""
    _, ours = pair()
    mw, ma = optimisers(ours, ours.weight_parameters(), ours.arch_parameters())
    (xt, yt), (xv, yv) = batches()[:2]
    crit = torch.nn.CrossEntropyLoss()
    weights = ours.weight_parameters()
    names = {id(p): n for n, p in ours.named_parameters()}
    g = torch.autograd.grad(crit(ours(xt), yt), weights, create_graph=True)
    unrolled = {names[id(p)]: p - LR * (gi + WD * p) for p, gi in zip(weights, g)}
    exact = torch.autograd.grad(crit(torch.func.functional_call(ours, unrolled, (xv,)), yv), [ours.alpha])[0]
    detached = {k: v.detach() for k, v in unrolled.items()}
    first_order = torch.autograd.grad(crit(torch.func.functional_call(ours, detached, (xv,)), yv), [ours.alpha])[0]
    step = DartsV2(ours, crit, mw, ma, 5.0)
    step.fd_r = 1e-6
    step.unrolled_alpha_step(xt, yt, xv, yv)
    assert rel(ours.alpha.grad, exact) < 1e-6
    assert rel(first_order, exact) > 1e-3  # the second-order term is really there


def test_configurable_ops_and_genotype():
    model = NB201Supernet(CLASSES, 4, 1, ops=("none", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"))
    assert model.alpha.shape == (6, 4)
    with torch.no_grad():
        model.alpha.zero_()
        model.alpha[:, 2] = 1.0
        model.alpha[0, 0] = 2.0  # `none` wins on edge 1<-0: argmax includes none, as official
    assert model.genotype() == "|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    log = model.alpha_log(0)
    assert len(log) == 6 * 4 and set(log.op) == {"none", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"}
    np.testing.assert_allclose(log.groupby("edge").weight.sum(), 1.0)
    with pytest.raises(DartsCoreError, match="unknown NAS-Bench-201 op 'sep_conv_3x3'"):
        NB201Supernet(CLASSES, 4, 1, ops=("none", "sep_conv_3x3"))
