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
