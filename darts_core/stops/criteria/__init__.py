"""Stop criteria, one class per file (the interface: base.Criterion), registered by name in registry.py.

Criterion texts (parse_criterion):
- `final`: the last epoch of the run (final.py).
- `ss_peak:<op>[@cell]`, `ss_residual:<op>[@cell]`: Eq. 12 / Eq. 13, cell default normal (selective.py).
- `darts+_sc:<k>`, `darts+_rt:<k>`: DARTS+ (darts_plus_sc.py, darts_plus_rt.py).
- `darts_es[:key=value,...]`: RobustDARTS EVLocalAvg on hessian.csv (darts_es.py).
Patience (online only) composes: patient.Patient(criterion, patience).

Algorithm 2 (post hoc, the stops table): posthoc.evaluate on a run read by run_data.load_run.
Algorithm 1 (online, during the search): darts_core.stops.online.make_online_stop.
"""

from darts_core.stops.criteria.base import Criterion
from darts_core.stops.criteria.patient import Patient
from darts_core.stops.criteria.posthoc import (STOP_COLUMNS, STOPS,
                                               add_lookups, default_criteria, evaluate, has_arch_parameters, write_stops)
from darts_core.stops.criteria.registry import (CRITERIA, FORMS, check_online_stop, forms, needs_arch_parameters,
                                                parse_criterion)
from darts_core.stops.criteria.run_data import RunData, load_run, read_genotypes

__all__ = [
    "CRITERIA", "FORMS", "STOPS", "STOP_COLUMNS", "Criterion", "Patient",
    "RunData", "add_lookups", "check_online_stop", "default_criteria", "evaluate", "forms", "has_arch_parameters",
    "load_run", "needs_arch_parameters", "parse_criterion", "read_genotypes", "write_stops",
]
