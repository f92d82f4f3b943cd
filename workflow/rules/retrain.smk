# Training the selected cells from scratch (Tables 4 and 5): for every entry of the config's `retrain`
# section, every search run of its experiment, every stop criterion it lists and every search seed
# (darts_core.study.retrain; paths in darts_core.layout):
#   genotype / published_genotype  the cell a criterion picked (darts_core.train.picked), or a published one
#   retrain                        trained once per retrain seed under the entry's protocol (resumes after a
#                                  preemption); retrain_imagenet the same on the ImageNet folder. An entry's
#                                  `gpus` > 1: one job of that many GPUs (Slurm --gpus=N), torchrun with one
#                                  process per GPU (workflow/scripts/retrain.py). The time limit is capped at
#                                  the entry's max_job_minutes: a longer training stops after a checkpoint
#                                  and the job's retries (sized by darts_core.study.retrain) resume it
#   retrain_summary                one tidy CSV per (run, criterion, dataset, protocol)
# {criterion} is the stop criterion as a path segment (darts_core.study.retrain.criterion_slug).


wildcard_constraints:
    criterion=STUDY.names_regex("criterion"),
    rdataset="|".join(RETRAIN_DATASETS),
    protocol="[a-z0-9][a-z0-9-]*",
    rseed="[0-9]+",


rule genotype:
    input:
        stops=run_file(layout.STOPS),
        genotypes=run_file(layout.GENOTYPES),
        metrics=run_file(layout.METRICS),
        info=run_file(layout.RUN_INFO),
    output:
        layout.GENOTYPE,
    log:
        f"results/logs/genotype/{layout.RETRAIN_RUN_KEY}/search{{seed}}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criterion=lambda w: STUDY.criterion(w.criterion),
    script:
        "../scripts/genotype.py"


# a published cell (table row `genotype: DARTS_V2`) instead of a search's pick; the retrain rules follow
ruleorder: published_genotype > genotype


rule published_genotype:
    output:
        layout.GENOTYPE,
    log:
        f"results/logs/genotype/{layout.RETRAIN_RUN_KEY}/search{{seed}}.log",
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
        layout.GENOTYPE,
    output:
        results=f"{layout.RETRAIN_DIR}/{layout.RETRAIN_RESULTS}",
        metrics=f"{layout.RETRAIN_DIR}/{layout.RETRAIN_METRICS}",
    log:
        f"results/logs/retrain/{layout.RETRAIN_KEY}.log",
    benchmark:
        f"results/benchmarks/retrain/{layout.RETRAIN_KEY}.tsv"
    wildcard_constraints:
        rdataset=CIFAR_STYLE_DATASETS,
    retries: STUDY.retrain_retries(CIFAR_STYLE_DATASETS.split("|"))
    conda:
        "../../envs/search.yaml"
    threads: lambda w: STUDY.retrain_spec(w)["settings"]["threads"]
    resources:
        gpu=lambda w: STUDY.retrain_spec(w)["settings"]["gpus"],
        mem_mb=lambda w: STUDY.retrain_spec(w)["settings"]["mem_mb"],
        runtime=lambda w: STUDY.retrain_minutes(w),
    params:
        overrides=lambda w: STUDY.retrain_spec(w)["settings"].get("overrides", {}),
        data=config["paths"]["data"],
    script:
        "../scripts/retrain.py"


# the same on an image-folder dataset (paths.imagenet; the folder is checked when the job runs)
use rule retrain as retrain_imagenet with:
    wildcard_constraints:
        rdataset=FOLDER_DATASETS,
    retries: STUDY.retrain_retries(FOLDER_DATASETS.split("|"))
    params:
        overrides=lambda w: STUDY.retrain_spec(w)["settings"].get("overrides", {}),
        data=config["paths"]["imagenet"],


rule retrain_summary:
    input:
        lambda w: STUDY.retrain_results(w),
    output:
        layout.RETRAIN_SUMMARY,
    log:
        f"results/logs/retrain_summary/{layout.RETRAIN_RUN_KEY}/{{rdataset}}-{{protocol}}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criterion=lambda w: STUDY.criterion(w.criterion),
    script:
        "../scripts/retrain_summary.py"
