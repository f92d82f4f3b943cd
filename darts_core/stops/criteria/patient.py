"""`Patient(criterion, patience)`: declare a criterion's proposed online stop only once `patience` epochs
after its stop epoch have been seen with the criterion still proposing it (a running peak needs later
epochs to be a peak). Wraps any criterion; the post-hoc answer is the wrapped one's (a finished run
shows whether a peak is one). make_online_stop wraps the criteria that set `patient`.
"""

from __future__ import annotations

from darts_core.errors import DartsCoreError
from darts_core.stops import OnlineStop
from darts_core.stops.criteria.base import Criterion


class Patient(Criterion):
    def __init__(self, criterion: Criterion, patience: int):
        if int(patience) != patience or patience < 0:
            raise DartsCoreError(f"{criterion.text}: patience must be an integer >= 0, got {patience!r}")
        super().__init__(criterion.text, criterion.name)
        self.criterion, self.patience = criterion, int(patience)
        self.op, self.needs = criterion.op, criterion.needs

    def posthoc(self, run):
        return self.criterion.posthoc(run)

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        stop = self.criterion.online(epoch, alphas_so_far, hessian, total_epochs=total_epochs)
        if stop is None or epoch - stop.stop_epoch < self.patience:
            return None
        return OnlineStop(f"{stop} (patience {self.patience})", stop.criterion, stop.stop_epoch, epoch)

    def check_online(self, spec, patience, ops):
        self.criterion.check_online(spec, patience, ops)
