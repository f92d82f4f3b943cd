rule figure:
    input:
        lambda w: figure_inputs(config, w.figure),
    output:
        png=report(
            FIGURE.replace("{ext}", "png"),
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
        pdf=FIGURE.replace("{ext}", "pdf"),
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure=name_regex(figures_of_kind(config, FIGURE_PRODUCT)),
    conda:
        "../../envs/analysis.yaml"
    params:
        panels=lambda w: figure_panels(config, w.figure),
        spec=lambda w: config["figures"][w.figure],
    script:
        "../scripts/figure.py"
