# Reproduction of Zhang & Ding, "Delve into the Performance Degradation of Differentiable
# Architecture Search" (CIKM 2021). The study is config.yaml; README.md tells how to run it.
import os

from snakemake.utils import min_version

min_version("9.0")


# Snakemake's own reader names neither file nor line for a YAML error; ours does (a --configfile is read by
# Snakemake before this file runs: `python -m darts_core study --configfile F` names its line)
if os.path.exists("config.yaml"):
    from darts_core.study.config import load_yaml_strictly

    load_yaml_strictly("config.yaml")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


onstart:
    check_search_data(config)
    check_device(config, workflow.local_exec)


onsuccess:
    print(finished_message())


report: "workflow/report/workflow.rst"


wildcard_constraints:
    **WILDCARDS,


localrules:
    all,
    magnitudes,
    stops,
    manifest,
    lookup,
    figure,
    genotype,
    retrain_summary,
    table,
    protocol,
    summary,


include: "workflow/rules/search.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/retrain.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        STUDY.targets(),
