# The paper's tables (CSV, Markdown, LaTeX), the reported-versus-reproduced tables (NAS-Bench-201
# look-ups: `paper_table`; DARTS-space cells trained from scratch, Tables 4-5: `retrain_table`), the tabular
# baselines of Table 1, and the figures read straight from the benchmark table (Fig. 6(a)) or the Hessian logs
# (Fig. 7). Helpers and file names: tables_common.smk (plain Python, extending common.smk's).


include: "tables_common.smk"


rule stop_lookup:
    input:
        stops=f"{RUN_DIR}/{STOPS}",
        metrics=f"{RUN_DIR}/{SEARCH_PRODUCTS['metrics']}",
        genotypes=f"{RUN_DIR}/{SEARCH_PRODUCTS['genotypes']}",
        table=lambda w: BENCHMARK_TABLE if w.dataset in BENCHMARK_DATASETS else [],
    output:
        f"{RUN_DIR}/{STOP_LOOKUP}",
    log:
        f"results/logs/stop_lookup/{RUN_KEY}.log",
    # the search env: on datasets without a benchmark table each stop's cell is trained (torch)
    conda:
        "../../envs/search.yaml"
    threads: 1
    params:
        data_dir=config["paths"]["data"] if "paths" in config else "data",
        protocol=SCRATCH_PROTOCOL,
        cache_dir="results/scratch",
    script:
        "../scripts/stop_lookup.py"


rule tabular:
    input:
        table=BENCHMARK_TABLE,
    output:
        TABULAR_RESULT,
    log:
        "results/logs/tabular/{method}/seed{seed}.log",
    wildcard_constraints:
        method="rea|rs|reinforce|bohb",
    conda:
        "../../envs/benchmark.yaml"
    params:
        proxy=config["paths"]["nb201_csv"] if "paths" in config else "data/nb201",
    script:
        "../scripts/tabular.py"


rule paper_table:
    input:
        lambda w: table_inputs(config, w.table),
    output:
        csv=report(
            TABLE_FILE.replace("{ext}", "csv"),
            caption="../report/table.rst",
            category="Tables",
            subcategory="{table}",
            labels={"table": "{table}", "file": "CSV"},
        ),
        md=TABLE_FILE.replace("{ext}", "md"),
        tex=TABLE_FILE.replace("{ext}", "tex"),
        compare=report(
            COMPARE_FILE.replace("{ext}", "csv"),
            caption="../report/compare.rst",
            category="Reported vs reproduced",
            labels={"table": "{table}"},
        ),
        compare_md=COMPARE_FILE.replace("{ext}", "md"),
    log:
        "results/logs/tables/{table}.log",
    wildcard_constraints:
        table=name_regex(table_names(config)),
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: config["tables"][w.table],
        experiment=lambda w: table_experiment(config, w.table)[1],
        runs=lambda w: table_runs(config, w.table),
        tabular=lambda w: table_tabular(config, w.table),
        benchmark=lambda w: BENCHMARK_TABLE if uses_benchmark(config, w.table) else None,
        bohb_note=(
            ""
            if HAVE_BOHB
            else "BOHB not run: hpbandster is not installed (pip install -e '.[bohb]'); the paper's number"
        ),
    script:
        "../scripts/table.py"


rule retrain_table:
    input:
        lambda w: [
            p
            for paths in retrain_table_summaries(config, w.table).values()
            for p in paths
        ],
    output:
        csv=report(
            TABLE_FILE.replace("{ext}", "csv"),
            caption="../report/retrain_table.rst",
            category="Tables",
            subcategory="{table}",
            labels={"table": "{table}", "file": "CSV"},
        ),
        md=TABLE_FILE.replace("{ext}", "md"),
        tex=TABLE_FILE.replace("{ext}", "tex"),
        compare=report(
            COMPARE_FILE.replace("{ext}", "csv"),
            caption="../report/compare.rst",
            category="Reported vs reproduced",
            labels={"table": "{table}"},
        ),
        compare_md=COMPARE_FILE.replace("{ext}", "md"),
    log:
        "results/logs/tables/{table}.log",
    wildcard_constraints:
        table=name_regex(retrain_table_names(config)),
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: config["tables"][w.table],
        experiment=lambda w: table_experiment(config, w.table)[1],
        entry=lambda w: retrain_table_entry(config, w.table),
        summaries=lambda w: retrain_table_summaries(config, w.table),
    script:
        "../scripts/retrain_table.py"


rule op_distribution:
    input:
        BENCHMARK_TABLE,
    output:
        png=report(
            FIGURE.replace("{ext}", "png").replace("{figure}", OP_DISTRIBUTION_FIGURE),
            caption="../report/fig6a.rst",
            category="Figures",
            labels={"figure": OP_DISTRIBUTION_FIGURE},
        ),
        pdf=FIGURE.replace("{ext}", "pdf").replace("{figure}", OP_DISTRIBUTION_FIGURE),
    log:
        f"results/logs/figures/{OP_DISTRIBUTION_FIGURE}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/op_distribution.py"


rule hessian_figure:
    input:
        lambda w: hessian_inputs(config, w.figure),
    output:
        png=report(
            FIGURE.replace("{ext}", "png"),
            caption="../report/hessian.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
        pdf=FIGURE.replace("{ext}", "pdf"),
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure=name_regex(figures_of_kind(config, ["hessian"])),
    conda:
        "../../envs/analysis.yaml"
    params:
        panels=lambda w: hessian_panels(config, w.figure),
        spec=lambda w: config["figures"][w.figure],
    script:
        "../scripts/hessian_figure.py"
