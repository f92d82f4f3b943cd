"""A throw-away one-node Slurm cluster on localhost, for tests.

    from slurm_cluster import slurm_cluster_or_skip
    with slurm_cluster_or_skip(n_gpus=2) as cluster:
        subprocess.run(["sbatch", "--wrap", "hostname"], env=cluster.env)

What it does:
- `ensure_slurm()`: Debian's slurm-wlm + munge present? If not, installs them with apt-get
  (`--no-install-recommends`, 9 packages) but only as root and only when DARTS_SLURM_INSTALL=1 or CI=true.
- `SlurmCluster.start()`: everything under one fresh temp dir (short path: munge's socket must fit
  108 bytes): its own munge key and munged socket (AuthInfo=socket=...), slurm.conf, gres.conf,
  cgroup.conf, state/spool dirs, pid files and logs. Ports are free ports picked at start; daemons bind
  127.0.0.1 only (CommunicationParameters=NoInAddrAny,NoCtldInAddrAny; node and controller at 127.0.0.1). Nothing under
  /etc is read or written: clients get SLURM_CONF in `cluster.env`.
- Fake GPUs: `mknod <tmp>/fakegpuN c 1 3` (the /dev/null device) with GresTypes=gpu, Gres=gpu:N and
  gres.conf File=; Slurm then sets CUDA_VISIBLE_DEVICES for `--gpus`. Where mknod is refused the
  cluster runs without gres and `cluster.gres_reason` says why.
- Starts munged, slurmctld, slurmd in the foreground (-F / -D) as children, waits (bounded) until
  `sinfo` shows the node idle.
- `stop()`: cancels the cluster's jobs, `scontrol shutdown`, then SIGTERM/SIGKILL by pid to the three
  daemons, then to any process left that carries this cluster's marker variable in its environment
  (slurmstepd, job scripts: they inherit it), with bounded waits. Never kills by name.

Whether to skip: `slurm_cluster_or_skip` skips with the reason when the machine cannot run Slurm (not
root, no apt-get, daemons fail) and fails instead when CI=true.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DEBIAN_PACKAGES = ["slurm-wlm", "munge"]
NEEDED_BINARIES = ["munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "sinfo", "scontrol", "scancel"]
SBIN = ["/usr/sbin", "/sbin"]
MARKER = "DARTS_SLURM_TEST_CLUSTER"


class SlurmUnavailable(RuntimeError):
    """This machine cannot run the test cluster; the message says why."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))


def missing_binaries() -> list[str]:
    return [b for b in NEEDED_BINARIES if _which(b) is None]


@dataclass
class InstallResult:
    installed: bool  # True when this call ran apt-get install
    seconds: float
    detail: str


def ensure_slurm(timeout: float = 600) -> InstallResult:
    """Make sure slurm-wlm and munge are installed; install them if allowed. Raises SlurmUnavailable."""
    if not missing_binaries():
        return InstallResult(False, 0.0, "already installed")
    missing = ", ".join(missing_binaries())
    if os.geteuid() != 0:
        raise SlurmUnavailable(f"Slurm is not installed ({missing} missing) and we are not root to install it")
    if not (os.environ.get("DARTS_SLURM_INSTALL") == "1" or in_ci()):
        raise SlurmUnavailable(
            f"Slurm is not installed ({missing} missing); set DARTS_SLURM_INSTALL=1 (or CI=true) to let the "
            "test apt-get install slurm-wlm munge"
        )
    apt = shutil.which("apt-get")
    if apt is None:
        raise SlurmUnavailable(f"Slurm is not installed ({missing} missing) and apt-get is not available")

    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [apt, "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=120",
               *DEBIAN_PACKAGES]
    t0 = time.monotonic()
    # One installer at a time on this machine (parallel test sessions).
    with open("/tmp/darts-slurm-install.lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if not missing_binaries():
            return InstallResult(False, time.monotonic() - t0, "installed meanwhile by another process")
        log = []
        try:
            r = subprocess.run(install, env=env, capture_output=True, text=True, timeout=timeout)
            log.append(r.stdout[-2000:] + r.stderr[-2000:])
            if r.returncode != 0:  # a fresh machine has no package lists yet
                u = subprocess.run([apt, "update", "-q", "-o", "DPkg::Lock::Timeout=120"], env=env,
                                   capture_output=True, text=True, timeout=timeout)
                log.append(u.stdout[-2000:] + u.stderr[-2000:])
                r = subprocess.run(install, env=env, capture_output=True, text=True, timeout=timeout)
                log.append(r.stdout[-2000:] + r.stderr[-2000:])
        except subprocess.TimeoutExpired as exc:
            raise SlurmUnavailable(f"apt-get timed out after {timeout} s: {exc}") from None
        seconds = time.monotonic() - t0
    if r.returncode != 0 or missing_binaries():
        raise SlurmUnavailable(
            f"apt-get install {' '.join(DEBIAN_PACKAGES)} failed (exit {r.returncode}, "
            f"still missing: {', '.join(missing_binaries())}):\n" + "\n".join(log)
        )
    return InstallResult(True, seconds, f"apt-get install {' '.join(DEBIAN_PACKAGES)}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mem_total_mb() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 4096


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@dataclass
class SlurmCluster:
    """A one-node Slurm cluster living in `root` (created if None). Use as a context manager."""

    n_gpus: int = 2
    cpus: int = 8  # declared, with SlurmdParameters=config_overrides: several 1-4-thread jobs side by side
    mem_mb: int | None = None  # declared RealMemory; default: 90 % of this machine's
    root: Path | None = None
    keep_root: bool = False
    env: dict = field(default_factory=dict)
    gres: bool = False
    gres_reason: str = ""
    procs: dict = field(default_factory=dict)
    node: str = ""
    start_seconds: float = 0.0

    # ---------------------------------------------------------------- set-up
    def _write_config(self) -> None:
        r = self.root
        for sub in ("state", "spool", "tmp", "munge"):
            (r / sub).mkdir(mode=0o711, exist_ok=True)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.munge_socket = r / "munge" / "munge.socket"
        assert len(str(self.munge_socket)) < 100, f"munge socket path too long: {self.munge_socket}"

        # Fake GPUs: character devices with /dev/null's numbers; Slurm only needs them to exist.
        gpu_files = []
        if self.n_gpus > 0:
            try:
                for i in range(self.n_gpus):
                    dev = r / f"fakegpu{i}"
                    os.mknod(dev, 0o666 | 0o020000, os.makedev(1, 3))
                    gpu_files.append(dev)
                self.gres = True
            except OSError as exc:
                self.gres = False
                for dev in gpu_files:
                    dev.unlink()
                gpu_files = []
                self.gres_reason = f"mknod of a fake GPU device node was refused ({exc}); running without gres"
        else:
            self.gres_reason = "n_gpus=0 asked for no GPUs"

        host = socket.gethostname().split(".")[0]
        self.node = host
        try:
            resolves_loopback = socket.gethostbyname(host).startswith("127.")
        except OSError:
            resolves_loopback = False
        mem = self.mem_mb or max(1024, int(_mem_total_mb() * 0.9))
        self.ctld_port, self.slurmd_port = _free_port(), _free_port()
        while self.slurmd_port == self.ctld_port:
            self.slurmd_port = _free_port()
        gres_node = f" Gres=gpu:{self.n_gpus}" if self.gres else ""
        lines = [
            "# written by tests/slurm_cluster.py: a throw-away one-node test cluster",
            f"ClusterName=dartstest{os.getpid()}",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={self.ctld_port}",
            f"SlurmdPort={self.slurmd_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={r / 'state'}",
            f"SlurmdSpoolDir={r / 'spool'}",
            f"TmpFS={r / 'tmp'}",
            f"SlurmctldPidFile={r / 'slurmctld.pid'}",
            f"SlurmdPidFile={r / 'slurmd.pid'}",
            f"SlurmctldLogFile={r / 'slurmctld.log'}",
            f"SlurmdLogFile={r / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            # The combination that works in an unprivileged container without systemd/cgroups:
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "SlurmdParameters=config_overrides",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "ReturnToService=2",
            # No accounting database: finished jobs stay visible to squeue for MinJobAge seconds;
            # the Snakemake plugin needs >= 3x its init_seconds_before_status_checks.
            "MinJobAge=600",
            "DefMemPerCPU=256",
            "SchedulerParameters=sched_interval=2",
            "InactiveLimit=0",
            "KillWait=5",
            "Waittime=0",
        ]
        if resolves_loopback:
            lines.append("CommunicationParameters=NoInAddrAny,NoCtldInAddrAny")
        if self.gres:
            lines.append("GresTypes=gpu")
        lines += [
            f"NodeName={host} NodeAddr=127.0.0.1 NodeHostname={host} CPUs={self.cpus} "
            f"RealMemory={mem}{gres_node} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]
        (r / "slurm.conf").write_text("\n".join(lines) + "\n")
        gres_lines = [f"NodeName={host} Name=gpu File={f}" for f in gpu_files]
        (r / "gres.conf").write_text("\n".join(gres_lines) + "\n")
        (r / "cgroup.conf").write_text(
            "# not used (proctrack/linuxproc, task/none); present so no daemon looks elsewhere\n"
            "CgroupAutomount=no\nConstrainCores=no\nConstrainRAMSpace=no\nConstrainDevices=no\n"
        )
        # Snakemake's slurm-jobstep executor runs each job as `srun ...` with every SLURM_* variable
        # removed, SLURM_CONF included; a real cluster has /etc/slurm/slurm.conf, this one must not touch
        # /etc. So jobs find an `srun` first on PATH that puts SLURM_CONF back for this cluster only.
        bindir = r / "bin"
        bindir.mkdir(exist_ok=True)
        srun = bindir / "srun"
        srun.write_text(f'#!/bin/sh\nexport SLURM_CONF={r / "slurm.conf"}\nexec {_which("srun")} "$@"\n')
        srun.chmod(0o755)
        path = os.pathsep.join([str(bindir), os.environ.get("PATH", "")])
        for d in SBIN:
            if d not in path.split(os.pathsep):
                path += os.pathsep + d
        self.env = dict(os.environ, SLURM_CONF=str(r / "slurm.conf"), PATH=path, **{MARKER: str(r)})
        for var in list(self.env):  # a test run inside a Slurm job must not leak that job's settings
            if var.startswith(("SLURM_", "SBATCH_", "SRUN_")) and var != "SLURM_CONF":
                del self.env[var]
        self.env.pop("CUDA_VISIBLE_DEVICES", None)

    def _spawn(self, name: str, argv: list[str]) -> None:
        out = open(self.root / f"{name}.stdout", "wb")
        self.procs[name] = subprocess.Popen(
            argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal is handled by stop(), not by the daemons
        )
        out.close()

    def _check_alive(self) -> None:
        for name, p in self.procs.items():
            if p.poll() is not None:
                raise SlurmUnavailable(
                    f"{name} exited with {p.returncode} at start.\n--- {name}.stdout ---\n"
                    f"{_tail(self.root / (name + '.stdout'))}\n--- {name}.log ---\n{_tail(self.root / (name + '.log'))}"
                )

    def run(self, *argv: str, timeout: float = 30, check: bool = True, **kw) -> subprocess.CompletedProcess:
        """Run a Slurm client command against this cluster."""
        return subprocess.run(list(argv), env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=check, **kw)

    def start(self, timeout: float = 60) -> "SlurmCluster":
        t0 = time.monotonic()
        if os.geteuid() != 0:
            raise SlurmUnavailable("slurmd must run as root (it starts jobs as their users); we are not root")
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="darts-slurm-", dir="/tmp"))
        self.root.chmod(0o755)  # jobs of any user may need to read slurm.conf
        self._write_config()
        r = self.root
        try:
            self._spawn("munged", [
                _which("munged"), "-F", "--force",
                f"--socket={self.munge_socket}", f"--key-file={r / 'munge' / 'munge.key'}",
                f"--pid-file={r / 'munge' / 'munged.pid'}", f"--log-file={r / 'munged.log'}",
                f"--seed-file={r / 'munge' / 'munged.seed'}",
            ])
            self._wait(lambda: self.munge_socket.exists(), 15, "munged socket")
            conf = str(r / "slurm.conf")
            self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", conf])
            self._wait(lambda: self.run("scontrol", "ping", check=False, timeout=10).returncode == 0,
                       timeout, "slurmctld to answer scontrol ping")
            self._spawn("slurmd", [_which("slurmd"), "-D", "-f", conf, "-N", self.node])
            self._wait(self._node_idle, timeout, "the node to be idle in sinfo")
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _node_idle(self) -> bool:
        r = self.run("sinfo", "-h", "-N", "-o", "%N %T", check=False, timeout=10)
        return r.returncode == 0 and any(
            line.split()[1].startswith("idle") for line in r.stdout.splitlines() if len(line.split()) == 2
        )

    def _wait(self, pred, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            with contextlib.suppress(subprocess.TimeoutExpired):
                if pred():
                    return
            time.sleep(0.3)
        self._check_alive()
        raise SlurmUnavailable(
            f"timed out after {timeout} s waiting for {what}.\n{self.logs_tail()}"
        )

    def logs_tail(self, n: int = 25) -> str:
        parts = []
        for name in ("munged", "slurmctld", "slurmd"):
            for suffix in (".log", ".stdout"):
                p = self.root / (name + suffix)
                if p.exists() and p.stat().st_size:
                    parts.append(f"--- {p.name} ---\n{_tail(p, n)}")
        return "\n".join(parts)

    # ---------------------------------------------------------------- jobs
    def sbatch(self, *args: str, timeout: float = 30) -> str:
        """Submit with `sbatch --parsable ...`; return the job id."""
        r = self.run("sbatch", "--parsable", *args, timeout=timeout)
        return r.stdout.strip().split(";")[0]

    def wait_job(self, job_id: str, timeout: float = 60) -> str:
        """Wait until a job leaves PENDING/RUNNING/...; return its final state (squeue, no accounting)."""
        deadline = time.monotonic() + timeout
        state = "?"
        while time.monotonic() < deadline:
            r = self.run("squeue", "-h", "--states=all", "-j", job_id, "-o", "%T", check=False)
            state = r.stdout.strip() or state
            if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                         "BOOT_FAIL", "DEADLINE", "PREEMPTED"):
                return state
            time.sleep(0.5)
        raise TimeoutError(f"job {job_id} still {state} after {timeout} s")

    # ---------------------------------------------------------------- tear-down
    def _marked_pids(self) -> list[int]:
        """Processes other than us whose environment carries this cluster's marker (stepds, job scripts)."""
        want = f"{MARKER}={self.root}".encode()
        mine = {os.getpid()}
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) in mine:
                continue
            try:
                if want in (d / "environ").read_bytes().split(b"\0"):
                    pids.append(int(d.name))
            except OSError:
                continue
        return pids

    @staticmethod
    def _signal(pids, sig) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def stop(self, timeout: float = 15) -> None:
        if self.root is None:
            return
        alive = {n: p for n, p in self.procs.items() if p.poll() is None}
        if "slurmctld" in alive:
            with contextlib.suppress(Exception):
                jobs = self.run("squeue", "-h", "-o", "%i", check=False, timeout=10).stdout.split()
                if jobs:
                    self.run("scancel", *jobs, check=False, timeout=10)
            with contextlib.suppress(Exception):
                self.run("scontrol", "shutdown", check=False, timeout=10)
        deadline = time.monotonic() + timeout
        for name in ("slurmd", "slurmctld", "munged"):  # munged last: the others talk to it on the way out
            p = self.procs.get(name)
            if p is None:
                continue
            try:
                if name == "munged":  # `scontrol shutdown` does not stop it
                    raise subprocess.TimeoutExpired(p.args, 0)
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        # Leftovers started on our behalf (slurmstepd double-forks away from slurmd): by marker, not name.
        left = self._marked_pids()
        if left:
            self._signal(left, signal.SIGTERM)
            end = time.monotonic() + 5
            while time.monotonic() < end and self._marked_pids():
                time.sleep(0.2)
            self._signal(self._marked_pids(), signal.SIGKILL)
        self.procs = {}
        if not self.keep_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "SlurmCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def slurm_cluster_or_skip(**kwargs):
    """ensure_slurm + start a SlurmCluster, as a pytest-aware context manager.

    Skips with the reason when the machine cannot run Slurm; fails instead when CI=true. The cluster's
    `summary` names the install and start-up times and the gres (or why none).
    """
    import pytest

    try:
        inst = ensure_slurm()
        cluster = SlurmCluster(**kwargs)
        cluster.start()
    except SlurmUnavailable as exc:
        if in_ci():
            pytest.fail(f"Slurm test cluster unavailable in CI: {exc}", pytrace=False)
        pytest.skip(f"machine cannot run the Slurm test cluster: {exc}")
    cluster.install = inst
    cluster.summary = (
        f"[slurm-cluster] install: {inst.detail} ({inst.seconds:.1f} s); daemons up in "
        f"{cluster.start_seconds:.1f} s; node {cluster.node}; "
        + (f"gres gpu:{cluster.n_gpus} (fake device nodes under {cluster.root})" if cluster.gres
           else f"no gres: {cluster.gres_reason}")
    )
    try:
        yield cluster
    finally:
        cluster.stop()
