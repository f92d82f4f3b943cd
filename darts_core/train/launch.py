"""One retraining on N processes: `run_distributed(spec, n)` starts `torchrun --standalone
--nproc_per_node=N -m darts_core.train.launch SPEC.json` and waits; each process reads the spec (plain JSON:
genotype string, dataset, the protocol's fields, output folder, seed, device, time limit) and runs
`retrain` with its rank (darts_core.train.distributed). One process (N = 1) needs none of this: call
`retrain` directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from darts_core.errors import DartsCoreError

SPEC_KEYS = ("genotype", "dataset", "config", "out", "data_dir", "seed", "device", "allow_download", "time_limit_s",
             "threads")


def torchrun_command(spec_path, nproc: int) -> list[str]:
    """The torchrun call (torch.distributed.run: `torchrun` of this interpreter, whatever its PATH)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={int(nproc)}",
            "-m", "darts_core.train.launch", str(spec_path)]


def run_distributed(spec: dict, nproc: int, stream=None) -> dict:
    """Train `spec` on `nproc` processes; results.json's content when it finished. Raises TimeLimitReached
    when it stopped at its time limit (rerun to resume), DartsCoreError when a process failed (their
    errors are in `stream`, where the processes' output goes; default this process's stdout)."""
    from darts_core.checkpoint import load_checkpoint
    from darts_core.layout import CHECKPOINT, RETRAIN_RESULTS
    from darts_core.train.trainer import TimeLimitReached

    missing = sorted(set(SPEC_KEYS) - set(spec))
    if missing:
        raise DartsCoreError(f"launch spec lacks {', '.join(missing)}")
    if nproc < 2:
        raise DartsCoreError(f"run_distributed needs 2 or more processes, got {nproc}; call retrain for one")
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=".launch-", suffix=".json", dir=out)
    with os.fdopen(fd, "w") as fh:
        json.dump(spec, fh)
    try:
        stream = sys.stdout if stream is None else stream
        stream.flush()
        rc = subprocess.run(torchrun_command(path, nproc), stdout=stream, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL).returncode
    finally:
        os.unlink(path)
    if rc != 0:
        raise DartsCoreError(f"the {nproc} training processes failed (torchrun exit {rc}); their errors are above")
    epochs = spec["config"]["epochs"]
    done = int(load_checkpoint(out / CHECKPOINT)["epoch"])
    if done < epochs:
        raise TimeLimitReached(f"stopped after epoch {done} of {epochs} at this job's time limit; run it again to "
                               f"resume from {out / CHECKPOINT}")
    return json.loads((out / RETRAIN_RESULTS).read_text())


def main(argv: list[str] | None = None) -> int:
    """One process of the job (started by torchrun)."""
    import torch

    from darts_core.spaces import darts
    from darts_core.train import distributed
    from darts_core.train.protocols import TrainConfig
    from darts_core.train.retrain import retrain
    from darts_core.train.trainer import TimeLimitReached

    (path,) = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(path).read_text())
    dist, device = distributed.from_env(spec["device"])
    torch.set_num_threads(max(1, int(spec["threads"]) // dist.world))
    say = (lambda line: print(line, flush=True)) if dist.main else None
    try:
        retrain(darts.parse_genotype(spec["genotype"]), spec["dataset"], TrainConfig(**spec["config"]), spec["out"],
                data_dir=spec["data_dir"], seed=int(spec["seed"]), device=device,
                allow_download=bool(spec["allow_download"]), log=say, dist=dist, time_limit_s=spec["time_limit_s"])
    except TimeLimitReached as stop:  # not a failure: the checkpoint is written, the caller reruns
        if say:
            say(str(stop))
    finally:
        distributed.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
