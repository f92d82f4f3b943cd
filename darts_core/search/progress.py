"""Progress of a search: a tqdm bar per epoch on a terminal, plain log lines otherwise (Snakemake logs)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, epochs: int, stream=None, interactive: bool | None = None):
        self.epochs, self.stream = epochs, stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def log(self, line: str) -> None:
        print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {line}", file=self.stream, flush=True)

    def steps(self, iterable, epoch: int, total: int):
        """Wrap one epoch's batches (epoch is 1-based)."""
        if self.interactive:
            from tqdm import tqdm

            return tqdm(iterable, total=total, desc=f"epoch {epoch}/{self.epochs}", leave=False, file=self.stream)
        return self._lines(iterable, epoch, total)

    def _lines(self, iterable, epoch: int, total: int):
        every, start = max(1, total // 10), time.time()
        for i, item in enumerate(iterable, start=1):
            yield item
            if i % every == 0 and i < total:
                self.log(f"epoch {epoch}/{self.epochs} step {i}/{total} ({time.time() - start:.1f} s)")
