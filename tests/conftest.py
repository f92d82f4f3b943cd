"""Shared fixtures. `shared_data`: the read-only data directory (env DARTS_SHARED_DATA, default
<repo>/../shared/data). Tests that need it skip when it is absent, unless DARTS_REQUIRE_SHARED=1 (set by
CI), in which case they fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_dir(sub: str) -> Path:
    root = Path(os.environ.get("DARTS_SHARED_DATA", REPO.parent / "shared" / "data"))
    path = root / sub
    if not path.is_dir():
        reason = f"shared data {path} not found (set DARTS_SHARED_DATA)"
        if os.environ.get("DARTS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{reason}; DARTS_REQUIRE_SHARED=1 requires it")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _shared_dir("")


@pytest.fixture(scope="session")
def nb201_csv_dir() -> Path:
    """../shared/data/nb201: the public NAS-Bench-201 CSV extracts."""
    return _shared_dir("nb201")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """One intra-op thread: on a shared 2-core machine, oversubscribed torch threads stall tests many-fold."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def paper_plan(tmp_path_factory) -> list[dict]:
    """The jobs `snakemake -n` plans for the paper config (tests/workflow_plan.py)."""
    from workflow_plan import planned_jobs, snakemake

    proc = snakemake("-n", "--configfile", str(REPO / "config.yaml"), cwd=tmp_path_factory.mktemp("paper"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return planned_jobs(proc.stdout)


@pytest.fixture(scope="session")
def xautodl_optimizers():
    """xautodl/procedures/optimizers.py loaded alone (the package's __init__ needs torchvision): the
    official CosineAnnealingLR, the oracle of the search schedule."""
    import importlib.util

    spec = importlib.util.find_spec("xautodl")
    if spec is None:
        pytest.skip("xautodl is not installed")
    path = Path(spec.origin).parent / "procedures" / "optimizers.py"
    module_spec = importlib.util.spec_from_file_location("xautodl_optimizers", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module
