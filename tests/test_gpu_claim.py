"""darts_core.gpu.claim_gpu: distinct devices under concurrency, shared slots, Slurm's preset honoured,
a killed holder's device freed, a CPU machine a no-op. Fake device counts, no GPU needed."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import time
from collections import Counter

import pytest

from darts_core import gpu
from darts_core.gpu import GpuClaimTimeout, claim_gpu

CTX = mp.get_context("spawn")  # no fork of a pytest process that may hold torch threads


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("CUDA_VISIBLE_DEVICES", gpu.ENV_COUNT, gpu.ENV_LOCK_DIR, "SLURM_JOB_ID"):
        monkeypatch.delenv(var, raising=False)


def _hold(lock_dir, n_devices, per_device, barrier, queue, env_count=None):
    """Child: claim, report what it got, hold until every child has claimed, release."""
    if env_count is not None:
        os.environ[gpu.ENV_COUNT] = str(env_count)
    with claim_gpu(n_devices=n_devices, per_device=per_device, lock_dir=lock_dir, timeout=30) as c:
        queue.put((os.getpid(), c.source, c.device, c.slot, os.environ.get("CUDA_VISIBLE_DEVICES")))
        barrier.wait(timeout=60)  # all hold their claims at the same moment
    queue.put((os.getpid(), "released", os.environ.get("CUDA_VISIBLE_DEVICES")))


def _run_holders(tmp_path, k, n_devices, per_device, env_count=None):
    barrier = CTX.Barrier(k)
    queue = CTX.Queue()
    procs = [
        CTX.Process(target=_hold, args=(str(tmp_path), n_devices, per_device, barrier, queue, env_count))
        for _ in range(k)
    ]
    for p in procs:
        p.start()
    got = [queue.get(timeout=60) for _ in range(2 * k)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    claims = [g for g in got if g[1] != "released"]
    released = [g for g in got if g[1] == "released"]
    assert len(claims) == k and len(released) == k
    assert all(r[2] is None for r in released), "CUDA_VISIBLE_DEVICES not restored on exit"
    return claims


def test_concurrent_claims_get_distinct_devices(tmp_path):
    claims = _run_holders(tmp_path, k=4, n_devices=None, per_device=1, env_count=4)  # count via env
    assert all(c[1] == "lock" for c in claims)
    assert sorted(c[2] for c in claims) == [0, 1, 2, 3]
    assert sorted(c[4] for c in claims) == ["0", "1", "2", "3"]
    assert all(c[3] == 0 for c in claims)


def test_per_device_two_shares_each_device_twice(tmp_path):
    claims = _run_holders(tmp_path, k=4, n_devices=2, per_device=2)
    per_dev = Counter(c[2] for c in claims)
    assert per_dev == {0: 2, 1: 2}
    assert sorted((c[2], c[3]) for c in claims) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_spreads_before_sharing(tmp_path):
    """Two claims on two devices with two slots each take one device each, not one device twice."""
    claims = _run_holders(tmp_path, k=2, n_devices=2, per_device=2)
    assert sorted(c[2] for c in claims) == [0, 1]
    assert all(c[3] == 0 for c in claims)


def test_all_busy_waits_then_times_out(tmp_path, monkeypatch):
    with claim_gpu(n_devices=1, lock_dir=tmp_path) as first:
        assert first.device == 0
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES")  # else the nested claim honours our own claim
        t0 = time.monotonic()
        with pytest.raises(GpuClaimTimeout):
            with claim_gpu(n_devices=1, lock_dir=tmp_path, timeout=0.6, poll_seconds=0.1):
                pass
        assert time.monotonic() - t0 >= 0.5
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    with claim_gpu(n_devices=1, lock_dir=tmp_path, timeout=1) as again:  # released: free again
        assert again.device == 0


def test_nested_claim_honours_the_outer_one(tmp_path):
    with claim_gpu(n_devices=2, lock_dir=tmp_path) as outer:
        with claim_gpu(n_devices=2, lock_dir=tmp_path) as inner:
            assert inner.source == "preset" and inner.visible_devices == str(outer.device)
        assert os.environ["CUDA_VISIBLE_DEVICES"] == str(outer.device)
    assert "CUDA_VISIBLE_DEVICES" not in os.environ


def test_preset_cuda_visible_devices_is_honoured(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    with caplog.at_level(logging.INFO, logger="darts_core.gpu"):
        with claim_gpu(n_devices=8, lock_dir=tmp_path) as c:
            assert c.source == "preset" and c.visible_devices == "3" and c.cuda
            assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"
    assert list(tmp_path.iterdir()) == []  # nothing claimed
    assert "already set by Slurm" in caplog.text


def test_zero_devices_is_a_cpu_noop(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="darts_core.gpu"):
        with claim_gpu(n_devices=0, lock_dir=tmp_path) as c:
            assert c.source == "cpu" and not c.cuda
            assert "CUDA_VISIBLE_DEVICES" not in os.environ
    assert list(tmp_path.iterdir()) == []
    assert "running on CPU" in caplog.text


def test_env_count_zero_and_bad_value(tmp_path, monkeypatch):
    monkeypatch.setenv(gpu.ENV_COUNT, "0")
    assert gpu.count_devices() == 0
    monkeypatch.setenv(gpu.ENV_COUNT, "two")
    with pytest.raises(ValueError, match="DARTS_GPU_COUNT"):
        gpu.count_devices()
    with pytest.raises(ValueError, match="per_device"):
        with claim_gpu(n_devices=1, per_device=0, lock_dir=tmp_path):
            pass


def test_lock_dir_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv(gpu.ENV_LOCK_DIR, str(tmp_path / "locks"))
    with claim_gpu(n_devices=2) as c:
        assert c.lock_path.parent == tmp_path / "locks"
        assert f"pid={os.getpid()}" in c.lock_path.read_text()


def _hold_forever(lock_dir, ready):
    with claim_gpu(n_devices=1, lock_dir=lock_dir, timeout=30) as c:
        ready.put(c.device)
        time.sleep(300)


def test_killed_holder_frees_its_device(tmp_path):
    ready = CTX.Queue()
    p = CTX.Process(target=_hold_forever, args=(str(tmp_path), ready))
    p.start()
    try:
        assert ready.get(timeout=60) == 0
        with pytest.raises(GpuClaimTimeout):  # held by the child
            with claim_gpu(n_devices=1, lock_dir=tmp_path, timeout=0.3, poll_seconds=0.1):
                pass
        os.kill(p.pid, signal.SIGKILL)  # no cleanup code runs in the child
        p.join(timeout=30)
        assert p.exitcode == -signal.SIGKILL
        with claim_gpu(n_devices=1, lock_dir=tmp_path, timeout=5) as c:
            assert c.device == 0 and os.environ["CUDA_VISIBLE_DEVICES"] == "0"
    finally:
        if p.is_alive():
            p.kill()
            p.join(timeout=10)


def test_a_planted_symlink_is_not_followed_and_its_target_untouched(tmp_path):
    """A symbolic link planted as a lock file (say, in the shared default folder) pointing at another file:
    the claim stops with one line naming the link, and the target keeps its bytes and its mode."""
    from darts_core.errors import DartsCoreError

    locks, victim = tmp_path / "locks", tmp_path / "victim.txt"
    locks.mkdir()
    victim.write_text("precious\n")
    victim.chmod(0o600)
    (locks / "gpu0.slot0.lock").symlink_to(victim)
    with pytest.raises(DartsCoreError, match=r"GPU lock file .*gpu0\.slot0\.lock is a symbolic link; not following it"):
        with claim_gpu(n_devices=1, lock_dir=locks, timeout=1):
            pass
    assert victim.read_text() == "precious\n"
    assert victim.stat().st_mode & 0o777 == 0o600


def test_a_lock_folder_that_is_a_symlink_or_unsafe_is_refused(tmp_path):
    from darts_core.errors import DartsCoreError

    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(DartsCoreError, match=r"GPU lock folder .*link is a symbolic link"):
        with claim_gpu(n_devices=1, lock_dir=tmp_path / "link", timeout=1):
            pass
    real.chmod(0o777)  # writable by all, not sticky: anyone could swap the lock files
    with pytest.raises(DartsCoreError, match=r"GPU lock folder .*real is writable by every user without the sticky bit"):
        with claim_gpu(n_devices=1, lock_dir=real, timeout=1):
            pass
    assert list(real.iterdir()) == []


def test_a_lock_file_that_is_not_a_regular_file_is_refused(tmp_path):
    from darts_core.errors import DartsCoreError

    locks = tmp_path / "locks"
    (locks / "gpu0.slot0.lock").mkdir(parents=True)
    with pytest.raises(DartsCoreError, match=r"gpu0\.slot0\.lock is not a regular file"):
        with claim_gpu(n_devices=1, lock_dir=locks, timeout=1):
            pass


def test_a_new_lock_file_is_not_made_world_writable(tmp_path):
    with claim_gpu(n_devices=1, lock_dir=tmp_path / "locks", timeout=5) as c:
        assert c.lock_path.stat().st_mode & 0o002 == 0
        assert "pid=" in c.lock_path.read_text()


def _hold_many(lock_dir, barrier, queue):
    with claim_gpu(n_devices=4, count=2, lock_dir=lock_dir, timeout=30) as c:
        queue.put((c.source, c.devices, os.environ.get("CUDA_VISIBLE_DEVICES")))
        barrier.wait(timeout=60)


def test_a_multi_gpu_job_claims_distinct_whole_devices(tmp_path):
    """Two 2-GPU jobs on a 4-GPU machine get disjoint pairs; a third waits (all or none) and times out."""
    barrier, queue = CTX.Barrier(2), CTX.Queue()
    procs = [CTX.Process(target=_hold_many, args=(str(tmp_path), barrier, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [queue.get(timeout=60) for _ in range(2)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert all(src == "lock" and visible == ",".join(map(str, devs)) for src, devs, visible in got)
    assert sorted(d for _, devs, _ in got for d in devs) == [0, 1, 2, 3]
    with claim_gpu(n_devices=4, lock_dir=tmp_path, count=3) as c:
        assert c.devices == (0, 1, 2) and os.environ.pop("CUDA_VISIBLE_DEVICES") == "0,1,2"  # as another job sees it
        with pytest.raises(GpuClaimTimeout, match="no 2 free GPUs among 4"):
            with claim_gpu(n_devices=4, lock_dir=tmp_path, count=2, timeout=0.2, poll_seconds=0.05):
                pass
        with claim_gpu(n_devices=4, lock_dir=tmp_path, timeout=1) as one:  # the released partial claim is free
            assert one.device == 3
        os.environ["CUDA_VISIBLE_DEVICES"] = "0,1,2"
    assert "CUDA_VISIBLE_DEVICES" not in os.environ


def test_a_multi_gpu_job_needs_as_many_preset_devices(monkeypatch):
    from darts_core.errors import DartsCoreError

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    monkeypatch.setenv("SLURM_JOB_ID", "7")
    with claim_gpu(count=2) as c:
        assert c.source == "preset" and c.visible_devices == "0,1"
    with pytest.raises(DartsCoreError, match=r"needs 8 GPUs, but CUDA_VISIBLE_DEVICES='0,1' \(set by Slurm\) lists 2"):
        with claim_gpu(count=8):
            pass
