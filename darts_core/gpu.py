"""GPU assignment for jobs that share one machine.

Snakemake's `--resources gpu=N` only caps how many GPU jobs run at once; it never tells a job *which*
device to use, so without this every job would land on device 0. `claim_gpu()` gives each job its own
device (or its own slot on a shared device) and sets CUDA_VISIBLE_DEVICES before CUDA is initialised:

    from darts_core.gpu import claim_gpu

    with claim_gpu(per_device=config["compute"].get("searches_per_gpu", 1)) as gpu:
        device = "cuda" if gpu.cuda else "cpu"   # inside, cuda:0 is the claimed device
        run_search(..., device=device)

Rules:
- CUDA_VISIBLE_DEVICES already set (Slurm sets it for `--gpus`/`--gres=gpu`, or a user pinned a device):
  honoured as is, nothing is claimed.
- Otherwise the devices are counted (`n_devices`, else env DARTS_GPU_COUNT, else
  torch.cuda.device_count(), else `nvidia-smi -L`). Zero devices: a no-op, the run is on CPU, and the log
  says so.
- Else one exclusive fcntl lock (flock) is taken per (device, slot) in a lock directory (argument
  `lock_dir`, else env DARTS_GPU_LOCK_DIR, else /tmp/darts_core-gpu-locks: machine-wide, because the
  GPUs are machine-wide and two workflows on one machine must see each other's claims). The folder is
  created sticky (1777) or checked (a real folder, sticky when others may write to it); lock files are
  opened without following symbolic links, must be regular files, and another user's is never written
  or chmod-ed. Slots fill
  breadth-first: slot 0 of every device before slot 1 of any, so jobs spread before they share.
  `per_device` > 1 lets that many small searches share one GPU (the caller then raises Snakemake's
  `--resources gpu=` to devices x per_device).
- `count` > 1 (a multi-GPU job: darts_core.train.launch) claims that many distinct devices (slot 0 of
  each, all or none: a partial claim is released before waiting again); CUDA_VISIBLE_DEVICES lists them.
  A preset CUDA_VISIBLE_DEVICES must list at least `count` devices.
- The lock is released on exit. A process that dies (even SIGKILL) releases it too: the kernel drops an
  flock when the last descriptor of the open file closes. Children forked while the claim is held
  (e.g. DataLoader workers) share the descriptor and so keep the device claimed until they exit too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from darts_core.errors import DartsCoreError

log = logging.getLogger("darts_core.gpu")

ENV_COUNT = "DARTS_GPU_COUNT"
ENV_LOCK_DIR = "DARTS_GPU_LOCK_DIR"
DEFAULT_LOCK_DIR = Path("/tmp/darts_core-gpu-locks")


class GpuClaimTimeout(TimeoutError):
    """No (device, slot) became free within the timeout."""


@dataclass(frozen=True)
class GpuClaim:
    """What `claim_gpu` decided.

    source: "preset" (CUDA_VISIBLE_DEVICES was already set, e.g. by Slurm), "lock" (this process claimed
    `device`/`slot` under `lock_path`) or "cpu" (no device: run on CPU).
    visible_devices: the value of CUDA_VISIBLE_DEVICES inside the block ("" for a CPU run without it).
    """

    source: str
    visible_devices: str
    device: int | None = None
    slot: int | None = None
    lock_path: Path | None = None
    devices: tuple[int, ...] = ()  # every claimed device (count > 1); () otherwise

    @property
    def cuda(self) -> bool:
        """True when the block should use CUDA (`cuda:0` is the claimed device)."""
        v = self.visible_devices.strip()
        return self.source != "cpu" and v not in ("", "-1", "none", "NoDevFiles")


def count_devices() -> int:
    """Number of CUDA devices on this machine: env DARTS_GPU_COUNT, torch, then nvidia-smi; 0 if none."""
    override = os.environ.get(ENV_COUNT)
    if override not in (None, ""):
        try:
            n = int(override)
        except ValueError:
            raise ValueError(f"{ENV_COUNT}={override!r} is not an integer") from None
        if n < 0:
            raise ValueError(f"{ENV_COUNT}={override!r} is negative")
        return n
    try:
        import torch  # imported here: a CPU-only caller need not pay for it

        n = int(torch.cuda.device_count())
        if n:
            return n
    except Exception as exc:  # a broken CUDA install must not stop a CPU run
        log.debug("torch.cuda.device_count() failed: %s", exc)
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30).stdout
            return sum(1 for line in out.splitlines() if line.startswith("GPU "))
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("nvidia-smi -L failed: %s", exc)
    return 0


def count_devices_without_torch() -> int | None:
    """CUDA devices this machine shows without importing torch (for the workflow's start): env
    DARTS_GPU_COUNT, an explicit empty CUDA_VISIBLE_DEVICES, the NVIDIA driver's /proc entries, nvidia-smi;
    None when CUDA_VISIBLE_DEVICES names devices (a scheduler gave them: trusted)."""
    override = os.environ.get(ENV_COUNT)
    if override not in (None, ""):
        return count_devices()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return 0 if visible.strip() in ("", "-1", "none", "NoDevFiles") else None
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return sum(1 for _ in gpus.iterdir())
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30).stdout
            return sum(1 for line in out.splitlines() if line.startswith("GPU "))
        except (OSError, subprocess.SubprocessError):
            return 0
    return 0


def _lock_dir(lock_dir: str | os.PathLike | None) -> Path:
    if lock_dir is not None:
        return Path(lock_dir)
    env = os.environ.get(ENV_LOCK_DIR)
    return Path(env) if env else DEFAULT_LOCK_DIR


def _check_lock_dir(root: Path) -> Path:
    """Create the lock directory (mode 1777, sticky: shared by every user of the machine's GPUs, none can
    remove or replace another's lock files) or check the one there: a real directory, not a symbolic link,
    and, when others may write to it, sticky. Only a directory we own is chmod-ed."""
    try:
        root.mkdir(parents=True, exist_ok=False)
        created = True
    except FileExistsError:
        created = False
    st = os.lstat(root)
    if stat.S_ISLNK(st.st_mode):
        raise DartsCoreError(f"GPU lock folder {root} is a symbolic link; not following it (remove it, or set "
                             f"{ENV_LOCK_DIR} to a folder of your own)")
    if not stat.S_ISDIR(st.st_mode):
        raise DartsCoreError(f"GPU lock folder {root} is not a folder; remove it or set {ENV_LOCK_DIR}")
    if created and st.st_uid == os.geteuid():
        with contextlib.suppress(OSError):
            os.chmod(root, 0o1777)
        st = os.lstat(root)
    if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
        raise DartsCoreError(f"GPU lock folder {root} is writable by every user without the sticky bit, so "
                             f"anyone can replace its lock files; chmod +t it or set {ENV_LOCK_DIR}")
    return root


def _try_lock(path: Path) -> int | None:
    """Open `path` and take an exclusive non-blocking flock; the fd on success, None if held elsewhere.

    Never follows a symbolic link (O_NOFOLLOW) and accepts only a regular file: a link planted in a shared
    lock folder cannot make this process truncate or chmod another file. Another user's lock file is
    opened read-only (flock needs no more) and never written or chmod-ed."""
    flags = os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        try:
            fd = os.open(path, flags | os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:  # another user's lock file: flock needs only a read descriptor
            fd = os.open(path, flags | os.O_RDONLY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DartsCoreError(f"GPU lock file {path} is a symbolic link; not following it (remove it, or set "
                                 f"{ENV_LOCK_DIR} to a folder of your own)") from None
        if exc.errno == errno.EISDIR:
            raise DartsCoreError(f"GPU lock file {path} is not a regular file; remove it or set {ENV_LOCK_DIR}") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise DartsCoreError(f"GPU lock file {path} is not a regular file; remove it or set {ENV_LOCK_DIR}")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    if st.st_uid == os.geteuid() and os.fstat(fd).st_nlink == 1:  # who holds it, for a person looking (the lock is the flock)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"pid={os.getpid()} host={socket.gethostname()} since={time.time():.0f}\n".encode())
    return fd


@contextlib.contextmanager
def claim_gpu(
    n_devices: int | None = None,
    per_device: int = 1,
    lock_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
    poll_seconds: float = 0.5,
    count: int = 1,
) -> Iterator[GpuClaim]:
    """Claim one GPU (or one of `per_device` slots on it), or `count` whole GPUs, for the block.

    Sets CUDA_VISIBLE_DEVICES to the claimed index (indices) inside the block and restores the previous
    environment on exit. `timeout` (seconds, None = wait for ever) bounds the wait when every slot is
    taken; on expiry GpuClaimTimeout is raised. Call it before anything initialises CUDA.
    """
    if per_device < 1:
        raise ValueError(f"per_device must be >= 1, got {per_device}")
    if count < 1 or (count > 1 and per_device != 1):
        raise ValueError(f"count must be >= 1 (and per_device 1 when count > 1), got count {count}, per_device {per_device}")
    if count > 1:
        with _claim_many(n_devices, count, lock_dir, timeout, poll_seconds) as claim:
            yield claim
        return
    with _claim_one(n_devices, per_device, lock_dir, timeout, poll_seconds) as claim:
        yield claim


def _preset_claim(count: int) -> GpuClaim | None:
    preset = os.environ.get("CUDA_VISIBLE_DEVICES")
    if preset is None:
        return None
    where = "Slurm" if os.environ.get("SLURM_JOB_ID") else "the environment"
    listed = [d for d in preset.split(",") if d.strip() not in ("", "-1", "none", "NoDevFiles")]
    if count > 1 and len(listed) < count:
        raise DartsCoreError(f"this job needs {count} GPUs, but CUDA_VISIBLE_DEVICES={preset!r} (set by {where}) "
                             f"lists {len(listed)}; ask the scheduler for {count} (Slurm --gpus={count})")
    log.info("GPU: CUDA_VISIBLE_DEVICES=%r already set by %s; claiming nothing", preset, where)
    return GpuClaim(source="preset", visible_devices=preset)


@contextlib.contextmanager
def _claim_many(n_devices, count, lock_dir, timeout, poll_seconds) -> Iterator[GpuClaim]:
    preset = _preset_claim(count)
    if preset is not None:
        yield preset
        return
    n = count_devices() if n_devices is None else int(n_devices)
    if n < count:
        raise DartsCoreError(f"this job needs {count} GPUs, but this machine has {n}")
    root = _check_lock_dir(_lock_dir(lock_dir))
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        held = []
        for device in range(n):
            fd = _try_lock(root / f"gpu{device}.slot0.lock")
            if fd is not None:
                held.append((device, fd))
                if len(held) == count:
                    break
        if len(held) == count:
            break
        for _, fd in held:  # all or none: two jobs must not each hold half of what both need
            os.close(fd)
        if deadline is not None and time.monotonic() >= deadline:
            raise GpuClaimTimeout(f"no {count} free GPUs among {n} in {root} after {timeout} s")
        time.sleep(poll_seconds)
    devices = tuple(d for d, _ in held)
    visible = ",".join(map(str, devices))
    os.environ["CUDA_VISIBLE_DEVICES"] = visible
    log.info("GPU: claimed devices %s of %d; CUDA_VISIBLE_DEVICES=%s", visible, n, visible)
    try:
        yield GpuClaim(source="lock", visible_devices=visible, device=devices[0], slot=0,
                       lock_path=root / f"gpu{devices[0]}.slot0.lock", devices=devices)
    finally:
        if os.environ.get("CUDA_VISIBLE_DEVICES") == visible:
            del os.environ["CUDA_VISIBLE_DEVICES"]
        for _, fd in held:
            if os.fstat(fd).st_uid == os.geteuid():
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
            os.close(fd)
        log.info("GPU: released devices %s", visible)


@contextlib.contextmanager
def _claim_one(n_devices, per_device, lock_dir, timeout, poll_seconds) -> Iterator[GpuClaim]:
    preset = _preset_claim(1)
    if preset is not None:
        yield preset
        return
    n = count_devices() if n_devices is None else int(n_devices)
    if n <= 0:
        log.info("GPU: no CUDA device found; running on CPU (no GPU claimed)")
        yield GpuClaim(source="cpu", visible_devices="")
        return

    root = _check_lock_dir(_lock_dir(lock_dir))

    deadline = None if timeout is None else time.monotonic() + timeout
    fd = None
    waited = False
    while fd is None:
        for slot in range(per_device):  # breadth-first: spread over devices before sharing one
            for device in range(n):
                path = root / f"gpu{device}.slot{slot}.lock"
                fd = _try_lock(path)
                if fd is not None:
                    break
            if fd is not None:
                break
        if fd is not None:
            break
        if deadline is not None and time.monotonic() >= deadline:
            raise GpuClaimTimeout(
                f"no free GPU slot among {n} device(s) x {per_device} slot(s) in {root} "
                f"after {timeout} s"
            )
        if not waited:
            log.info("GPU: all %d device(s) x %d slot(s) busy in %s; waiting", n, per_device, root)
            waited = True
        time.sleep(poll_seconds)

    os.environ["CUDA_VISIBLE_DEVICES"] = str(device)
    log.info(
        "GPU: claimed device %d slot %d of %d x %d (lock %s); CUDA_VISIBLE_DEVICES=%d",
        device, slot, n, per_device, path, device,
    )
    try:
        yield GpuClaim(
            source="lock", visible_devices=str(device), device=device, slot=slot, lock_path=path
        )
    finally:
        if os.environ.get("CUDA_VISIBLE_DEVICES") == str(device):
            del os.environ["CUDA_VISIBLE_DEVICES"]
        if os.fstat(fd).st_uid == os.geteuid():
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        os.close(fd)  # drops the flock
        log.info("GPU: released device %d slot %d", device, slot)
