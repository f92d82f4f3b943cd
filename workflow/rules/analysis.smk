rule magnitudes:
    input:
        alphas=run_file(layout.ALPHAS),
    output:
        run_file(layout.MAGNITUDES),
    log:
        f"results/logs/magnitudes/{RUN_KEY}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/magnitudes.py"


rule stops:
    input:
        alphas=run_file(layout.ALPHAS),
        genotypes=run_file(layout.GENOTYPES),
        info=run_file(layout.RUN_INFO),
    output:
        run_file(layout.STOPS),
    log:
        f"results/logs/stops/{RUN_KEY}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        criteria=lambda w: STUDY.stop_criteria(w.space),
    script:
        "../scripts/stops.py"


rule manifest:
    input:
        lambda w: STUDY.experiment_products(w.experiment),
    output:
        layout.MANIFEST,
    log:
        "results/logs/manifest/{experiment}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        runs=lambda w: STUDY.runs([w.experiment]),
    script:
        "../scripts/manifest.py"
