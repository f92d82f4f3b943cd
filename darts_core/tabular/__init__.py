"""Tabular baselines of the paper's Table 1 (REA, RS, REINFORCE, BOHB): searches that query the NAS-Bench-201
benchmark instead of training, under a simulated 12,000 s budget, as in AutoDL-Projects
exps/NAS-Bench-201-algos/{R_EA,RANDOM,reinforce,BOHB}.py.

- `proxy` / `proxy_pth`: the search-time signal (validation accuracy + simulated cost per query): the official
  12-epoch results from the .pth (faithful), or the public CSV's 200-epoch results (approximation, recorded).
- `common`: random architectures, one-edge mutation, trajectory and budget bookkeeping.
- `rea`, `random_search`, `reinforce`, `bohb`: `search(proxy, budget_seconds, seed, **settings) -> (trajectory, arch)`.
- `run`: `run_tabular(method, table_path_or_csv_dir, seed, out_dir, **overrides)`, the method registry, products.
- `cli`: subcommands `tabular METHOD` and `tabular-proxy`.

BOHB needs hpbandster (not a core dependency). Checked on Python 3.11 with numpy 2.4.6:
hpbandster==0.7.4, ConfigSpace==1.2.2, Pyro4==4.82, serpent==1.43, statsmodels==0.15.0, netifaces==0.11.0
(built from source: needs a C compiler). Without them the `bohb` method raises "BOHB is cited-only: ...".
"""
