"""Bad input, everywhere a user can give it (tests/bad_input_catalog.py): each is rejected with the expected
error type and a one-line message that names the input and says what is wrong (never a traceback of a
KeyError or a library's exception); `python tests/bad_input_catalog.py` prints them all. A case whose check
is missing in a file owned elsewhere (`gap`) is a strict xfail: it fails once the check exists."""

from __future__ import annotations

import pytest

from bad_input_catalog import CASES, Case, UserFacingError, snakemake_error


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.gap)] if case.gap else []
        yield pytest.param(case, id=f"{case.category}: {case.what}", marks=marks)


@pytest.mark.parametrize("case", _params())
def test_bad_input_gets_one_clear_line(case: Case, tmp_path):
    with pytest.raises(Exception) as info:
        case.provoke(tmp_path)
    err = info.value
    kind = err.kind if isinstance(err, UserFacingError) else type(err).__name__
    message = str(err)
    assert kind == case.error, f"{kind}: {message}"
    assert message and "\n" not in message, message  # a subprocess: its error is this one line
    assert "Traceback" not in message
    assert case.names in message, f"the input {case.names!r} is not named in {message!r}"
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_the_catalog_covers_every_kind_of_input():
    kinds = {c.category for c in CASES}
    assert kinds >= {"config", "search settings", "dataset", "benchmark", "genotype", "alpha log", "checkpoint",
                     "stop criterion", "retrain", "CLI"}
    assert len({c.what for c in CASES}) == len(CASES)
    assert all(c.names and c.expect for c in CASES)


def test_the_good_inputs_the_cases_edit_are_accepted(tmp_path):
    """Each case changes one thing of a good input: unchanged, the same entry points accept it (so a case
    fails on its own bad input, not on its starting point)."""
    import bad_input_catalog as bic
    from darts_core.benchmark.nb201_index import index_to_arch
    from darts_core.spaces import darts

    a, r, t = (tmp_path / name for name in "art")
    for folder in (a, r, t):
        folder.mkdir()
    assert len(bic.study_check(lambda cfg: None)(tmp_path)) > 0  # the paper config, every search resolved
    assert len(bic.alpha_log(lambda df: df)(a)) == 60
    assert len(bic.run_dir()(r)) > 0  # the stops of the good run directory
    assert bic.darts_genotype("Genotype(", "Genotype(")(tmp_path) == darts.published("DARTS_V2")
    assert bic.nb201_arch(bic.NB201_ZEROS)(tmp_path) == ("none",) * 6
    assert len(bic._table(t, bic._table_rows([index_to_arch(i) for i in range(3)]))) == 3
    assert bic.protocol("demo", epochs=2)(tmp_path).epochs == 2
    assert bic.search_config(online_stop="ss_residual:nor_conv_3x3", online_patience=2)(tmp_path).online_stop
    assert bic.criterion("darts_es:window=3")(tmp_path).options == {"window": 3}


def test_a_snakemake_message_of_two_lines_is_caught():
    """The parser of Snakemake's output (which the one-line check of the workflow cases relies on) returns
    every line of a message, and the type of the error."""
    import subprocess

    out = ('Building DAG of jobs...\nStudyConfigError in file "/x/common.smk", line 67:\nfirst line\nsecond line\n'
           '  File "/x/Snakefile", line 15, in <module>\n')
    err = snakemake_error(subprocess.CompletedProcess([], 1, "", out))
    assert (err.kind, str(err)) == ("StudyConfigError", "first line\nsecond line")
