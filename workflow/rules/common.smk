"""The workflow's adapter to the study (darts_core.study): the checked config, file names, wildcards, and
input functions. Logic lives in the package; rules only say what depends on what."""

from darts_core import layout
from darts_core.study import load_study
from darts_core.study.config import reread_strictly
from darts_core.study.searches import check_device, check_search_data
from darts_core.study.products import SCRATCH_PROTOCOL, TABULAR_METHODS
from darts_core.study.retrain import PUBLISHED
from darts_core.train.protocols import FOLDER_DATASETS, RETRAIN_DATASETS

# every config file re-read as written (Snakemake's YAML 1.1 reader keeps the last of duplicate keys, reads
# 010 as 8 and 1:30 as 90, leaves 3e-4 a string): one line naming the file and line
reread_strictly(config, workflow.configfiles)
# schema (one-line errors), defaults, cross-checks and every search's settings, before any job
STUDY = load_study(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")

RUN_DIR, RUN_KEY = layout.RUN_DIR, layout.RUN_KEY
SEARCH_PRODUCTS = layout.SEARCH_PRODUCTS

WILDCARDS = layout.NAME_PATTERNS

# retraining datasets: the CIFAR-style loaders, and the image folders (rule retrain_imagenet)
CIFAR_STYLE_DATASETS = "|".join(d for d in RETRAIN_DATASETS if d not in FOLDER_DATASETS)
FOLDER_DATASETS = "|".join(FOLDER_DATASETS)


def run_file(name):
    """A file of the search run directory (darts_core.layout)."""
    return f"{RUN_DIR}/{name}"


def figure_output(ext):
    return layout.FIGURE.replace("{ext}", ext)


def table_output(template, ext):
    return template.replace("{ext}", ext)


def finished_message():
    """The closing line (Snakefile `onsuccess`): where the reader's products are (the working directory:
    the demo profile's `directory`)."""
    import os

    here = os.getcwd()
    return (
        f"Done. Tables: {here}/{layout.TABLE_FILE.split('{')[0]} (.md, .csv, .tex); figures: "
        f"{here}/{layout.FIGURE.split('{')[0]} (.png, .pdf); all on one page: {here}/{layout.SUMMARY}, "
        f"or `snakemake --report report.html` with the same profile/config options as this run "
        f"(written to {here}/report.html)."
    )
