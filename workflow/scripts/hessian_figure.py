"""Fig. 7: dominant Hessian eigenvalue per epoch beside the derived architecture's accuracy (rule `hessian_figure`)."""

import sys

from darts_core.report.figures_extra import plot_hessian

sys.stderr = open(snakemake.log[0], "w")
spec = snakemake.params.spec
plot_hessian(
    snakemake.params.panels,
    snakemake.output.png,
    snakemake.output.pdf,
    title=spec.get("title", snakemake.wildcards.figure),
    metric=spec.get("metric", "cifar10_test"),
)
