# Training the selected cells from scratch (Tables 4 and 5, issue 8). For every entry of the config's
# `retrain` section, every search run of its (DARTS-space) experiment, every stop criterion it lists and
# every search seed in `search_seeds`:
#   published_genotype  a published cell a table row names (`genotype: DARTS_V2`), trained as a baseline
#                     under the same entry: .../{space}-published/published/DARTS_V2/final/search0/genotype.json
#   genotype          the cell at the criterion's stop epoch (stops.csv + genotypes.csv of the search) and
#                     the search's wall time up to it (metrics.csv, device from run.json) ->
#                       results/{experiment}/retrain/{space}-{dataset}/{method}/{run}/{criterion}/search{seed}/genotype.json
#   retrain           (CIFAR / digits) and
#   retrain_imagenet  (ImageNet from paths.imagenet; the folder is checked when the job runs, not in the DAG)
#                     train it once per retrain seed under the entry's protocol (darts_core.train, per-epoch
#                     checkpoint, resumed after a preemption) ->
#                       .../{criterion}/search{seed}/{rdataset}-{protocol}/seed{rseed}/{results.json,metrics.csv}
#   retrain_summary   one tidy CSV per (run, criterion, dataset, protocol), a row per search seed x retrain
#                     seed -> results/{experiment}/retrain/{space}-{dataset}/{method}/{run}/{criterion}/{rdataset}-{protocol}.csv
#                     columns: experiment, run, criterion, search_seed, retrain_seed, params_m, test_error,
#                     top1_error, top5_error (percent; test_error = top1_error), then dataset, protocol,
#                     epochs, stop_epoch, met, genotype, search_seconds (wall seconds of the search up to
#                     the stop epoch), search_device.
# {criterion} is the stop criterion with ':' -> '-', '+' -> 'plus', '@' -> '.' (common.smk criterion_slug:
# ss_residual:sep_conv_5x5 -> ss_residual-sep_conv_5x5); the CSV's `criterion` column keeps the config's name.
# Tables (rule retrain_table): retrain_table_summaries(config, table) gives each row's CSVs from the table's
# `retrain` entry (paper: table4_cifar10 -> Table 4, table5_imagenet -> Table 5), matched by (run,
# criterion) or by the published genotype; retrain_summaries(config, [entry]) lists an entry's CSVs.


wildcard_constraints:
    criterion=name_regex(retrain_criteria(config)),
    rdataset="|".join(RETRAIN_DATASETS),
    protocol="[a-z0-9][a-z0-9-]*",
    rseed="[0-9]+",


rule genotype:
    input:
        stops=f"{RUN_DIR}/{STOPS}",
        genotypes=f"{RUN_DIR}/{SEARCH_PRODUCTS['genotypes']}",
        metrics=f"{RUN_DIR}/{SEARCH_PRODUCTS['metrics']}",
        info=f"{RUN_DIR}/{SEARCH_PRODUCTS['info']}",
    output:
        GENOTYPE,
    log:
        f"results/logs/genotype/{RETRAIN_RUN_KEY}/search{{seed}}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criterion=lambda w: retrain_criteria(config)[w.criterion],
    script:
        "../scripts/genotype.py"


# a published cell (table row `genotype: DARTS_V2`) instead of a search's pick; the retrain rules follow
ruleorder: published_genotype > genotype


rule published_genotype:
    output:
        GENOTYPE,
    log:
        f"results/logs/genotype/{RETRAIN_RUN_KEY}/search{{seed}}.log",
    wildcard_constraints:
        dataset=PUBLISHED,
        method=PUBLISHED,
        criterion="final",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/published_genotype.py"


rule retrain:
    input:
        GENOTYPE,
    output:
        results=f"{RETRAIN_DIR}/results.json",
        metrics=f"{RETRAIN_DIR}/metrics.csv",
    log:
        f"results/logs/retrain/{RETRAIN_KEY}.log",
    benchmark:
        f"results/benchmarks/retrain/{RETRAIN_KEY}.tsv"
    wildcard_constraints:
        rdataset="cifar10|cifar100|digits",
    conda:
        "../../envs/search.yaml"
    threads: lambda w: retrain_spec(config, w)["settings"]["threads"]
    resources:
        gpu=lambda w: retrain_spec(config, w)["settings"]["gpus"],
        mem_mb=lambda w: retrain_spec(config, w)["settings"]["mem_mb"],
        runtime=lambda w: retrain_minutes(config, w),
    params:
        overrides=lambda w: retrain_spec(config, w)["settings"].get("overrides", {}),
        data=config["paths"]["data"],
    script:
        "../scripts/retrain.py"


rule retrain_imagenet:
    input:
        GENOTYPE,
    output:
        results=f"{RETRAIN_DIR}/results.json",
        metrics=f"{RETRAIN_DIR}/metrics.csv",
    log:
        f"results/logs/retrain/{RETRAIN_KEY}.log",
    benchmark:
        f"results/benchmarks/retrain/{RETRAIN_KEY}.tsv"
    wildcard_constraints:
        rdataset="imagenet",
    conda:
        "../../envs/search.yaml"
    threads: lambda w: retrain_spec(config, w)["settings"]["threads"]
    resources:
        gpu=lambda w: retrain_spec(config, w)["settings"]["gpus"],
        mem_mb=lambda w: retrain_spec(config, w)["settings"]["mem_mb"],
        runtime=lambda w: retrain_minutes(config, w),
    params:
        overrides=lambda w: retrain_spec(config, w)["settings"].get("overrides", {}),
        data=config["paths"].get("imagenet", "data/imagenet"),
    script:
        "../scripts/retrain.py"


rule retrain_summary:
    input:
        lambda w: retrain_results(config, w),
    output:
        RETRAIN_SUMMARY,
    log:
        f"results/logs/retrain_summary/{RETRAIN_RUN_KEY}/{{rdataset}}-{{protocol}}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criterion=lambda w: retrain_criteria(config)[w.criterion],
    script:
        "../scripts/retrain_summary.py"
