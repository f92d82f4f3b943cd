"""`python tests/params_dump.py SNAKEMAKE_ARGS... --list-changes params`: every planned job's params as
Snakemake's params rerun trigger records them (rule, outputs, the sorted reprs), one line per job, instead
of the changed outputs. Two processes with different PYTHONHASHSEED must print the same lines, or a
finished workflow would rerun jobs whose params merely came out in another order."""

import sys

import snakemake.api  # noqa: F401  (imports the workflow module in its own order)
from snakemake.workflow import Workflow


def dump(self, change_type):
    self._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True)
    self._build_dag()
    for job in sorted(self.dag.jobs, key=lambda j: (j.rule.name, sorted(map(str, j.output)))):
        print(job.rule.name, " ".join(sorted(map(str, job.output))), self.persistence._params(job))


Workflow.list_changes = dump

if __name__ == "__main__":
    from snakemake.cli import main

    sys.exit(main(sys.argv[1:]))
