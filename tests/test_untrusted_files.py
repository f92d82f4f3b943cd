"""Files we did not write are never unpickled with code, and no path overwrites what was computed:
a checkpoint.pt planted in a run or retrain folder cannot run its payload; a .pth named after its own
hash is not trusted; an import into a search's folder is refused; a second writer of a run folder stops."""

from __future__ import annotations

import hashlib
import os

import pytest
import torch

from darts_core.errors import DartsCoreError


class Payload:
    """Unpickling this makes a folder: proof that the pickle ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _plant(path, marker):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": 1, "config": {}, "x": Payload(marker)}, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_payload_of_a_planted_pickle_really_runs_when_unpickled(tmp_path):
    """The control: the planted file is a working exploit for a plain unpickler."""
    _plant(tmp_path / "checkpoint.pt", tmp_path / "pwned")
    torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert (tmp_path / "pwned").is_dir()


def test_a_planted_search_checkpoint_does_not_run(tmp_path):
    from darts_core.search.config import resolve_config
    from darts_core.search.loop import run_search

    run = tmp_path / "run"
    digest = _plant(run / "checkpoint.pt", tmp_path / "pwned")
    cfg = resolve_config({"dataset": "digits", "epochs": 1, "channels": 4, "num_cells": 1, "batch_size": 64})
    with pytest.raises(DartsCoreError, match=r"checkpoint .*run/checkpoint\.pt is not a checkpoint of darts_core: it "
                                             r"holds a pickled .*mkdir, which is not loaded \(it could run code\)"):
        run_search(cfg, run)
    assert not (tmp_path / "pwned").exists()
    assert hashlib.sha256((run / "checkpoint.pt").read_bytes()).hexdigest() == digest  # left as it was
    assert not (run / "alphas.parquet").exists()


def test_a_planted_retrain_checkpoint_does_not_run(tmp_path):
    from bad_input_catalog import _retrain

    (tmp_path / "out").mkdir()
    _plant(tmp_path / "out" / "checkpoint.pt", tmp_path / "pwned")
    with pytest.raises(DartsCoreError, match=r"out/checkpoint\.pt is not a checkpoint of darts_core: it holds a pickled"):
        _retrain(tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_a_pth_named_after_its_own_hash_is_not_unpickled(tmp_path):
    """The old check compared the 6-hex tag in the name with the file's own digest: a forged file named
    after its hash passed it. Now a .pth needs a pinned sha256 or an explicit opt-in."""
    from darts_core.benchmark.table import build_from_pth

    forged = tmp_path / "forged.pth"
    torch.save({"meta_archs": [], "x": Payload(tmp_path / "pwned")}, forged)
    tag = hashlib.md5(forged.read_bytes()).hexdigest()[-6:]
    forged = forged.rename(tmp_path / f"NAS-Bench-201-v1_1-{tag}.pth")
    with pytest.raises(DartsCoreError, match=r"cannot verify this file \(no full digest .* is published"):
        build_from_pth(forged)
    with pytest.raises(DartsCoreError, match="differs from the pinned"):
        build_from_pth(forged, sha256="0" * 64)
    assert not (tmp_path / "pwned").exists()


def test_the_search_checkpoint_round_trip_keeps_numpy_state_exactly(tmp_path):
    import random

    import numpy as np
    import pandas as pd

    from darts_core.checkpoint import load_checkpoint, rng_state, save_checkpoint

    np.random.seed(3)
    random.seed(4)
    np.random.rand(5)
    frame = pd.DataFrame({"epoch": np.arange(3), "op": ["a", "b", "c"], "w": np.array([0.1, 0.2, 0.7])})
    state = {"rng": rng_state(), "record": {"alphas": [frame], "stop": None, "x": np.float32(1.5)}}
    save_checkpoint(state, tmp_path / "c.pt")
    back = load_checkpoint(tmp_path / "c.pt")
    assert back["rng"]["python"] == state["rng"]["python"]
    ours, theirs = state["rng"]["numpy"], back["rng"]["numpy"]
    assert ours[0] == theirs[0] and (ours[1] == theirs[1]).all() and ours[1].dtype == theirs[1].dtype
    assert ours[2:] == theirs[2:]
    pd.testing.assert_frame_equal(back["record"]["alphas"][0], frame, check_exact=True)
    assert type(back["record"]["x"]) is np.float32 and back["record"]["x"] == np.float32(1.5)


def test_import_log_into_a_search_folder_is_refused_and_changes_nothing(tmp_path):
    from darts_core.importers import import_dartspt

    run = tmp_path / "run"
    run.mkdir()
    for name in ("alphas.parquet", "genotypes.csv", "checkpoint.pt"):
        (run / name).write_text(f"the search's {name}\n")
    before = _digests(run)
    log = tmp_path / "log.txt"
    log.write_text("2025-01-13 11:10:00,000 epoch 0 lr 2.500000e-02\n")
    with pytest.raises(DartsCoreError, match=r"import target .*run is not empty \(holds alphas\.parquet, "
                                             r"checkpoint\.pt, genotypes\.csv\); nothing was written"):
        import_dartspt(log, run)
    assert _digests(run) == before  # (tests/test_import_logs.py imports into new folders)


def test_a_second_writer_of_a_run_folder_stops_and_writes_nothing(tmp_path):
    from darts_core.layout import RUN_LOCK
    from darts_core.runlog import folder_lock
    from darts_core.search.config import resolve_config
    from darts_core.search.loop import run_search

    run = tmp_path / "run"
    run.mkdir()
    cfg = resolve_config({"dataset": "digits", "epochs": 1, "channels": 4, "num_cells": 1, "batch_size": 64})
    with folder_lock(run, RUN_LOCK):  # the orphaned search, still running
        before = _digests(run)
        with pytest.raises(DartsCoreError, match=rf"run folder .*run is in use by another search \(pid {os.getpid()} on"):
            run_search(cfg, run)
        assert _digests(run) == before
    with folder_lock(run, RUN_LOCK):  # released with its holder
        pass
