"""A real Slurm (Debian's slurm-wlm + munge) on localhost, started by tests/slurm_cluster.py:
(a) a plain `sbatch --gpus=1` job sees a GPU (a fake device node under gres),
(b) a tiny two-rule Snakefile runs through `snakemake --profile profiles/slurm-test` (executor slurm,
    status by squeue, no accounting database) and the sbatch lines it submitted are printed,
(c) the demo workflow's smallest target through the same profile (skips until the demo is runnable).

Needs root; installs slurm-wlm and munge with apt-get when DARTS_SLURM_INSTALL=1 or CI=true. Skips with the
reason where the machine cannot run Slurm, and fails there instead when CI=true.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slurm_cluster  # noqa: E402
from slurm_cluster import SlurmUnavailable, ensure_slurm, in_ci, slurm_cluster_or_skip  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "profiles" / "slurm-test"
N_GPUS = 2

pytestmark = [pytest.mark.workflow]


def say(capsys, *lines: str) -> None:
    """Print to the terminal even under pytest's capture: the CI log must show what was submitted."""
    with capsys.disabled():
        for line in lines:
            print(line, flush=True)


def _say_uncaptured(config, *lines: str) -> None:
    capman = config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        for line in lines:
            print(line, flush=True)


@pytest.fixture(scope="module")
def cluster(pytestconfig):
    t0 = time.monotonic()
    with slurm_cluster_or_skip(n_gpus=N_GPUS) as c:
        _say_uncaptured(pytestconfig, "", c.summary)
        yield c
        t1 = time.monotonic()
    _say_uncaptured(pytestconfig, f"[slurm-cluster] daemons stopped in {time.monotonic() - t1:.1f} s; "
                    f"Slurm module wall time {time.monotonic() - t0:.1f} s (install included)")


@pytest.fixture(scope="module")
def slurm_plugin():
    """Snakemake's Slurm executor plugin; without it `--executor slurm` cannot run."""
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        reason = ("snakemake-executor-plugin-slurm is not installed (pip install "
                  "snakemake-executor-plugin-slurm==2.8.0; it belongs in the extra that CI installs)")
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_profile_is_v9_and_uses_squeue():
    import yaml

    prof = yaml.safe_load((PROFILE / "profile.yaml").read_text())
    assert prof["executor"] == "slurm"
    assert prof["slurm-status-command"] == "squeue"
    # the plugin falls back to sacct (and hangs without accounting) unless MinJobAge >= 3x this wait
    assert prof["slurm-init-seconds-before-status-checks"] * 3 <= 600


GPU_RULES = {"search", "retrain", "retrain_imagenet"}


def test_cluster_profile_sends_only_gpu_rules_to_the_gpu_partition(slurm_plugin, tmp_path):
    """profiles/slurm plans the paper: the GPU rules (one GPU, day-long limits; Table 5's retraining 8) on the
    GPU partition, every other job on the cluster's default one; retries resume jobs killed at their time
    limit."""
    import yaml
    from workflow_plan import planned_jobs, snakemake

    prof = yaml.safe_load((REPO / "profiles" / "slurm" / "profile.yaml").read_text())
    assert prof["executor"] == "slurm" and prof["retries"] >= 1 and prof["rerun-incomplete"]
    assert prof["slurm-status-command"] == "squeue"
    assert "slurm_partition" not in prof["default-resources"]
    proc = snakemake("-n", "--profile", str(REPO / "profiles" / "slurm"), "--configfile", str(REPO / "config.yaml"),
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = [j for j in planned_jobs(proc.stdout) if j["rule"] != "all"]
    on_gpu = {j["rule"] for j in jobs if j["resources"].get("slurm_partition") == "gpu"}
    assert on_gpu == GPU_RULES
    assert all(j["resources"].get("gpu") == "1" for j in jobs if j["rule"] in GPU_RULES - {"retrain_imagenet"})
    # Table 5: one job of 8 GPUs (--gpus=8), within a 2-day partition's limit
    imagenet = [j for j in jobs if j["rule"] == "retrain_imagenet"]
    assert imagenet and all(j["resources"]["gpu"] == "8" and int(j["resources"]["runtime"]) <= 2880 for j in imagenet)
    assert {j["rule"] for j in jobs} - GPU_RULES >= {"benchmark_table", "tabular", "stop_lookup", "table"}


def test_missing_slurm_skips_outside_ci_and_fails_in_ci(monkeypatch):
    """The skip/fail policy, without Slurm: pretend a binary is missing and installing is not allowed."""
    monkeypatch.setattr(slurm_cluster, "NEEDED_BINARIES", ["no-such-slurm-binary"])
    monkeypatch.delenv("DARTS_SLURM_INSTALL", raising=False)
    monkeypatch.setenv("CI", "false")
    if os.geteuid() == 0:
        with pytest.raises(SlurmUnavailable, match="DARTS_SLURM_INSTALL=1"):
            ensure_slurm()
    with pytest.raises(pytest.skip.Exception, match="cannot run the Slurm test cluster"):
        with slurm_cluster_or_skip():
            pass
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(slurm_cluster.os, "geteuid", lambda: 1000)  # not root: no install even in CI
    with pytest.raises(pytest.fail.Exception, match="unavailable in CI"):
        with slurm_cluster_or_skip():
            pass


def test_sbatch_gpu_job_sees_a_device(cluster, tmp_path, capsys):
    out = tmp_path / "job.out"
    args = ["-o", str(out), "-t", "1"]
    if cluster.gres:
        args.append("--gpus=1")
    args += ["--wrap", "echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES SLURM_JOB_ID=$SLURM_JOB_ID"]
    job = cluster.sbatch(*args)
    say(capsys, f"[slurm] sbatch --parsable {' '.join(args)}  -> job {job}")
    assert cluster.wait_job(job) == "COMPLETED", cluster.logs_tail()
    text = out.read_text()
    say(capsys, f"[slurm] job {job} printed: {text.strip()}")
    assert f"SLURM_JOB_ID={job}" in text
    if cluster.gres:
        m = re.search(r"CUDA_VISIBLE_DEVICES=(\S+)", text)
        assert m and m.group(1).isdigit() and int(m.group(1)) < N_GPUS, text
    else:
        say(capsys, f"[slurm] ran without gres: {cluster.gres_reason}")


TINY_SNAKEFILE = """
PY = {python!r}


rule all:
    input:
        "out/cpu.txt",
        "out/gpu.txt",


rule cpu:
    output:
        "out/cpu.txt",
    resources:
        runtime=2,
        mem_mb=300,
    shell:
        "echo SLURM_JOB_ID=$SLURM_JOB_ID host=$(hostname) > {{output}}"


rule gpu:
    input:
        "out/cpu.txt",
    output:
        "out/gpu.txt",
    resources:
        gpu={gpu},
        runtime=3,
        mem_mb=400,
    shell:
        "{{PY}} claim.py {{output}}"
"""

CLAIM_SCRIPT = """
import os, sys
from darts_core.gpu import claim_gpu

with claim_gpu(timeout=30) as c:
    with open(sys.argv[1], "w") as f:
        print(f"SLURM_JOB_ID={os.environ.get('SLURM_JOB_ID')} "
              f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')} source={c.source}", file=f)
"""


def run_snakemake(cluster, workdir: Path, extra: list[str], log: Path, timeout: float):
    env = dict(cluster.env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    # --directory: the test's folder, also after the demo profile's own (a profile's `directory: .` would be
    # taken relative to the profile's folder)
    cmd = [sys.executable, "-m", "snakemake", *extra, "--directory", str(workdir), "--verbose"]
    t0 = time.monotonic()
    with open(log, "w") as fh:
        try:
            r = subprocess.run(cmd, cwd=workdir, env=env, stdout=fh, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=timeout)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    return rc, time.monotonic() - t0, log.read_text(errors="replace")


def sbatch_lines(text: str) -> list[str]:
    return [line.split("sbatch call: ", 1)[1] for line in text.splitlines() if "sbatch call: " in line]


def show_slurm_logs(workdir: Path) -> str:
    parts = []
    for p in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log")):
        parts.append(f"--- {p.relative_to(workdir)} ---\n" + "\n".join(p.read_text(errors="replace").splitlines()[-25:]))
    return "\n".join(parts)


def test_tiny_workflow_through_slurm_profile(slurm_plugin, cluster, tmp_path, capsys):
    wd = tmp_path / "wf"
    wd.mkdir()
    (wd / "Snakefile").write_text(TINY_SNAKEFILE.format(python=sys.executable, gpu=1 if cluster.gres else 0))
    (wd / "claim.py").write_text(CLAIM_SCRIPT)
    rc, secs, text = run_snakemake(cluster, wd, ["--profile", str(PROFILE)], tmp_path / "snakemake.log",
                                   timeout=180)
    lines = sbatch_lines(text)
    say(capsys, f"[slurm] tiny workflow: snakemake exit {rc} in {secs:.1f} s; sbatch lines submitted:",
        *(f"  {line}" for line in lines))
    detail = f"\n{text[-6000:]}\n{show_slurm_logs(wd)}\n{cluster.logs_tail()}"
    assert rc == 0, detail
    assert len(lines) == 2, detail
    cpu_line = next(x for x in lines if "rule_cpu" in x)
    gpu_line = next(x for x in lines if "rule_gpu" in x)
    assert "-t 2" in cpu_line and "--mem 300" in cpu_line and "--gpus" not in cpu_line
    assert "-t 3" in gpu_line and "--mem 400" in gpu_line

    cpu = (wd / "out" / "cpu.txt").read_text()
    gpu = (wd / "out" / "gpu.txt").read_text()
    say(capsys, f"[slurm] out/cpu.txt: {cpu.strip()}", f"[slurm] out/gpu.txt: {gpu.strip()}")
    assert re.search(r"SLURM_JOB_ID=\d+", cpu)
    assert re.search(r"SLURM_JOB_ID=\d+", gpu)
    if cluster.gres:
        assert "--gpus=1" in gpu_line
        # Slurm chose the device; claim_gpu honoured it and claimed nothing itself
        assert re.search(r"CUDA_VISIBLE_DEVICES=\d+ source=preset", gpu), gpu
    else:
        say(capsys, f"[slurm] GPU rule ran without gres: {cluster.gres_reason}")


def _demo_missing() -> str | None:
    if not (REPO / "Snakefile").is_file():
        return "no Snakefile at the repository root"
    demo = REPO / "profiles" / "demo"
    if not any((demo / f).is_file() for f in ("profile.yaml", "config.yaml")):
        return "no profiles/demo/profile.yaml"
    try:
        import darts_core.search.loop  # noqa: F401  (what workflow/scripts/search.py runs)
    except ImportError as exc:
        return f"the search core is not importable ({exc})"
    return None


def _smallest_target(env: dict) -> str:
    """The first file of the first `search` job of the demo (one search: the smallest real job)."""
    if os.environ.get("DARTS_SLURM_DEMO_TARGET"):
        return os.environ["DARTS_SLURM_DEMO_TARGET"]
    r = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--profile",
         str(REPO / "profiles" / "demo"), "--dry-run", "--forceall", "--quiet", "progress"],
        cwd=env["_WORKDIR"], env={k: v for k, v in env.items() if k != "_WORKDIR"},
        capture_output=True, text=True, timeout=120,
    )
    found = re.findall(r"rule search:\s*\n\s*output: ([^,\s]+)", r.stdout + r.stderr)
    assert found, f"no search job in the demo's dry run:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return min(found)  # deterministic: the DAG's listing order is not


def test_demo_smallest_target_through_slurm_profile(slurm_plugin, cluster, tmp_path, capsys):
    missing = _demo_missing()
    if missing:
        pytest.skip(f"demo workflow not present yet: {missing}")
    wd = tmp_path / "demo"  # a separate working directory: nothing lands in the repository's results/
    wd.mkdir()
    env = dict(cluster.env, PYTHONPATH=str(REPO), _WORKDIR=str(wd))
    target = _smallest_target(env)
    extra = [target, "-s", str(REPO / "Snakefile"), "--profile", str(REPO / "profiles" / "demo"),
             "--profile", str(PROFILE)]
    if cluster.gres:  # the real search rule asks Slurm for a GPU, as on a GPU cluster
        extra += ["--set-resources", "search:gpu=1"]
    rc, secs, text = run_snakemake(cluster, wd, extra, tmp_path / "demo-snakemake.log", timeout=240)
    lines = sbatch_lines(text)
    say(capsys, f"[slurm] demo target {target}: snakemake exit {rc} in {secs:.1f} s; sbatch lines:",
        *(f"  {line}" for line in lines))
    detail = f"\n{text[-6000:]}\n{show_slurm_logs(wd)}"
    assert rc == 0, detail
    assert lines and all("rule_search" in x for x in lines), detail
    if cluster.gres:
        assert all("--gpus=1" in x for x in lines)
    assert (wd / target).is_file()



@pytest.mark.slow
def test_two_gpu_retrain_is_one_slurm_job_running_torchrun(slurm_plugin, cluster, tmp_path, capsys):
    """A retrain entry with gpus: 2 is one sbatch --gpus=2 job whose script starts torchrun with 2 processes
    (gloo on the CPU here: compute.device cpu; the fake GPUs are only device nodes)."""
    import yaml
    from test_workflow_retrain import BASE, RUN, TINY
    from workflow_plan import fake_darts_search

    if not cluster.gres:
        pytest.skip(f"the test cluster has no GPUs: {cluster.gres_reason}")
    wd = tmp_path / "retrain"
    wd.mkdir()
    config = {**TINY, "retrain": {"digits": {**TINY["retrain"]["digits"], "gpus": 2, "threads": 2}}}
    config["tables"] = {}
    (wd / "tiny.yaml").write_text(yaml.safe_dump(config))
    fake_darts_search(wd / RUN)
    target = f"{BASE}/search0/digits-demo/seed0/results.json"
    rc, secs, text = run_snakemake(cluster, wd, [target, "-s", str(REPO / "Snakefile"), "--configfile",
                                                 str(wd / "tiny.yaml"), "--replace-workflow-config", "--profile",
                                                 str(PROFILE)], tmp_path / "retrain-snakemake.log", timeout=300)
    lines = sbatch_lines(text)
    say(capsys, f"[slurm] 2-GPU retrain: snakemake exit {rc} in {secs:.1f} s; sbatch lines:",
        *(f"  {line[:200]}" for line in lines))
    assert rc == 0, f"\n{text[-6000:]}\n{show_slurm_logs(wd)}"
    (line,) = [x for x in lines if "rule_retrain" in x]
    assert "--gpus=2" in line and "--cpus-per-task=2" in line
    res = yaml.safe_load((wd / target).read_text())
    assert res["processes"] == 2 and res["bn_groups"] == 2
