# The paper's tables, of both kinds (darts_core.report.kinds.TABLE_KINDS: benchmark look-ups, and cells
# trained from scratch for Tables 4-5), with the reported-vs-reproduced table beside each; the per-run
# accuracies of every stop and the tabular baselines of Table 1 they read.


rule stop_lookup:
    input:
        stops=run_file(layout.STOPS),
        metrics=run_file(layout.METRICS),
        genotypes=run_file(layout.GENOTYPES),
        table=lambda w: STUDY.benchmark_table_for(w.space, w.dataset),
    output:
        run_file(layout.STOP_LOOKUP),
    log:
        f"results/logs/stop_lookup/{RUN_KEY}.log",
    # the search env: on datasets without a benchmark table each stop's cell is trained (torch)
    conda:
        "../../envs/search.yaml"
    threads: 1
    params:
        data_dir=config["paths"]["data"],
        protocol=SCRATCH_PROTOCOL,
        cache_dir="results/scratch",
    script:
        "../scripts/stop_lookup.py"


rule tabular_proxy:
    output:
        layout.TABULAR_PROXY,
    log:
        "results/logs/tabular/proxy.log",
    conda:
        "../../envs/benchmark.yaml"
    resources:
        mem_mb=32000,
        runtime=120,
    params:
        pth=config["paths"]["nb201_benchmark"],
    script:
        "../scripts/tabular_proxy.py"


rule tabular:
    input:
        table=layout.BENCHMARK_TABLE,
        proxy=STUDY.tabular_proxy(),
    output:
        layout.TABULAR_RUNS,
    log:
        "results/logs/tabular/{method}.log",
    wildcard_constraints:
        method="|".join(TABULAR_METHODS),
    conda:
        "../../envs/benchmark.yaml"
    resources:
        runtime=120,
    params:
        runs=config["tabular"]["runs"],
        csv_dir=config["paths"]["nb201_csv"],
    script:
        "../scripts/tabular.py"


rule table:
    input:
        lambda w: STUDY.table_inputs(w.table),
    output:
        csv=report(
            table_output(layout.TABLE_FILE, "csv"),
            caption="../report/table.rst",
            category="Tables",
            subcategory="{table}",
            labels={"table": "{table}", "file": "CSV"},
        ),
        md=table_output(layout.TABLE_FILE, "md"),
        tex=table_output(layout.TABLE_FILE, "tex"),
        compare=report(
            table_output(layout.COMPARE_FILE, "csv"),
            caption="../report/compare.rst",
            category="Reported vs reproduced",
            labels={"table": "{table}"},
        ),
        compare_md=table_output(layout.COMPARE_FILE, "md"),
    log:
        "results/logs/tables/{table}.log",
    wildcard_constraints:
        table=STUDY.names_regex("table"),
    conda:
        "../../envs/analysis.yaml"
    params:
        table=lambda w: STUDY.table_params(w.table),
    script:
        "../scripts/table.py"


rule protocol:
    output:
        md=report(
            layout.PROTOCOL.replace("{ext}", "md"),
            caption="../report/protocol.rst",
            category="Tables",
            labels={"table": "protocol"},
        ),
        csv=layout.PROTOCOL.replace("{ext}", "csv"),
    log:
        "results/logs/tables/protocol.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        protocol=STUDY.protocol(),
    script:
        "../scripts/protocol.py"
