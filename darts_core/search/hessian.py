"""Dominant eigenvalue of the Hessian of a loss w.r.t. the architecture parameters (DARTS-ES).

`dominant_eigenvalue(loss_fn, params, weight_decay=0.0, method='exact'|'lanczos'|'power', **kw) -> float`

- `loss_fn`: zero-argument closure returning the scalar loss (RobustDARTS: the non-unrolled validation loss
  of one batch, model in train mode). It is called exactly ONCE per eigenvalue: every method
  differentiates one graph, so BN batch statistics, dropout or drop-path masks are the same for all rows.
- `params`: the alpha tensors (normal + reduce for the DARTS space); the Hessian is over all of them.
- `weight_decay`: added as `weight_decay * alpha` to the gradient before the second derivative, as
  RobustDARTS src/search/analyze.py `Analyzer._hessian` (arch_weight_decay 1e-3), i.e. H + wd*I.
- `exact`: RobustDARTS `_hessian`: the full matrix, row by row by double backprop (upper triangle, mirrored),
  then `max(numpy.linalg.eigvals(H))` (real part), as train_search.py.
- `lanczos`: Lanczos on Hessian-vector products by double backprop (H v + wd v), full
  re-orthogonalisation, stopped when the top Ritz pair's residual bound is below tol (default 1e-8)
  relative; at most n products. Finds the largest algebraic eigenvalue, as `exact` does. Options: tol,
  maxiter, seed, backend ("own", or "arpack" = scipy.sparse.linalg.eigsh on a LinearOperator, which='LA').
- `power`: power iteration on the same HVP with a Rayleigh-quotient stop (tol 1e-10, maxiter 2000); if the
  largest-magnitude eigenvalue is negative, a second run on H - mu*I gives the largest algebraic one.
  Simple but slow when the top two eigenvalues are close; `lanczos` is the default iterative method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from darts_core.errors import DartsCoreError

METHODS = ("exact", "lanczos", "power")


def _params(params) -> list[torch.Tensor]:
    if isinstance(params, torch.Tensor):
        params = [params]
    params = list(params)
    if not params:
        raise DartsCoreError("dominant_eigenvalue: no parameters given")
    for p in params:
        if not p.requires_grad:
            raise DartsCoreError("dominant_eigenvalue: every parameter must require grad")
    return params


def _flat_grad(loss_fn: Callable[[], torch.Tensor], params: list[torch.Tensor], weight_decay: float) -> torch.Tensor:
    loss = loss_fn()
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise DartsCoreError("dominant_eigenvalue: loss_fn must return a scalar tensor")
    if not torch.isfinite(loss).all():
        raise DartsCoreError(f"dominant_eigenvalue: the loss is {loss.item()}")
    grads = torch.autograd.grad(loss.reshape(()), params, create_graph=True, allow_unused=True)
    parts = []
    for g, p in zip(grads, params):
        g = torch.zeros_like(p) if g is None else g
        parts.append(g.reshape(-1) + weight_decay * p.reshape(-1))  # analyze.py: grad + weight_decay*inp
    return torch.cat(parts)


def _grad_of(scalar_or_vec: torch.Tensor, params: list[torch.Tensor], grad_outputs=None) -> torch.Tensor:
    if not scalar_or_vec.requires_grad:
        return torch.zeros(sum(p.numel() for p in params), dtype=params[0].dtype, device=params[0].device)
    out = torch.autograd.grad(scalar_or_vec, params, grad_outputs=grad_outputs, retain_graph=True, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if o is None else o).reshape(-1) for o, p in zip(out, params)])


def hessian_matrix(loss_fn: Callable[[], torch.Tensor], params: Sequence[torch.Tensor] | torch.Tensor,
                   weight_decay: float = 0.0) -> np.ndarray:
    """H + wd*I as a float64 array, row by row by double backprop (RobustDARTS analyze.py `_hessian`:
    row i's entries i..n-1 are computed, the lower triangle mirrors them)."""
    params = _params(params)
    g = _flat_grad(loss_fn, params, float(weight_decay))
    n = g.numel()
    H = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        row = _grad_of(g[i], params).detach().double().cpu().numpy()
        H[i, i:] = row[i:]
        H[i + 1:, i] = row[i + 1:]
    return H


def max_eigenvalue(H: np.ndarray) -> float:
    """`max(numpy.linalg.eigvals(H))` as RobustDARTS train_search.py (real part; H is symmetric)."""
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise DartsCoreError(f"Hessian must be square, got shape {H.shape}")
    if not np.isfinite(H).all():
        raise DartsCoreError("Hessian has non-finite entries")
    return float(np.max(np.linalg.eigvals(H).real))


class HVP:
    """v -> (H + wd*I) v on numpy float64 vectors, from one graph (loss_fn called once)."""

    def __init__(self, loss_fn, params, weight_decay: float = 0.0):
        self.params = _params(params)
        self.g = _flat_grad(loss_fn, self.params, float(weight_decay))
        self.n = self.g.numel()
        self.calls = 0

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self.calls += 1
        vt = torch.as_tensor(np.asarray(v, dtype=np.float64).reshape(-1), dtype=self.g.dtype, device=self.g.device)
        return _grad_of(self.g, self.params, grad_outputs=vt).detach().double().cpu().numpy()


def lanczos_max(matvec: Callable[[np.ndarray], np.ndarray], n: int, tol: float = 1e-8, maxiter: int | None = None,
                seed: int = 0, backend: str = "own", ncv: int | None = None) -> float:
    """Largest algebraic eigenvalue of a symmetric operator by Lanczos.

    backend "own" (default): Lanczos with full re-orthogonalisation, stopped when the Ritz residual bound
    beta_j |s_j| of the top Ritz pair is <= tol * max(1, |theta|) (so |lambda - theta| is at most that, and
    in practice far less); at most n products (exact in n steps). backend "arpack":
    scipy.sparse.linalg.eigsh(LinearOperator, k=1, which='LA') (implicit restarts; more products)."""
    if backend == "arpack":
        return _arpack_max(matvec, n, tol=tol, maxiter=maxiter, ncv=ncv, seed=seed)
    if backend != "own":
        raise DartsCoreError(f"unknown Lanczos backend {backend!r}; choose own or arpack")
    maxiter = n if maxiter is None else min(int(maxiter), n)
    q = np.random.default_rng(seed).standard_normal(n)
    Q = np.zeros((maxiter, n))
    Q[0] = q / np.linalg.norm(q)
    alphas, betas = [], []
    theta = None
    for j in range(maxiter):
        w = np.asarray(matvec(Q[j]), dtype=np.float64).reshape(-1)
        a = float(Q[j] @ w)
        alphas.append(a)
        for _ in range(2):  # full re-orthogonalisation against all Lanczos vectors, twice
            w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)
        b = float(np.linalg.norm(w))
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        vals, vecs = np.linalg.eigh(T)
        theta = float(vals[-1])
        if b * abs(vecs[-1, -1]) <= tol * max(1.0, abs(theta)) or j + 1 == maxiter or b == 0.0:
            return theta
        betas.append(b)
        Q[j + 1] = w / b
    return theta


def _arpack_max(matvec, n, tol=1e-8, maxiter=None, ncv=None, seed=0) -> float:
    from scipy.sparse.linalg import LinearOperator, eigsh

    if n < 3:  # too small for ARPACK: build the matrix from n products
        M = np.column_stack([matvec(e) for e in np.eye(n)])
        return max_eigenvalue(0.5 * (M + M.T))
    op = LinearOperator((n, n), matvec=lambda v: matvec(np.ravel(v)), dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(n)
    vals = eigsh(op, k=1, which="LA", tol=tol, maxiter=maxiter, ncv=ncv, v0=v0, return_eigenvectors=False)
    return float(vals[0])


def power_max(matvec: Callable[[np.ndarray], np.ndarray], n: int, tol: float = 1e-10, maxiter: int = 2000,
              seed: int = 0) -> float:
    """Largest algebraic eigenvalue by power iteration (+ one shifted run if the dominant one is negative)."""

    def run(shift: float) -> float:
        v = np.random.default_rng(seed).standard_normal(n)
        v /= np.linalg.norm(v)
        lam = None
        for _ in range(maxiter):
            w = matvec(v) - shift * v
            new = float(v @ w)
            norm = np.linalg.norm(w)
            if norm == 0.0:
                return 0.0
            v = w / norm
            if lam is not None and abs(new - lam) <= tol * max(1.0, abs(new)):
                return new
            lam = new
        return lam

    mu = run(0.0)
    if mu >= 0:
        return mu
    return mu + run(mu)  # eigenvalues of H - mu*I are >= 0 when mu is the most negative one


def dominant_eigenvalue(loss_fn: Callable[[], torch.Tensor], params, weight_decay: float = 0.0,
                        method: str = "exact", **kw) -> float:
    """Largest eigenvalue of the Hessian of loss_fn() w.r.t. params, plus weight_decay (see module doc)."""
    if method not in METHODS:
        raise DartsCoreError(f"unknown eigenvalue method {method!r}; choose from {', '.join(METHODS)}")
    if method == "exact":
        if kw:
            raise DartsCoreError(f"method 'exact' takes no options, got {', '.join(kw)}")
        return max_eigenvalue(hessian_matrix(loss_fn, params, weight_decay))
    hvp = HVP(loss_fn, params, weight_decay)
    if method == "lanczos":
        return lanczos_max(hvp, hvp.n, **kw)
    return power_max(hvp, hvp.n, **kw)
