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


rule manifest:
    input:
        lambda w: experiment_magnitudes(config, w.experiment),
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
