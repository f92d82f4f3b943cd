"""How a supernet turns architecture parameters into the weights that mix an edge's ops.

A mixer is the replaceable piece of every supernet: `mixer(alpha)` gives the weights of the forward pass
(may be stochastic, e.g. DrNAS's Dirichlet samples), `mixer.expected(alpha)` the deterministic weights
that are logged (alphas.parquet `weight`) and from which the genotype is derived.
"""

from __future__ import annotations

import torch


class SoftmaxMixer:
    """DARTS: softmax over the ops of each edge (xautodl search_model_darts.py forward, dim=-1)."""

    name = "softmax"

    def __call__(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)

    def expected(self, alpha: torch.Tensor) -> torch.Tensor:
        return torch.softmax(alpha, dim=-1)
