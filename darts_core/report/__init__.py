"""Figures and tables of the study, drawn from the run products (darts_core.runlog) and their derivatives."""
