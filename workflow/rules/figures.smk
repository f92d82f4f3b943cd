# Every figure, of every kind (darts_core.report.kinds.FIGURE_KINDS): the config's `figures` and Fig. 6(a).


rule figure:
    input:
        lambda w: STUDY.figure_inputs(w.figure),
    output:
        png=report(
            figure_output("png"),
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
        pdf=figure_output("pdf"),
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure=STUDY.names_regex("figure"),
    conda:
        "../../envs/analysis.yaml"
    params:
        figure=lambda w: STUDY.figure_params(w.figure),
    script:
        "../scripts/figure.py"
