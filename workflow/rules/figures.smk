rule magnitude_figure:
    input:
        lambda w: figure_inputs(config, w.figure),
    output:
        png=report(
            FIGURE.replace("{ext}", "png"),
            caption="../report/magnitudes.rst",
            category="Operation magnitudes",
            labels={"figure": "{figure}"},
        ),
        pdf=FIGURE.replace("{ext}", "pdf"),
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure=name_regex(figures_of_kind(config, ["magnitudes"])),
    conda:
        "../../envs/analysis.yaml"
    params:
        panels=lambda w: figure_panels(config, w.figure),
        title=lambda w: config["figures"][w.figure].get("title", w.figure),
    script:
        "../scripts/magnitude_figure.py"


rule accuracy_figure:
    input:
        lambda w: figure_inputs(config, w.figure),
    output:
        png=report(
            FIGURE.replace("{ext}", "png"),
            caption="../report/accuracy_curves.rst",
            category="Accuracy curves",
            labels={"figure": "{figure}"},
        ),
        pdf=FIGURE.replace("{ext}", "pdf"),
    log:
        "results/logs/figures/{figure}.log",
    wildcard_constraints:
        figure=name_regex(figures_of_kind(config, ["accuracy_curves"])),
    conda:
        "../../envs/analysis.yaml"
    params:
        panels=lambda w: figure_panels(config, w.figure),
        title=lambda w: config["figures"][w.figure].get("title", w.figure),
        metric=lambda w: config["figures"][w.figure].get("metric", "cifar10_test"),
    script:
        "../scripts/accuracy_figure.py"
