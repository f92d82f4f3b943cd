"""Where every product lives: the file names of a run directory and the path templates of the study.

The one place these names are declared; the search, the stop criteria, the retraining, the workflow and
the tests read them from here. Templates are `str.format` patterns over the study's names (experiment,
space, dataset, method, run, seed; for retraining also criterion, rdataset, protocol, rseed); the
workflow uses the same strings as Snakemake wildcard patterns.

A search's run directory (`RUN_DIR`) holds what the search writes (`SEARCH_PRODUCTS`, the column contract
in darts_core.runlog), its resume state (`CHECKPOINT`), and what the analysis rules add (`MAGNITUDES`,
`STOPS`, `LOOKUP`, `STOP_LOOKUP`).
"""

from __future__ import annotations

# ---- one search -----------------------------------------------------------------------------------
ALPHAS = "alphas.parquet"
METRICS = "metrics.csv"
GENOTYPES = "genotypes.csv"
HESSIAN = "hessian.csv"  # DARTS-ES runs only (hessian_every > 0)
RUN_INFO = "run.json"
CHECKPOINT = "checkpoint.pt"
RUN_LOCK = "search.lock"  # held (fcntl) by the search writing the folder, for its lifetime
RETRAIN_LOCK = "training.lock"  # the same for a retrain folder
SEARCH_PRODUCTS = {"alphas": ALPHAS, "metrics": METRICS, "genotypes": GENOTYPES, "info": RUN_INFO}
MAGNITUDES = "magnitudes.csv"  # Eq. 11 per epoch and op
STOPS = "stops.csv"  # Algorithm 2: criterion, epoch, arch, met, note
LOOKUP = "lookup.csv"  # benchmark accuracies of every epoch's arch
STOP_LOOKUP = "stop_lookup.csv"  # accuracies and search seconds of every stop

# what each name may look like (the workflow's wildcard constraints)
NAME_PATTERNS = {
    "experiment": "[A-Za-z][A-Za-z0-9_]*",
    "space": "[a-z0-9]+(?:-s[0-9]+)?",  # nb201, s3, nb1shot1-s2 (before `-{dataset}`: a hyphen only for -sN)
    "dataset": "[A-Za-z0-9][A-Za-z0-9-]*",
    "method": "[a-z0-9][a-z0-9-]*",
    "run": "[A-Za-z0-9][A-Za-z0-9_.-]*",
    "seed": "[0-9]+",
}
RUN_KEY = "{experiment}/{space}-{dataset}/{method}/{run}/seed{seed}"
RUN_DIR = "results/{experiment}/runs/{space}-{dataset}/{method}/{run}/seed{seed}"
MANIFEST = "results/{experiment}/runs.csv"

# ---- the benchmark and the tabular baselines -----------------------------------------------------
BENCHMARK_TABLE = "results/benchmark/nb201.parquet"
NB101_TABLE = "results/benchmark/nb101.parquet"  # darts_core.benchmark.nb101.table
BENCHMARK_TABLES = {"nb201": BENCHMARK_TABLE, "nb101": NB101_TABLE}  # by `Space.benchmark`


def benchmark_table(space) -> str:
    """The look-up table of a Space object (one with evaluation "benchmark")."""
    return BENCHMARK_TABLES[space.benchmark]

TABULAR_RUNS = "results/tabular/{method}/runs.csv"  # every run of one baseline (tabular.run.RUNS_COLUMNS)
# the official 12-epoch search signal of the tabular baselines, built once from the .pth
TABULAR_PROXY = "results/benchmark/nb201_proxy12.parquet"

# ---- retraining a picked cell (Tables 4-5) ---------------------------------------------------------
# one retrain job = (search run, stop criterion, search seed) x (dataset, protocol, retrain seed)
RETRAIN_RUN_KEY = "{experiment}/{space}-{dataset}/{method}/{run}/{criterion}"
RETRAIN_BASE = "results/{experiment}/retrain/{space}-{dataset}/{method}/{run}/{criterion}"
GENOTYPE_FILE = "genotype.json"  # the picked cell of one search seed
GENOTYPE = RETRAIN_BASE + "/search{seed}/" + GENOTYPE_FILE
RETRAIN_KEY = RETRAIN_RUN_KEY + "/search{seed}/{rdataset}-{protocol}/seed{rseed}"
RETRAIN_DIR = RETRAIN_BASE + "/search{seed}/{rdataset}-{protocol}/seed{rseed}"
RETRAIN_RESULTS = "results.json"
RETRAIN_METRICS = "metrics.csv"
# the tidy table of one (run, criterion, dataset, protocol): every search seed x retrain seed
RETRAIN_SUMMARY = RETRAIN_BASE + "/{rdataset}-{protocol}.csv"

# ---- what the reader gets ----------------------------------------------------------------------------
FIGURE = "results/figures/{figure}.{ext}"
FIGURE_EXTS = ("png", "pdf")
TABLE_FILE = "results/tables/{table}.{ext}"
TABLE_EXTS = ("csv", "md", "tex")
COMPARE_FILE = "results/tables/{table}_vs_paper.{ext}"
COMPARE_EXTS = ("csv", "md")
PROTOCOL = "results/tables/protocol.{ext}"  # every run's settings and their sources
PROTOCOL_EXTS = ("csv", "md")
# the report's front page: every table as HTML and every figure with its caption (darts_core.report.summary)
SUMMARY = "results/report/summary.html"
