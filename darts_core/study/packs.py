"""Packed search jobs (`compute.seeds_per_job` K > 1): the seeds of one search setting in groups of K,
each group one job (darts_core.search.packed_loop) whose outputs are its K run folders' products, named
exactly as the one-seed `search` jobs name them. Settings that cannot be packed
(darts_core.search.packing.packing_problem: other methods, drop path, an online stop) and a group of a
single seed (the remainder) stay one seed per job. Torch-free.
"""

from __future__ import annotations

import re

from darts_core import layout
from darts_core.study import searches


def seeds_per_job(config: dict) -> int:
    return int(config.get("compute", {}).get("seeds_per_job", 1))


def search_packs(config: dict, resolved: dict) -> list[dict]:
    """One dict per packed job: `rule` (a unique rule name), `seeds`, `dirs` (run folders, seed order),
    `outputs` ({product key}_{seed}: path), `settings` (one search mapping per seed), `log`, `benchmark`,
    `minutes`, `mem_mb`. `resolved`: Study.searches ({(experiment, run, dataset): SearchConfig})."""
    from darts_core.search.packing import packing_problem

    k = seeds_per_job(config)
    if k <= 1:
        return []
    seeds_of: dict[tuple, list] = {}
    for row in searches.study_runs(config):
        if row["dir"] is None:
            continue
        key = (*searches.home_of(config, row["experiment"], row["run"]), row["dataset"])
        if row["seed"] not in seeds_of.setdefault(key, []):
            seeds_of[key].append(row["seed"])
    compute, packs = config["compute"], []
    for key, seeds in seeds_of.items():
        if packing_problem(resolved[key]) is not None:
            continue
        experiment, run, dataset = key
        exp = config["experiments"][experiment]
        names = dict(experiment=experiment, space=exp["space"], dataset=dataset, method=exp["runs"][run]["method"], run=run)
        for start in range(0, len(seeds), k):
            group = seeds[start:start + k]
            if len(group) < 2:
                continue
            dirs = [layout.RUN_DIR.format(**names, seed=s) for s in group]
            tag = "_".join(map(str, group))
            stem = layout.RUN_KEY.replace("seed{seed}", f"seeds{tag}").format(**names)
            packs.append({
                "rule": f"search_packed{len(packs)}_" + re.sub(r"\W", "_", f"{experiment}_{run}_{dataset}_{tag}"),
                "seeds": list(group),
                "dirs": dirs,
                "outputs": {f"{what}_{s}": f"{d}/{name}" for s, d in zip(group, dirs)
                            for what, name in layout.SEARCH_PRODUCTS.items()},
                "settings": [searches.search_mapping(config, experiment, run, dataset, s) for s in group],
                "log": f"results/logs/search/{stem}.log",
                "benchmark": f"results/benchmarks/search/{stem}.tsv",
                # K seeds in one job: at most K searches' time and memory (a measured speed-up is no promise)
                "minutes": len(group) * searches.search_minutes(config, experiment, run, resolved[key].epochs),
                "mem_mb": len(group) * int(compute["mem_mb_per_search"]),
            })
    return packs

