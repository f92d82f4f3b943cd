rule magnitudes:
    input:
        alphas=f"{RUN_DIR}/{SEARCH_PRODUCTS['alphas']}",
    output:
        f"{RUN_DIR}/{MAGNITUDES}",
    log:
        f"results/logs/magnitudes/{RUN_KEY}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/magnitudes.py"


rule stops:
    input:
        **{
            key: f"{RUN_DIR}/{SEARCH_PRODUCTS[key]}"
            for key in ("alphas", "genotypes", "info")
        },
    output:
        f"{RUN_DIR}/{STOPS}",
    log:
        f"results/logs/stops/{RUN_KEY}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criteria=lambda w: config["stop_criteria"].get(w.space),
    script:
        "../scripts/stops.py"


rule manifest:
    input:
        lambda w: experiment_products(config, w.experiment),
    output:
        MANIFEST,
    log:
        "results/logs/manifest/{experiment}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        runs=lambda w: study_runs(config, [w.experiment]),
    script:
        "../scripts/manifest.py"
