"""Bad input, everywhere a user can give it (tests/bad_input_catalog.py): each is rejected with a one-line
message that names the input and says what is wrong, by the package's own errors (never a traceback of a
KeyError or a library's exception); `python tests/bad_input_catalog.py` prints them all."""

from __future__ import annotations

import pytest

from bad_input_catalog import CASES, CliError, Case
from darts_core.errors import DartsCoreError

OWN_ERRORS = ("DartsCoreError", "StudyConfigError")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}: {c.what}" for c in CASES])
def test_bad_input_gets_one_clear_line(case: Case, tmp_path):
    with pytest.raises(Exception) as info:
        case.provoke(tmp_path)
    err = info.value
    if isinstance(err, CliError):
        assert err.code != 0
    else:
        assert type(err).__name__ in OWN_ERRORS, f"{type(err).__name__}: {err}"
        assert isinstance(err, (DartsCoreError, ValueError))
    message = str(err)
    assert message and "\n" not in message, message
    assert "Traceback" not in message
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_the_catalog_covers_every_kind_of_input():
    kinds = {c.category for c in CASES}
    assert kinds >= {"config", "search settings", "dataset", "benchmark", "genotype", "alpha log", "checkpoint",
                     "stop criterion", "retrain", "CLI"}
    assert len(CASES) >= 50
