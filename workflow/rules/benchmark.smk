rule benchmark_table:
    output:
        layout.BENCHMARK_TABLE,
    log:
        "results/logs/benchmark_table.log",
    conda:
        "../../envs/benchmark.yaml"
    resources:
        mem_mb=32000 if config["paths"]["nb201_source"] == "pth" else 4000,
        runtime=120,
    params:
        source=config["paths"]["nb201_source"],
        pth=config["paths"]["nb201_benchmark"],
        sha256=config["paths"].get("nb201_sha256"),
        trust_unverified=config["paths"]["nb201_trust_unverified"],
        csv_dir=config["paths"]["nb201_csv"],
    script:
        "../scripts/benchmark_table.py"


rule nb101_table:
    output:
        layout.NB101_TABLE,
    log:
        "results/logs/nb101_table.log",
    conda:
        "../../envs/benchmark.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        tfrecord=config["paths"]["nb101_tfrecord"],
        download=config["paths"]["download"],
    script:
        "../scripts/nb101_table.py"


rule lookup:
    input:
        genotypes=run_file(layout.GENOTYPES),
        table=lambda w: STUDY.benchmark_table_for(w.space, w.dataset),
    output:
        run_file(layout.LOOKUP),
    log:
        f"results/logs/lookup/{RUN_KEY}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/lookup.py"
