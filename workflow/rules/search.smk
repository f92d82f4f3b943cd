rule search:
    output:
        **{key: run_file(name) for key, name in SEARCH_PRODUCTS.items()},
    log:
        f"results/logs/search/{RUN_KEY}.log",
    benchmark:
        f"results/benchmarks/search/{RUN_KEY}.tsv"
    conda:
        "../../envs/search.yaml"
    threads: config["compute"]["threads_per_search"]
    resources:
        gpu=config["compute"]["gpus_per_search"],
        mem_mb=config["compute"]["mem_mb_per_search"],
        runtime=lambda w: STUDY.search_minutes(w.experiment, w.run, w.dataset),
    params:
        settings=lambda w: STUDY.search_settings(w.experiment, w.run, w.dataset, w.seed),
    script:
        "../scripts/search.py"


# ---- packed seeds (compute.seeds_per_job > 1; darts_core.study.packs) ----
# One job per group of seeds of one setting; its outputs are the group's run-folder products, the files
# rule `search` names one seed at a time. Snakemake prefers these rules (no wildcards) for those files, so
# each of them has one producer; the seeds left over stay with rule `search`.
for pack in STUDY.search_packs():

    rule:
        name:
            pack["rule"]
        output:
            **pack["outputs"],
        log:
            pack["log"],
        benchmark:
            pack["benchmark"]
        conda:
            "../../envs/search.yaml"
        threads: config["compute"]["threads_per_search"]
        resources:
            gpu=config["compute"]["gpus_per_search"],
            mem_mb=pack["mem_mb"],
            runtime=pack["minutes"],
        params:
            settings=pack["settings"],
            dirs=pack["dirs"],
        script:
            "../scripts/search_packed.py"
