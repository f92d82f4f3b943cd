"""Retraining on several processes (DistributedDataParallel, gloo on the CPU, launched by torchrun as the
workflow launches it; darts_core.train.distributed says what a job of N processes computes).

The 2-process tests (slow: each torchrun start costs ~10 s here) train a tiny DARTS_V2 network (BatchNorm,
drop path, Cutout) on digits with a global batch of 113 (57 + 56 rows per process, last batch 31): the
per-epoch losses, accuracies and final weights equal one process's on the same global batch split into the
same 2 BatchNorm groups (the faithful per-GPU BN of DrNAS's DataParallel; one process with one BN group
differs, and the test checks that it does), and a run stopped at its time limit, then killed with SIGKILL,
resumes to the same end bit for bit.

Tolerance (2 processes vs 1): rtol 1e-5 on losses, 1e-4 on weights. The arithmetic is the same up to the
order of float32 sums: the gradient all-reduce adds the two processes' gradients where one process adds
its two groups' into .grad (each scaled by a power of two more in DDP, which rounds the same), and the
test loss is summed per process. With one thread per process (torch 2.13, CPU) the weights come out
identical; other thread counts split convolution reductions differently, a few ulps per step that 42 SGD
steps grow to ~1e-6, hence the tolerance. A wrong shard, group or weighting gives 1e-2 and more (the
one-process run with one BN group differs by ~0.09 in the loss).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
import torch

from darts_core.checkpoint import load_checkpoint
from darts_core.errors import DartsCoreError
from darts_core.nn.darts_ops import batch_window, drop_path
from darts_core.spaces import darts
from darts_core.train import distributed
from darts_core.train.augment import cutout
from darts_core.train.launch import run_distributed, torchrun_command
from darts_core.train.protocols import get_protocol
from darts_core.train.retrain import retrain
from darts_core.train.trainer import TimeLimitReached

V2 = darts.published("DARTS_V2")
CFG = get_protocol("demo", epochs=3, init_channels=4, layers=3, batch_size=113)
SEED = 5
COMPARED = ["train_loss", "train_top1", "test_loss", "test_top1", "test_top5"]


def spec(out, cfg=CFG, time_limit_s=None) -> dict:
    return dict(genotype=darts.genotype_string(V2), dataset="digits", config=asdict(cfg), out=str(out), data_dir=None,
                seed=SEED, device="cpu", allow_download=False, time_limit_s=time_limit_s, threads=2)


def metrics(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "metrics.csv")


def weights(folder) -> dict:
    return load_checkpoint(folder / "checkpoint.pt")["model"]


# ---- the pieces, in one process -----------------------------------------------------------------------


def test_bounds_split_a_batch_into_near_equal_rows():
    assert distributed.bounds(113, 2) == [(0, 57), (57, 113)]
    assert distributed.bounds(31, 4) == [(0, 8), (8, 16), (16, 24), (24, 31)]
    assert distributed.bounds(768, 8)[3] == (288, 384)  # DrNAS: 96 per GPU


def test_drop_path_and_cutout_of_shards_are_those_of_the_whole_batch():
    x = torch.randn(7, 3, 6, 6)
    torch.manual_seed(0)
    whole_drop = drop_path(x, 0.5)
    whole_cut = cutout(x, 4)
    parts_drop, parts_cut = [], []
    for first, end in distributed.bounds(7, 2):  # every process starts from the same RNG state
        torch.manual_seed(0)
        with batch_window(first, end, 7):
            parts_drop.append(drop_path(x[first:end], 0.5))
        parts_cut.append(cutout(x[first:end], 4, first, 7))
    assert torch.equal(torch.cat(parts_drop), whole_drop) and torch.equal(torch.cat(parts_cut), whole_cut)
    assert not torch.equal(whole_drop, x)
    with pytest.raises(ValueError, match="window 0:3 of 7 does not match 4"), batch_window(0, 3, 7):
        drop_path(x[:4], 0.5)


class _Images:
    """A stand-in for the ImageNet folder: item i = (i as an image, label i), augmented by its generator."""

    def __len__(self):
        return 23

    def load(self, i, gen):
        return torch.full((1, 2, 2), float(i)) + torch.rand((), generator=gen), i


def test_folder_loader_shards_read_only_their_rows_of_each_global_batch():
    from darts_core.train.data import FolderEpochLoader

    whole = FolderEpochLoader(_Images(), 10, 0, seed=1, shuffle=True)
    whole.set_epoch(2)
    batches = list(whole)
    shards = []
    for rank in range(2):
        loader = FolderEpochLoader(_Images(), 10, 0, seed=1, shuffle=True)
        shard = distributed.Shard(loader, distributed.Dist(rank, 2))
        shard.set_epoch(2)
        shards.append(list(shard))
    assert [len(y) for _, y in batches] == [10, 10, 3]
    for b, (x, y) in enumerate(batches):
        (x0, y0, f0, t0), (x1, y1, f1, t1) = shards[0][b], shards[1][b]
        assert (f0, f1, t0, t1) == (0, (len(y) + 1) // 2, len(y), len(y))
        assert torch.equal(torch.cat([y0, y1]), y) and torch.equal(torch.cat([x0, x1]), x)
    with pytest.raises(DartsCoreError, match="global batch of 3 samples .* 4 BatchNorm groups"):
        distributed.Shard(FolderEpochLoader(_Images(), 10, 0, 1, True), distributed.Dist(0, 2), groups=2)


def test_bn_groups_must_split_among_the_processes(tmp_path):
    cfg = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256, bn_groups=3)
    from darts_core.train.trainer import bn_groups_per_process

    assert bn_groups_per_process(cfg, distributed.SINGLE) == 3
    with pytest.raises(DartsCoreError, match="bn_groups 3 is not a multiple of the job's 2 processes"):
        bn_groups_per_process(cfg, distributed.Dist(0, 2))
    with pytest.raises(DartsCoreError, match="amp must be one of off, bf16, fp16"):
        get_protocol("demo", amp="fp8")


def test_bf16_autocast_trains_an_epoch_on_the_cpu(tmp_path):
    cfg = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256, amp="bf16")
    res = retrain(V2, "digits", cfg, tmp_path / "bf16", seed=0)
    ref = retrain(V2, "digits", get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256),
                  tmp_path / "fp32", seed=0)
    a, b = metrics(tmp_path / "bf16").iloc[0], metrics(tmp_path / "fp32").iloc[0]
    assert res["amp"] == "bf16" and 0 < a["train_loss"] < 10
    assert a["train_loss"] != b["train_loss"]  # autocast did run in bfloat16
    assert abs(a["train_loss"] - b["train_loss"]) < 0.1 and ref["amp"] == "off"


def test_fp16_with_grad_scaler_checkpoints_the_scaler(tmp_path):
    cfg = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=512, amp="fp16")
    retrain(V2, "digits", cfg, tmp_path, seed=0)
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert state["scaler"]["scale"] > 0 and metrics(tmp_path)["train_loss"].notna().all()


def test_a_time_limit_stops_after_a_checkpoint_and_the_rerun_ends_as_one_run(tmp_path):
    cfg = get_protocol("demo", epochs=3, init_channels=4, layers=3, batch_size=256)
    full = retrain(V2, "digits", cfg, tmp_path / "full", seed=1)
    with pytest.raises(TimeLimitReached, match="stopped after epoch 1 of 3.*run it again"):
        retrain(V2, "digits", cfg, tmp_path / "cut", seed=1, time_limit_s=1e-3)
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["epoch"] == 1
    assert not (tmp_path / "cut" / "results.json").exists()
    again = retrain(V2, "digits", cfg, tmp_path / "cut", seed=1)
    assert again["resumed_after_epoch"] == 1 and again["test_error"] == full["test_error"]
    pd.testing.assert_frame_equal(metrics(tmp_path / "full").drop(columns="seconds"),
                                  metrics(tmp_path / "cut").drop(columns="seconds"), check_exact=True)


def test_one_process_with_bn_groups_keeps_the_first_groups_statistics(tmp_path):
    """Two BN groups in one process: the running statistics after a step are those of group 0 alone."""
    from darts_core.nn.darts_network import NetworkCIFAR
    from darts_core.train.trainer import train_epoch

    torch.manual_seed(0)
    net = NetworkCIFAR(4, 10, 3, False, V2, in_channels=1)
    x, y = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
    cfg = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=8, cutout_length=0, drop_path_prob=0.0)
    reference = copy.deepcopy(net).train()
    with torch.no_grad():
        reference(x[:4])  # group 0 alone
    loader = distributed.Shard([(x, y)], distributed.SINGLE)
    opt = torch.optim.SGD(net.parameters(), 0.1)
    train_epoch(net, loader, opt, torch.nn.CrossEntropyLoss(), cfg, 0, torch.device("cpu"), groups=2)
    kept = dict(net.named_buffers())
    for name, value in reference.named_buffers():
        assert torch.equal(kept[name], value), name
    assert not torch.equal(kept["stem.1.running_mean"], torch.zeros(12))


# ---- 2 processes through torchrun -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The uninterrupted 2-process run (launched as the workflow launches it) and two one-process runs of
    the same global batch: 2 BatchNorm groups (what 2 processes compute) and 1."""
    root = tmp_path_factory.mktemp("ddp")
    t0 = time.monotonic()
    two = run_distributed(spec(root / "two"), 2)
    seconds = time.monotonic() - t0
    one = retrain(V2, "digits", get_protocol("demo", epochs=3, init_channels=4, layers=3, batch_size=113, bn_groups=2),
                  root / "one", seed=SEED)
    plain = retrain(V2, "digits", CFG, root / "plain", seed=SEED)
    return dict(root=root, two=two, one=one, plain=plain, seconds=seconds)


@pytest.mark.slow
def test_two_processes_equal_one_process_with_the_same_global_batch(runs):
    root = runs["root"]
    two, one, plain = metrics(root / "two"), metrics(root / "one"), metrics(root / "plain")
    assert runs["two"]["processes"] == 2 and runs["two"]["bn_groups"] == 2 and runs["one"]["processes"] == 1
    assert list(two["epoch"]) == [0, 1, 2] and two["drop_path_prob"].iloc[2] > 0
    pd.testing.assert_frame_equal(two[COMPARED], one[COMPARED], check_exact=False, rtol=1e-5, atol=0)
    wa, wb = weights(root / "two"), weights(root / "one")
    assert wa.keys() == wb.keys()
    worst = max(float((wa[k].double() - wb[k].double()).abs().max()) for k in wa if wa[k].is_floating_point())
    assert worst < 1e-4, worst
    # the BN groups matter: one process normalising the whole batch at once is another computation
    gap = float((two["train_loss"] - plain["train_loss"]).abs().max())
    assert gap > 1e-3, gap
    print(f"2 processes vs 1 (2 BN groups): largest weight difference {worst:.2e}; vs 1 BN group: loss gap {gap:.3f}; "
          f"2-process run {runs['seconds']:.0f} s")


def _descendants(pid: int) -> list[int]:
    """The processes below `pid` (Linux /proc), children first."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                out += [child, *_descendants(child)]
    return out


@pytest.mark.slow
def test_a_stopped_then_killed_two_process_run_resumes_to_the_same_end(runs, tmp_path):
    out = tmp_path / "cut"
    # 1. a clean stop at the time limit, after the checkpoint of epoch 1
    with pytest.raises(TimeLimitReached, match="stopped after epoch 1 of 3"):
        run_distributed(spec(out, time_limit_s=1e-3), 2)
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 1
    # 2. resumed, then killed (SIGKILL to torchrun and its 2 workers) once epoch 2's checkpoint is written
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(out)))
    log = (tmp_path / "killed.log").open("w")
    proc = subprocess.Popen(torchrun_command(path, 2), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while load_checkpoint(out / "checkpoint.pt")["epoch"] < 2:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "killed.log").read_text()[-3000:]
            time.sleep(0.02)
    finally:  # as Slurm ends a job: every process of it (torchrun starts its workers in their own sessions)
        killed = [*_descendants(proc.pid), proc.pid]
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        log.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(killed) >= 3, killed  # torchrun and its 2 workers (an orphan going on would end epoch 3 below)
    assert load_checkpoint(out / "checkpoint.pt")["epoch"] == 2 and not (out / "results.json").exists()
    text = (tmp_path / "killed.log").read_text()
    assert text.count("resuming") == 1 and text.count("epoch 2/3") == 1  # rank 0 alone logs
    # 3. resumed to the end: the same as the uninterrupted run, bit for bit
    res = run_distributed(spec(out), 2)
    assert res["resumed_after_epoch"] == 2
    pd.testing.assert_frame_equal(metrics(runs["root"] / "two").drop(columns="seconds"),
                                  metrics(out).drop(columns="seconds"), check_exact=True)
    wa, wb = weights(runs["root"] / "two"), weights(out)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert res["test_error"] == runs["two"]["test_error"]


def test_a_checkpoint_resumes_only_with_the_same_bn_groups(tmp_path):
    """One BN group and two are different computations: a run of one is not continued as the other."""
    cfg = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256)
    retrain(V2, "digits", cfg, tmp_path, seed=0)
    two = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256, bn_groups=2)
    with pytest.raises(DartsCoreError, match="different run .*config"):
        retrain(V2, "digits", two, tmp_path, seed=0)
    # bn_groups 1 is what 0 resolves to in one process: the same run
    same = get_protocol("demo", epochs=1, init_channels=4, layers=3, batch_size=256, bn_groups=1)
    assert retrain(V2, "digits", same, tmp_path, seed=0)["resumed_after_epoch"] == 1
