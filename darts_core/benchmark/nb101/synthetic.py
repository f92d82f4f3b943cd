"""A small file in the official NAS-Bench-101 format, of random specs with made-up metrics (tests, benchmarks).

Specs are drawn as generate_graphs.py enumerates them (7 vertices, upper triangular, <= 9 edges), pruned and
kept when in the space; each is written as the file stores it (pruned matrix, its hash) with `repeats`
records. Accuracy = 0.5 + 0.1 x (number of conv3x3) + 0.01 x repeat, so a test can check a look-up by hand.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from darts_core.benchmark.nb101 import graph, tfrecord
from darts_core.benchmark.nb101.metrics import Evaluation, ModelMetrics, encode_model_metrics
from darts_core.benchmark.nb101.record import Record, encode_row


def accuracy(ops, repeat: int) -> float:
    return 0.5 + 0.1 * sum(op == graph.ALLOWED_OPS[0] for op in ops) + 0.01 * repeat


def metrics_for(ops, repeat: int, epochs: int) -> ModelMetrics:
    acc = accuracy(ops, repeat)
    evals = [Evaluation(current_epoch=e, training_time=10.0 * e + repeat, train_accuracy=min(1.0, acc + 0.05),
                        validation_accuracy=acc, test_accuracy=acc - 0.002, checkpoint_path=f"ckpt-{e}")
             for e in (0.0, epochs / 2, float(epochs))]
    return ModelMetrics(evaluation_data=evals, trainable_parameters=1000 * len(ops) + repeat, total_time=12.5 * epochs)


def random_specs(count: int, seed: int = 0) -> list[tuple[list[list[int]], list[str]]]:
    """`count` pairwise non-isomorphic specs in the space, already pruned (as the file stores them)."""
    rng, seen, specs = random.Random(seed), set(), []
    n = graph.MAX_VERTICES
    while len(specs) < count:
        matrix = [[int(j > i and rng.random() < 0.35) for j in range(n)] for i in range(n)]
        ops = [graph.INPUT] + [rng.choice(graph.ALLOWED_OPS) for _ in range(n - 2)] + [graph.OUTPUT]
        if not graph.is_valid(matrix, ops):
            continue
        pm, pops = graph.canonical(matrix, ops)
        key = graph.spec_hash(pm, pops)
        if key not in seen:
            seen.add(key)
            specs.append((pm, pops))
    return specs


def records(specs, repeats: int = 3, epochs: int = 108):
    for matrix, ops in specs:
        key = graph.spec_hash(matrix, ops)
        flat = "".join(str(x) for row in matrix for x in row)
        for r in range(repeats):
            yield Record(key, epochs, flat, ",".join(ops), encode_model_metrics(metrics_for(ops, r, epochs)))


def write_file(path: str | os.PathLike, specs, repeats: int = 3, epochs: int = 108) -> Path:
    return tfrecord.write_records(path, (encode_row(rec) for rec in records(specs, repeats, epochs)))
