# The report's front page: every table as HTML, every figure with its caption (darts_core.report.summary);
# workflow/report/workflow.rst puts it where `snakemake --report` opens.


rule summary:
    input:
        lambda w: STUDY.summary_inputs(),
    output:
        report(
            layout.SUMMARY,
            caption="../report/summary.rst",
            category="Summary",
            labels={"page": "tables and figures"},
        ),
    log:
        "results/logs/summary.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        summary=lambda w: STUDY.summary_params(),
    script:
        "../scripts/summary.py"
