"""DARTS-space genotypes: the quark0 `Genotype` record, its string form (parsed without eval), and the
published genotypes used as test data.

String form as quark0 cnn/genotypes.py prints it: `Genotype(normal=[('sep_conv_3x3', 0), ...],
normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))`; lists `[2, 3, 4, 5]` are accepted
for the concat too. Each cell lists 2 (op, input) pairs per intermediate node; inputs 0, 1 are the cell
inputs c_{k-2}, c_{k-1}, input j >= 2 is intermediate node j.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import NamedTuple

from darts_core.errors import DartsCoreError

# Ops a derived network can build (darts_core.nn.darts_ops): the DARTS set plus RobustDARTS's noise (S4).
GENOTYPE_OPS = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
                "dil_conv_3x3", "dil_conv_5x5", "noise")
FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")


class Genotype(NamedTuple):
    normal: tuple[tuple[str, int], ...]
    normal_concat: tuple[int, ...]
    reduce: tuple[tuple[str, int], ...]
    reduce_concat: tuple[int, ...]


def make_genotype(normal: Iterable, normal_concat: Iterable[int], reduce: Iterable, reduce_concat: Iterable[int]) -> Genotype:
    """Build and check a Genotype (tuples throughout, so it is hashable and compares by value)."""
    g = Genotype(tuple((str(op), int(j)) for op, j in normal), tuple(int(i) for i in normal_concat),
                 tuple((str(op), int(j)) for op, j in reduce), tuple(int(i) for i in reduce_concat))
    for cell in ("normal", "reduce"):
        pairs, concat = getattr(g, cell), getattr(g, f"{cell}_concat")
        if not pairs or len(pairs) % 2:
            raise DartsCoreError(f"genotype {cell} cell needs 2 (op, input) pairs per node, got {len(pairs)} pairs")
        steps = len(pairs) // 2
        for k, (op, j) in enumerate(pairs):
            node = 2 + k // 2
            if op not in GENOTYPE_OPS:
                raise DartsCoreError(f"genotype {cell} cell, pair {k} {(op, j)}: unknown op {op!r}; choose from "
                                     f"{', '.join(GENOTYPE_OPS)}")
            if not 0 <= j < node:
                raise DartsCoreError(f"genotype {cell} cell, pair {k} {(op, j)}: node {node} cannot take input {j} "
                                     f"(allowed 0..{node - 1})")
        if not concat or any(not 0 <= i < steps + 2 for i in concat):
            raise DartsCoreError(f"genotype {cell}_concat {list(concat)} must name nodes 0..{steps + 1}")
    return g


def _concat_text(concat: tuple[int, ...]) -> str:
    if len(concat) > 1 and concat == tuple(range(concat[0], concat[-1] + 1)):
        return f"range({concat[0]}, {concat[-1] + 1})"
    return "[" + ", ".join(str(i) for i in concat) + "]"


def genotype_string(g: Genotype) -> str:
    """The quark0 repr (contiguous concats as `range(a, b)`, as a searched genotype prints)."""
    pairs = lambda cell: "[" + ", ".join(f"({op!r}, {j})" for op, j in cell) + "]"  # noqa: E731
    return (f"Genotype(normal={pairs(g.normal)}, normal_concat={_concat_text(g.normal_concat)}, "
            f"reduce={pairs(g.reduce)}, reduce_concat={_concat_text(g.reduce_concat)})")


def _literal(node: ast.AST, what: str, text: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise DartsCoreError(f"genotype string {text!r}: {what} is not a literal list") from None


def _concat(node: ast.AST, field: str, text: str) -> list[int]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        if node.keywords or not 1 <= len(node.args) <= 2:
            raise DartsCoreError(f"genotype string {text!r}: {field} must be range(a, b) or a list of ints")
        bounds = [_literal(a, field, text) for a in node.args]
        if not all(isinstance(b, int) for b in bounds):
            raise DartsCoreError(f"genotype string {text!r}: {field} range bounds must be ints")
        return list(range(*bounds))
    value = _literal(node, field, text)
    if not isinstance(value, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise DartsCoreError(f"genotype string {text!r}: {field} must be range(a, b) or a list of ints")
    return list(value)


def _pairs(node: ast.AST, field: str, text: str) -> list[tuple[str, int]]:
    value = _literal(node, field, text)
    ok = isinstance(value, (list, tuple)) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], int) for p in value)
    if not ok:
        raise DartsCoreError(f"genotype string {text!r}: {field} must be a list of ('op', input) pairs")
    return list(value)


def parse_genotype(text: str) -> Genotype:
    """Parse the quark0 repr safely (an AST walk; nothing is evaluated). Clear errors for malformed input."""
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise DartsCoreError(f"genotype string {text!r} is not valid syntax ({err.msg}); expected "
                             "Genotype(normal=[(op, input), ...], normal_concat=..., reduce=[...], reduce_concat=...)") from None
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "Genotype"):
        raise DartsCoreError(f"genotype string {text!r} must look like Genotype(normal=[...], normal_concat=..., ...)")
    if tree.args:
        raise DartsCoreError(f"genotype string {text!r}: give the fields by name ({', '.join(FIELDS)})")
    given = {kw.arg: kw.value for kw in tree.keywords}
    missing, extra = [f for f in FIELDS if f not in given], [f for f in given if f not in FIELDS]
    if missing or extra:
        raise DartsCoreError(f"genotype string {text!r}: missing field(s) {missing}, unknown field(s) {extra}")
    try:
        return make_genotype(_pairs(given["normal"], "normal", text), _concat(given["normal_concat"], "normal_concat", text),
                             _pairs(given["reduce"], "reduce", text), _concat(given["reduce_concat"], "reduce_concat", text))
    except DartsCoreError as err:  # name the string, as the syntax errors above do
        if str(err).startswith("genotype string"):
            raise
        raise DartsCoreError(f"genotype string {text!r}: {str(err).removeprefix('genotype ')}") from None


# Published genotypes (as data, for tests and the retrain CLI). Sources: quark0/darts cnn/genotypes.py
# (DARTS_V1, DARTS_V2); xiangning-chen/DrNAS DARTS-space/genotypes.py (PC_DARTS_cifar, DrNAS_cifar10, DrNAS_imagenet).
PUBLISHED_TEXT = {
    "DARTS_V1": "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])",
    "DARTS_V2": "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
    "PC_DARTS_cifar": "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=range(2, 6), reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=range(2, 6))",
    "DrNAS_cifar10": "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_5x5', 3)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_5x5', 2), ('sep_conv_5x5', 1), ('sep_conv_5x5', 1), ('dil_conv_5x5', 3), ('skip_connect', 4), ('sep_conv_5x5', 1)], reduce_concat=range(2, 6))",
    "DrNAS_imagenet": "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('dil_conv_3x3', 3), ('skip_connect', 0), ('sep_conv_3x3', 1)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1)], reduce_concat=range(2, 6))",
}


def published(name: str) -> Genotype:
    if name not in PUBLISHED_TEXT:
        raise DartsCoreError(f"no published genotype {name!r}; known: {', '.join(PUBLISHED_TEXT)}")
    return parse_genotype(PUBLISHED_TEXT[name])
