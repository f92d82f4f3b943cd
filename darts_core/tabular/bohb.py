"""BOHB through hpbandster under a simulated time budget (AutoDL-Projects exps/NAS-Bench-201-algos/BOHB.py).

As BOHB.py: a ConfigSpace with one categorical per edge (choices the 5 ops), one worker, a local Pyro4
nameserver, `BOHB(eta=3, min_budget=12, max_budget=200, num_samples, random_fraction, bandwidth_factor,
ping_interval=10, min_bandwidth)` run for `n_iters` iterations, answer = `Result.get_incumbent_id()` (lowest
loss among runs on the maximum budget). The worker's `compute` ignores the Hyperband budget: every call is
one proxy query, loss = 100 - accuracy, counted while the spent time plus its cost is <= the budget; the
first call past it ends counting and every later call returns loss 100.
Settings: scripts-search/NAS-Bench-201-algos/BOHB.sh `--time_budget 12000 --n_iters 50 --num_samples 4
--random_fraction 0.0 --bandwidth_factor 3`, BOHB.py default `--min_bandwidth 0.3`.

Signal: BOHB.py at f46486e queries `hp='200'` (200-epoch accuracy and 200-epoch train time, ~6 queries per
12000 s), but that came with the API-v2 port (commit 6effb6f); the code that produced the NAS-Bench-201 paper's
BOHB row (bb2f405, fb76814) passed `use_12epochs_result=True`, the same 12-epoch signal as REA. We use the
same proxy as the other methods.

Our additions, none changing the algorithm: every Pyro4 endpoint binds 127.0.0.1 only; the run has a wall
clock limit (`timeout_seconds`) after which it is shut down and a DartsCoreError raised; numpy's global random
state (hpbandster samples with it) is seeded for the run and restored afterwards; the ConfigSpace gets the
seed too. hpbandster 0.7.4 (2018) predates numpy 2 and ConfigSpace 1.x: their scalars (np.str_ choices,
np.float64 budgets, whose numpy-2 repr serpent cannot read back) fail Pyro4's serpent serializer, so
numpy scalars are registered with serpent as their Python values (`_numpy_scalars_for_serpent`).
"""

from __future__ import annotations

import logging
import os
import random
import threading
import warnings

import numpy as np
import pandas as pd

from darts_core.errors import DartsCoreError
from darts_core.spaces.nb201 import EDGES, OPS, arch_string
from darts_core.tabular.common import TIME_BUDGET, Trajectory, check_settings, ops_index
from darts_core.tabular.proxy import Proxy

DEFAULTS = {"n_iters": 50, "num_samples": 4, "random_fraction": 0.0, "bandwidth_factor": 3, "min_bandwidth": 0.3,
            "eta": 3, "min_budget": 12.0, "max_budget": 200.0}
HOST = "127.0.0.1"  # loopback only
PING_INTERVAL = 10  # BOHB.py
TIMEOUT_SECONDS = 600.0
SHUTDOWN_SECONDS = 30.0


def library():
    """(ConfigSpace, BOHB, nameserver module, Worker) or DartsCoreError saying why BOHB stays cited-only."""
    try:
        import ConfigSpace
        import hpbandster.core.nameserver as hpns
        import serpent
        from hpbandster.core.worker import Worker
        from hpbandster.optimizers.bohb import BOHB
    except Exception as err:  # ImportError, or a broken dependency failing at import
        raise DartsCoreError(f"BOHB is cited-only: hpbandster/ConfigSpace cannot be imported here ({type(err).__name__}: "
                             f"{err}); install hpbandster==0.7.4 (see darts_core/tabular/__init__.py)") from None
    _numpy_scalars_for_serpent(serpent)
    # statsmodels >= 0.15 announces a future default for KDEMultivariate's unused rng (normal_reference bandwidths draw nothing)
    warnings.filterwarnings("ignore", message="After 0.17 or January 2028", category=FutureWarning)
    return ConfigSpace, BOHB, hpns, Worker


def _numpy_scalars_for_serpent(serpent) -> None:
    serpent.register_class(np.generic, lambda obj, ser, out, level: ser._serialize(obj.item(), out, level))


def config_space(ConfigSpace, seed: int):
    """One categorical per edge, in EDGES order (BOHB.py `get_configuration_space`)."""
    cs = ConfigSpace.ConfigurationSpace(seed=int(seed))
    for edge in EDGES:
        hp = ConfigSpace.CategoricalHyperparameter(edge, list(OPS))
        cs.add(hp) if hasattr(cs, "add") else cs.add_hyperparameter(hp)
    return cs


def _worker_class(Worker):
    class ProxyWorker(Worker):
        """BOHB.py `MyWorker.compute` on the proxy."""

        def __init__(self, *args, proxy: Proxy, traj: Trajectory, rng: random.Random, **kwargs):
            super().__init__(*args, **kwargs)
            self.proxy, self.traj, self.rng, self.is_end = proxy, traj, rng, False

        def compute(self, config, budget, **kwargs):
            ops = tuple(str(config[edge]) for edge in EDGES)
            index = ops_index(ops)
            valid, cost = self.proxy.evaluate(index, self.rng)
            if self.traj.elapsed + cost <= self.traj.budget and not self.is_end:
                self.traj.record(ops, index, valid, cost)
                return {"loss": 100.0 - valid, "info": {"seen-arch": len(self.traj.rows), "current-arch": index}}
            self.is_end = True
            return {"loss": 100.0, "info": {"seen-arch": len(self.traj.rows), "current-arch": None}}

    return ProxyWorker


def search(proxy: Proxy, budget_seconds: float = TIME_BUDGET, seed: int = 0, *,
           timeout_seconds: float = TIMEOUT_SECONDS, **settings) -> tuple[pd.DataFrame, str]:
    """BOHB; returns (trajectory, incumbent arch string)."""
    cfg = check_settings(settings, DEFAULTS, "bohb")
    if not (cfg["n_iters"] >= 1 and 0 < cfg["min_budget"] < cfg["max_budget"] and cfg["eta"] >= 2):
        raise DartsCoreError(f"bohb: needs n_iters >= 1, 0 < min_budget < max_budget, eta >= 2; got {cfg}")
    ConfigSpace, BOHB, hpns, Worker = library()
    traj, run_id = Trajectory(budget_seconds), f"darts-tabular-{os.getpid()}-{seed}"
    np_state, hb_logger = np.random.get_state(), logging.getLogger("hpbandster")
    old_level = hb_logger.level
    hb_logger.setLevel(logging.ERROR)  # its KDE warns at length on categorical-only spaces (HpBandSter issue #100)
    np.random.seed(seed)
    ns = hpns.NameServer(run_id=run_id, host=HOST, port=0)
    ns_host, ns_port = ns.start()
    worker = optimizer = None
    try:
        worker = _worker_class(Worker)(run_id=run_id, nameserver=ns_host, nameserver_port=ns_port, host=HOST, id=0,
                                       proxy=proxy, traj=traj, rng=random.Random(seed))
        worker.run(background=True)
        optimizer = BOHB(configspace=config_space(ConfigSpace, seed), run_id=run_id, eta=cfg["eta"],
                         min_budget=cfg["min_budget"], max_budget=cfg["max_budget"], nameserver=ns_host,
                         nameserver_port=ns_port, host=HOST, num_samples=cfg["num_samples"],
                         random_fraction=cfg["random_fraction"], bandwidth_factor=cfg["bandwidth_factor"],
                         ping_interval=PING_INTERVAL, min_bandwidth=cfg["min_bandwidth"])
        box: dict = {}
        thread = threading.Thread(target=lambda: box.update(result=optimizer.run(cfg["n_iters"], min_n_workers=1)),
                                  name="bohb-master", daemon=True)
        thread.start()
        thread.join(timeout_seconds)
        if thread.is_alive() or "result" not in box:
            raise DartsCoreError(f"bohb: hpbandster did not finish within {timeout_seconds:.0f} s wall time "
                                 f"({len(traj.rows)} architectures counted); run stopped")
        result = box["result"]
    finally:  # each shutdown bounded too: a stuck Pyro4 thread must not hang the caller
        if optimizer is not None:
            _bounded(lambda: optimizer.shutdown(shutdown_workers=True), SHUTDOWN_SECONDS)
        elif worker is not None:
            _bounded(worker.shutdown, SHUTDOWN_SECONDS)
        _bounded(ns.shutdown, SHUTDOWN_SECONDS)
        np.random.set_state(np_state)
        hb_logger.setLevel(old_level)
    incumbent = result.get_incumbent_id()
    if incumbent is None:
        raise DartsCoreError("bohb: no configuration was run on the maximum budget within the time budget")
    config = result.get_id2config_mapping()[incumbent]["config"]
    return traj.frame(), arch_string([str(config[edge]) for edge in EDGES])


def _bounded(fn, seconds: float) -> bool:
    """Run `fn` in a daemon thread, wait at most `seconds`; True if it finished."""
    thread = threading.Thread(target=fn, name="bohb-shutdown", daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()
