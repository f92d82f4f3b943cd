"""darts_core: differentiable architecture search, alpha logs, stop criteria and benchmark lookups.

All logic of the pipeline lives here as plain Python; `workflow/scripts/` only adapt Snakemake to it.
"""

__version__ = "0.1.0"
