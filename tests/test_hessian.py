"""Dominant Hessian eigenvalue: exact (RobustDARTS row-wise double backprop) vs Lanczos / power iteration."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from darts_core.errors import DartsCoreError
from darts_core.search.hessian import METHODS, HVP, dominant_eigenvalue, hessian_matrix, lanczos_max, max_eigenvalue, power_max

RTOL = 1e-4


def test_quadratic_loss_hand_computed():
    # loss = 0.5 a^T A a + b^T a: Hessian A (+ wd I). A has eigenvalues 3, 1, -5 (most negative dominates in
    # magnitude: power iteration must shift to find the largest algebraic one)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    A = q @ np.diag([3.0, 1.0, -5.0]) @ q.T
    At = torch.tensor(A, dtype=torch.float64)
    a = torch.nn.Parameter(torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64))
    b = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    f = lambda: 0.5 * a @ At @ a + b @ a  # noqa: E731
    np.testing.assert_allclose(hessian_matrix(f, [a], weight_decay=0.1), A + 0.1 * np.eye(3), atol=1e-12)
    for method in METHODS:
        assert dominant_eigenvalue(f, [a], 0.1, method) == pytest.approx(3.1, rel=1e-8), method


class MixedToy(torch.nn.Module):
    """A small differentiable supernet: 4 mixed edges x 3 ops (tanh-linear, identity, relu-linear), softmax."""

    def __init__(self, d=5, edges=4, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.alpha = torch.nn.Parameter(0.3 * torch.randn(edges, 3, generator=g))
        self.register_buffer("W", 0.5 * torch.randn(edges, 2, d, d, generator=g))

    def forward(self, x):
        w = torch.softmax(self.alpha, dim=-1)
        for e in range(self.alpha.shape[0]):
            outs = (torch.tanh(x @ self.W[e, 0]), x, torch.relu(x @ self.W[e, 1]))
            x = sum(wk * o for wk, o in zip(w[e], outs))
        return x


@pytest.fixture
def toy():
    torch.manual_seed(1)
    model = MixedToy()
    x, y = torch.randn(32, 5), torch.randint(0, 5, (32,))
    calls = []

    def loss_fn():
        calls.append(1)
        return torch.nn.functional.cross_entropy(model(x), y)

    return model, x, y, loss_fn, calls


def test_exact_equals_torch_functional_hessian(toy):
    model, x, y, loss_fn, _ = toy
    H = hessian_matrix(loss_fn, [model.alpha], weight_decay=1e-3)
    ref = torch.autograd.functional.hessian(
        lambda a: torch.nn.functional.cross_entropy(torch.func.functional_call(model, {"alpha": a}, (x,)), y),
        model.alpha.detach().clone()).reshape(12, 12).double().numpy()
    np.testing.assert_allclose(H, ref + 1e-3 * np.eye(12), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=0)  # upper triangle mirrored, as RobustDARTS


def test_methods_agree_to_1e4_and_call_the_loss_once(toy):
    model, _, _, loss_fn, calls = toy
    values = {}
    for method in METHODS:
        calls.clear()
        values[method] = dominant_eigenvalue(loss_fn, [model.alpha], 1e-3, method)
        assert len(calls) == 1, method
    for method in ("lanczos", "power"):
        assert values[method] == pytest.approx(values["exact"], rel=RTOL), (method, values)
    # weight decay shifts the dominant eigenvalue by exactly wd
    assert dominant_eigenvalue(loss_fn, [model.alpha], 0.0, "exact") == pytest.approx(values["exact"] - 1e-3, rel=1e-5)


def test_bad_calls():
    a = torch.nn.Parameter(torch.ones(3))
    with pytest.raises(DartsCoreError, match="unknown eigenvalue method"):
        dominant_eigenvalue(lambda: (a**2).sum(), [a], method="arnoldi")
    with pytest.raises(DartsCoreError, match="scalar"):
        dominant_eigenvalue(lambda: a**2, [a])
    with pytest.raises(DartsCoreError, match="require grad"):
        dominant_eigenvalue(lambda: (a**2).sum(), [torch.ones(3)])
    with pytest.raises(DartsCoreError, match="non-finite"):
        max_eigenvalue(np.array([[np.nan]]))


def test_robustdarts_stored_hessian_eigenvalues_are_reproduced(shared_data):
    run = shared_data / "darts-logs/RobustDARTS/experiments/search_logs/s1/cifar10/0.0_0.0003-2516843"
    derived = pd.read_csv(shared_data / "darts-logs/RobustDARTS/DERIVED/dominant_eigenvalues.csv")
    derived = derived[(derived["job_id"] == 2516843) & (derived["task_id_seed"] == 1)].set_index("epoch")
    records = [json.loads(line) for line in open(run / "derivatives_1.json")]
    assert [r["epoch"] for r in records] == list(range(0, 50, 2)) + [49]
    for rec in records:
        H = np.asarray(rec["H"], dtype=np.float64)
        assert H.shape == (56, 56)
        ev = max_eigenvalue(H)
        assert ev == pytest.approx(derived.loc[rec["epoch"], "dominant_eigenvalue"], rel=1e-6)
        # the iterative methods on the stored matrix (symmetric: H + wd I with wd = 1e-3)
        assert lanczos_max(lambda v: H @ v, 56) == pytest.approx(ev, rel=RTOL)
    first = np.asarray(records[0]["H"])
    assert max_eigenvalue(first) == pytest.approx(0.17884429, rel=1e-7)
    assert power_max(lambda v: first @ v, 56) == pytest.approx(0.17884429, rel=RTOL)


def tiny_nb201():
    from darts_core.nn.nb201_supernet import NB201Supernet

    torch.manual_seed(0)
    net = NB201Supernet(10, channels=4, num_cells=1)
    net.train()  # RobustDARTS: model in train mode
    x, y = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))
    return net, lambda: torch.nn.functional.cross_entropy(net(x), y)


def test_nb201_supernet_exact_and_lanczos_agree():
    pytest.importorskip("darts_core.nn.nb201_supernet")
    net, loss_fn = tiny_nb201()
    params = net.arch_parameters()
    assert sum(p.numel() for p in params) == 30
    exact = dominant_eigenvalue(loss_fn, params, 1e-3, "exact")
    lanczos = dominant_eigenvalue(loss_fn, params, 1e-3, "lanczos")
    assert lanczos == pytest.approx(exact, rel=RTOL)
    hvp = HVP(loss_fn, params, 1e-3)
    e0 = np.zeros(30)
    e0[7] = 1.0
    np.testing.assert_allclose(hvp(e0), hessian_matrix(loss_fn, params, 1e-3)[7], rtol=1e-4, atol=1e-6)


def test_darts_supernet_exact_and_lanczos_agree():
    """Both cell types' alphas in one Hessian; the S2 space (2 ops per edge, 56 alphas) keeps the exact
    method fast here; the full DARTS space (224 alphas) is in benchmarks/bench_eigenvalue.py."""
    mod = pytest.importorskip("darts_core.nn.darts_supernet")
    torch.manual_seed(0)
    net = mod.DartsSupernet(C=2, num_classes=10, layers=3, space="s2")
    net.train()
    x, y = torch.randn(2, 3, 8, 8), torch.randint(0, 10, (2,))
    params = net.arch_parameters()
    assert sum(p.numel() for p in params) == 56
    loss_fn = lambda: torch.nn.functional.cross_entropy(net(x), y)  # noqa: E731
    exact = dominant_eigenvalue(loss_fn, params, 1e-3, "exact")
    assert dominant_eigenvalue(loss_fn, params, 1e-3, "lanczos") == pytest.approx(exact, rel=RTOL)
