"""A full disk while a product or a checkpoint is written: one line naming the file and saying "No space
left on device" (torch reports a failed write as a bare RuntimeError), and the previous file is kept."""

from __future__ import annotations

import errno
import os

import pytest
import torch

from darts_core import runlog
from darts_core.checkpoint import load_checkpoint, save_checkpoint
from darts_core.errors import DartsCoreError


def test_a_full_disk_while_writing_a_product_keeps_the_old_one(tmp_path):
    path = runlog.write_text("old\n", tmp_path / "metrics.csv")

    def full(tmp):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(DartsCoreError, match=r"^cannot write .*metrics\.csv: No space left on device \(\d+ bytes "
                                             r"free in .*\); its previous version is kept$"):
        runlog.atomic_write(path, full)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]  # no temporary file left


def test_a_full_disk_while_torch_saves_a_checkpoint_says_so(tmp_path, monkeypatch):
    ckpt = save_checkpoint({"epoch": 1, "w": torch.ones(3)}, tmp_path / "checkpoint.pt")

    def torch_full(obj, f, *a, **k):  # what torch.save raises when a write fails: no errno, no cause
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")

    monkeypatch.setattr(torch, "save", torch_full)
    monkeypatch.setattr(runlog, "_free_bytes", lambda folder: 0)  # the disk is full
    with pytest.raises(DartsCoreError, match=r"cannot write .*checkpoint\.pt: No space left on device \(0 bytes free"):
        save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, ckpt)
    assert load_checkpoint(ckpt)["epoch"] == 1  # the last good checkpoint stays


def test_another_write_error_is_not_called_a_full_disk(tmp_path):
    def broken(tmp):
        raise ValueError("not a disk problem")

    with pytest.raises(ValueError, match="not a disk problem"):
        runlog.atomic_write(tmp_path / "x.csv", broken)
