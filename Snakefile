# Reproduction of Zhang & Ding, "Delve into the Performance Degradation of Differentiable
# Architecture Search" (CIKM 2021). The study is config.yaml; README.md tells how to run it.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


onstart:
    check_search_data(config)


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
