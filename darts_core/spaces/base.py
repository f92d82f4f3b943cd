"""What every search space offers the rest of the code (`Space`), so that no module outside
`darts_core.spaces` decides behaviour by a space's name.

A family (NB201, the DARTS cell space) is a subclass that knows its arch strings and how an architecture is
derived from the weights; a space is an instance of it, registered by name in `darts_core.spaces.SPACES`.
Supernets are named by a "module:function" string and imported on first use: this package stays torch-free.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd


def resolve(ref):
    """A "module:attribute" string -> the object (objects pass through)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Space:
    name: str  # registry name
    family: str  # label of the family (display and keys only)
    ops: tuple[str, ...]  # the op list a config's `ops` defaults to and is drawn from, official order
    known_ops: tuple[str, ...]  # every op a space of this family can have (a typo vs an op not searched)
    cells: tuple[str, ...]
    edges: tuple[str, ...]
    learnable_ops: tuple[str, ...]  # ops with parameters (DARTS+ "learnable operations")
    default_criteria: tuple[str, ...]  # stop criteria evaluated when none are given
    supernet: str  # "module:function" with the protocol factory(cfg, num_classes, input_shape, mixer=None)
    evaluation: str  # "benchmark" (NAS-Bench-201 look-up) or "retrain" (trained from scratch)
    benchmark_datasets: tuple[str, ...] = ()  # datasets the look-up covers (evaluation "benchmark")
    benchmark: str = ""  # the look-up table's name in darts_core.layout.BENCHMARK_TABLES ("nb201", "nb101")
    hard_forward: bool = False  # the supernet has a one-op-per-edge forward (GDAS, RSPS)
    # the supernet takes `partial_channels`/`conv_bias` and can prune ops and widen its edges (DrNAS progressive)
    partial_channels: bool = False
    speed_switches: bool = False  # its builder reads channels_last, amp and compile (issue 18)
    edges_share_ops: bool = False  # every edge of a cell searches the same ops (an alpha log must agree)
    # "module:function" of the stand-alone network an arch is trained from scratch as where no benchmark
    # covers the data (benchmark.scratch), called (arch, num_classes, channels, num_cells, in_channels=)
    network: str = ""
    arch_index: str = ""  # "module:function": an arch's index in the space's benchmark, for file names
    # "module:function" factory(cfg, k, num_classes, input_shape) of K seeds in one supernet; "" = none
    packed_supernet: str = ""

    def canonical_arch(self, text: str) -> str:
        """The arch string in its canonical form (parsed, so a malformed one is a DartsCoreError)."""
        self.parse_arch(text)
        return str(text).strip()

    def build_supernet(self, cfg, num_classes: int, input_shape: Sequence[int], mixer=None, **options):
        """`options`: what a method asks of the supernet beyond the config (its `supernet_options(cfg)`)."""
        return resolve(self.supernet)(cfg, num_classes, input_shape, mixer=mixer, **options)

    def build_packed_supernet(self, cfg, k: int, num_classes: int, input_shape: Sequence[int]):
        return resolve(self.packed_supernet)(cfg, k, num_classes, input_shape)

    def order(self, ops: Iterable[str]) -> tuple[str, ...]:
        """Distinct ops in the family's official order (ops it does not know last)."""
        rank = {op: k for k, op in enumerate(self.known_ops)}
        return tuple(sorted(set(ops), key=lambda op: rank.get(op, len(rank))))

    def matches_log(self, cells: Iterable[str], edges: Iterable[str]) -> bool:
        """Could an alpha log with these cell types and edge names come from this family?"""
        return set(cells) <= set(self.cells) and set(edges) <= set(self.edges)

    def cell_edges(self, cell: str) -> tuple[str, ...]:
        """The edges of one cell type in the alpha log (the same for every cell unless a family says)."""
        return self.edges

    def fixed_ops(self, cell: str) -> tuple[tuple[str, ...], ...] | None:
        """The op list of every edge of `cell` if the family fixes it (NAS-Bench-1Shot1), else None (read
        from the log: op subsets, RobustDARTS S1-S4)."""
        return None

    @property
    def searched_ops(self) -> tuple[str, ...]:
        """The ops this space's supernet searches (a DARTS-family variant may fix fewer than `ops`)."""
        return self.ops

    def arch_count(self) -> tuple[int, str]:
        """(number of architectures, what is counted), for `python -m darts_core spaces`."""
        raise NotImplementedError

    def claims_arch(self, text: str) -> bool:
        """Is `text` written in this family's arch strings? (`space_of_arch`; NB201 is the fallback)"""
        return False

    # --- per family ---------------------------------------------------------------------------
    def check_ops(self, ops: Sequence[str]) -> tuple[str, ...]:
        """Validate a configured op list; returns it in the official order."""
        raise NotImplementedError

    def parse_arch(self, text: str):
        """An arch string -> the family's parsed form; a clear DartsCoreError for anything else."""
        raise NotImplementedError

    def skip_connects(self, arch: str) -> int:
        """DARTS+ sc: skip-connects of the derived (normal) cell."""
        raise NotImplementedError

    def derive_arch(self, rows: pd.DataFrame, ops_per_edge: dict, column: str = "weight") -> str:
        """The arch string derived from one epoch's rows of a tidy alpha log; `ops_per_edge`: cell -> op
        lists in `edges` order."""
        raise NotImplementedError
