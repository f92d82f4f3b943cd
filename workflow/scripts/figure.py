"""One figure of the config's `figures:` from its per-run tables (rule `figure`)."""

import sys

from darts_core.report.figures import draw_figure

sys.stderr = open(snakemake.log[0], "w")
spec = snakemake.params.spec
draw_figure(
    spec["kind"],
    snakemake.params.panels,
    snakemake.output.png,
    snakemake.output.pdf,
    title=spec.get("title", snakemake.wildcards.figure),
    metric=spec.get("metric", "cifar10_test"),
    cell=spec.get("cell", "normal"),
)
