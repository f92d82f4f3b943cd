"""The criterion registry: every registered criterion parses and round-trips its text, agrees post hoc
(Algorithm 2) and online (Algorithm 1) on real logs, and composes with Patient; a new criterion is one
class plus one registry line (the toy below)."""

import subprocess
import sys

import pandas as pd
import pytest

from darts_core.errors import DartsCoreError
from darts_core.importers import import_log
from darts_core.spaces import nb201
from darts_core.stops import OnlineStop, Stop
from darts_core.stops.criteria import CRITERIA, FORMS, Criterion, Patient, evaluate, forms, parse_criterion
from darts_core.stops.online import make_online_stop

from conftest import REPO

ASQ_NB201 = "darts-logs/AsquaredM/dartspt/experiments/nasbench201/search-darts-201-0/log.txt"  # alphas, genotypes
RD_S1 = "darts-logs/RobustDARTS/experiments/search_logs/s1/cifar10/0.0_0.0003-2516843"  # genotypes, eigenvalues
ON_ALPHAS = ("final", "ss_peak:nor_conv_3x3", "ss_residual:nor_conv_3x3", "ss_peak:skip_connect", "darts+_sc:2",
             "darts+_rt:2", "darts+_rt:10")
ON_HESSIAN = ("darts_es", "darts_es:factor=1.0,start=2")
PATIENCE = 3


@pytest.mark.parametrize("name", list(CRITERIA))
def test_every_criterion_round_trips_its_text(name):
    text = CRITERIA[name].example.format(name=name)
    c = parse_criterion(f"  {text} ")
    assert type(c) is CRITERIA[name] and c.text == text and c.name == name
    assert parse_criterion(c.text) == c


def test_forms_come_from_the_registry():
    assert FORMS == forms() == ("final, ss_peak:<op>[@cell], ss_residual:<op>[@cell], darts+_sc:<k>, darts+_rt:<k>, "
                                "darts_es[:key=value,...]")
    with pytest.raises(DartsCoreError, match=r"^unknown stop criterion 'best'; forms: final, ss_peak"):
        parse_criterion("best")


@pytest.fixture(scope="module")
def nb201_alphas(shared_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("asq")
    import_log("darts-pt", shared_data / ASQ_NB201, run)
    return pd.read_parquet(run / "alphas.parquet")


@pytest.fixture(scope="module")
def rd_run(shared_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("rd")
    import_log("robustdarts", shared_data / RD_S1, run)
    return run, pd.read_csv(run / "hessian.csv")


def first_online_stop(spec, epochs, call, patience=PATIENCE, ops=nb201.OPS, total_epochs=None):
    fn = make_online_stop(spec, patience, ops, total_epochs=total_epochs)
    return next((r for e in epochs if (r := call(fn, e)) is not None), None)


def test_the_real_logs_cover_every_criterion():
    assert {parse_criterion(t).name for t in ON_ALPHAS + ON_HESSIAN} == set(CRITERIA)


@pytest.mark.parametrize("spec", ON_ALPHAS)
def test_posthoc_and_online_agree_on_a_real_alpha_log(spec, nb201_alphas):
    al = nb201_alphas  # post hoc on the alphas alone: both read the same derived architectures
    T = int(al["epoch"].max())
    posthoc = evaluate(al, [spec]).iloc[0]
    online = first_online_stop(spec, range(T + 1), lambda fn, e: fn(e, al[al["epoch"] <= e]))
    if spec == "final" or not posthoc["met"]:
        assert online is None
        return
    assert (online.criterion, online.stop_epoch) == (spec, posthoc["epoch"])
    # the online stop is the post-hoc one of the run as far as the search had seen
    seen = evaluate(al[al["epoch"] <= online.at_epoch], [spec]).iloc[0]
    assert (seen["epoch"], seen["met"]) == (online.stop_epoch, True)


@pytest.mark.parametrize("spec", ON_HESSIAN)
def test_posthoc_and_online_agree_on_real_eigenvalues(spec, rd_run):
    run, h = rd_run
    posthoc = evaluate(run, [spec]).iloc[0]
    assert posthoc["met"]
    online = first_online_stop(spec, range(51), lambda fn, e: fn(e, None, hessian=h[h["epoch"] <= e]), total_epochs=50)
    assert online.stop_epoch == posthoc["epoch"] and online.startswith(f"{spec}: {posthoc['note']}")
    seen = evaluate(run, [spec], hessian=h[h["epoch"] <= online.at_epoch]).iloc[0]
    assert (seen["epoch"], seen["met"]) == (online.stop_epoch, True)


@pytest.mark.parametrize("spec", ON_ALPHAS)
def test_patient_wraps_every_criterion(spec, nb201_alphas):
    al = nb201_alphas[nb201_alphas["epoch"] <= 40]
    c = parse_criterion(spec)
    bare = {e: c.online(e, al) for e in range(1, 41)}
    waited = Patient(c, 5)
    for e in range(1, 41):
        got, proposed = waited.online(e, al), bare[e]
        if proposed is None or e - proposed.stop_epoch < 5:
            assert got is None
        else:
            assert got == f"{proposed} (patience 5)" and (got.stop_epoch, got.at_epoch) == (proposed.stop_epoch, e)


def test_patience_applies_to_peaks_only(nb201_alphas):
    al = nb201_alphas
    call = lambda fn, e: fn(e, al[al["epoch"] <= e])  # noqa: E731
    for spec in ("darts+_sc:2", "darts+_rt:2"):  # accept patience >= 0 and ignore it
        assert first_online_stop(spec, range(40), call, patience=7) == first_online_stop(spec, range(40), call, patience=0)
    with pytest.raises(DartsCoreError, match=r"'darts\+_sc:2': patience must be >= 0, got -1"):
        make_online_stop("darts+_sc:2", -1, nb201.OPS)
    with pytest.raises(DartsCoreError, match="needs patience >= 1 to declare a peak, got 0"):
        make_online_stop("ss_peak:nor_conv_3x3", 0, nb201.OPS)


# --- a new criterion: one class, one registry line ---------------------------------------------------
class StopAt(Criterion):
    """`at:<e>`: stop at epoch e (if the run gets there)."""

    form, example = "{name}:<epoch>", "{name}:3"

    def __init__(self, text, name, at):
        super().__init__(text, name)
        self.at = at

    @classmethod
    def parse(cls, text, name, arg):
        return cls(text, name, int(arg)) if arg.isdigit() else None

    def posthoc(self, run):
        if self.at > run.final_epoch:
            return Stop(run.final_epoch, False, f"the run ends before epoch {self.at}")
        return Stop(self.at, True, f"epoch {self.at}")

    def online(self, epoch, alphas_so_far, hessian=None, *, total_epochs=None):
        return OnlineStop(f"{self.text}: epoch {self.at}", self.text, self.at, epoch) if epoch >= self.at else None


def test_a_new_criterion_is_one_class_and_one_registry_line(monkeypatch, nb201_alphas):
    monkeypatch.setitem(CRITERIA, "at", StopAt)  # the one line
    al = nb201_alphas[nb201_alphas["epoch"] <= 10]
    assert forms().endswith(", at:<epoch>")
    with pytest.raises(DartsCoreError, match=r"unknown stop criterion 'at:x'; forms: .*, at:<epoch>$"):
        parse_criterion("at:x")
    stops = evaluate(al, ["at:3", "at:20", "final"])
    assert stops[["epoch", "met"]].values.tolist() == [[3, True], [10, False], [10, True]]
    assert stops.loc[1, "note"] == "never met, final epoch used: the run ends before epoch 20"
    assert first_online_stop("at:3", range(11), lambda fn, e: fn(e, al)) == "at:3: epoch 3"
    # patience composes with it as with any criterion
    waited = Patient(parse_criterion("at:3"), 4)
    got = next(r for e in range(11) if (r := waited.online(e, al)) is not None)
    assert got == "at:3: epoch 3 (patience 4)" and (got.stop_epoch, got.at_epoch) == (3, 7)


def test_stops_imports_neither_torch_nor_the_search():
    code = ("import sys, darts_core.stops.criteria, darts_core.stops.online, darts_core.stops.cli; "
            "print([m for m in sorted(sys.modules) if m == 'torch' or m.startswith('darts_core.search')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
