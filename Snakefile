# Reproduction of Zhang & Ding, "Delve into the Performance Degradation of Differentiable
# Architecture Search" (CIKM 2021). The study is config.yaml; README.md tells how to run it.
from snakemake.utils import min_version, validate
from darts_core.search.config import resolve_config

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


check_schema(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")
validate(config, "workflow/schemas/config.schema.yaml")
check_study(config, *implemented())
SEARCHES = resolved_searches(config, resolve_config)


onstart:
    check_search_data(config)


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
    paper_table,
    retrain_table,
    op_distribution,
    hessian_figure,


include: "workflow/rules/search.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/retrain.smk"
include: "workflow/rules/tables.smk"


rule all:
    default_target: True
    input:
        final_outputs(config),
        table_outputs(config),
