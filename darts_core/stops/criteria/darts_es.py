"""`darts_es[:key=value,...]`: RobustDARTS's EVLocalAvg early stop on the dominant Hessian eigenvalues of
hessian.csv (stops/darts_es.py). Keys window, ev_freq, start (es_start_epoch), delta, factor; defaults 5,
inferred (2), 10, 4, 1.3. Online: the same rule on the eigenvalues so far; its own delay is the roll-back
(no patience)."""

from __future__ import annotations

from darts_core.errors import DartsCoreError
from darts_core.stops import OnlineStop, Stop, darts_es
from darts_core.stops.criteria.base import Criterion, upto

KEYS = {"window": "window", "ev_freq": "ev_freq", "start": "es_start_epoch", "es_start_epoch": "es_start_epoch",
        "delta": "delta", "factor": "factor"}


class DartsEs(Criterion):
    form = "{name}[:key=value,...]"
    example = "{name}:window=3,ev_freq=1,start=2,delta=2,factor=1.1"
    needs = frozenset({"hessian"})

    def __init__(self, text: str, name: str, options: dict):
        super().__init__(text, name)
        self.options = options  # darts_es.darts_es_stop keyword arguments

    @classmethod
    def parse(cls, text, name, arg):
        opts = {}
        for part in filter(None, arg.split(",")):
            key, eq, value = part.partition("=")
            if not eq or key.strip() not in KEYS:
                raise DartsCoreError(f"criterion {text!r}: options are key=value with key in {', '.join(sorted(KEYS))}")
            try:
                num = float(value)
            except ValueError:
                raise DartsCoreError(f"criterion {text!r}: {key} needs a number, got {value!r}") from None
            opts[KEYS[key.strip()]] = num if key.strip() == "factor" else int(num)
        return cls(text, name, opts)

    def posthoc(self, run) -> Stop:
        return darts_es.darts_es_stop(run.hessian, run.total_epochs or run.final_epoch, **self.options)

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        if hessian is None or len(hessian) == 0:
            return None
        h = upto(hessian, epoch)
        if h.empty:
            return None
        stop = darts_es.darts_es_stop(h, total_epochs, **self.options)
        return OnlineStop(f"{self.text}: {stop.note}", self.text, stop.epoch, epoch) if stop.met else None
