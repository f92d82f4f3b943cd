"""One figure of any kind (rule `figure`): its kind's drawing function on its inputs."""

import sys

from darts_core.report.kinds import figure_kind, resolve

sys.stderr = open(snakemake.log[0], "w")
figure = snakemake.params.figure
draw = resolve(figure_kind(figure["kind"]).draw)
draw(figure["inputs"], figure["spec"], snakemake.output.png, snakemake.output.pdf)
