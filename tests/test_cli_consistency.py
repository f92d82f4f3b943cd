"""The command line as a user meets it: `--help` texts (choices from the registries, one line per flag,
whole sentences), `--threads` (default, recorded in run.json), `--table` taking the same things in every
command, and `stops` leaving the workflow's stops.csv alone."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from darts_core import cli
from darts_core.methods import METHODS
from darts_core.spaces import SPACES


def help_text(*argv) -> str:
    proc = subprocess.run([sys.executable, "-m", "darts_core", *argv, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return " ".join(proc.stdout.split())


def test_top_level_help_speaks_to_users():
    text = help_text()
    assert "SUBCOMMAND" not in text and "lives beside its logic" not in text
    assert "COMMAND --help" in text


def test_search_help_lists_the_registries_and_each_flag_once():
    text = help_text("search")
    for name in (*METHODS, *SPACES, "digits", "ImageNet16-120"):
        assert name in text, name
    assert "--warmup_epochs" not in text and text.count("--warmup-epochs") == 2  # usage line and option line
    assert "--no-single_level" not in text and "--threads N" in text


def test_search_underscore_aliases_still_parse_and_choices_are_checked(capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["search", "--out", "x", "--warmup_epochs", "3", "--method", "gdas"])
    assert (args.warmup_epochs, args.method, args.threads) == (3, "gdas", None)
    with pytest.raises(SystemExit):
        parser.parse_args(["search", "--out", "x", "--method", "dart-v1"])
    assert "invalid choice: 'dart-v1'" in capsys.readouterr().err


def test_retrain_help_is_not_cut_mid_sentence():
    text = help_text("retrain")
    assert "resuming from OUT/checkpoint.pt after a preemption." in text and "--threads N" in text


@pytest.mark.parametrize("command", [["search", "--out", "x"], ["retrain", "DARTS_V2", "--dataset", "digits",
                                                                  "--protocol", "demo", "--out", "x"],
                                     ["train-arch", "a", "--dataset", "digits", "--cache", "c"]])
def test_threads_option_everywhere(command):
    assert cli.build_parser().parse_args([*command, "--threads", "2"]).threads == 2


def test_threads_default_and_run_json(tmp_path, monkeypatch):
    import torch

    from darts_core.threads import default_threads, set_threads

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3
    before = torch.get_num_threads()
    try:
        out = tmp_path / "run"
        argv = ["search", "--out", str(out), "--dataset", "digits", "--channels", "2", "--num-cells", "1",
                "--batch-size", "250", "--epochs", "1", "--device", "cpu", "--threads", "2"]
        assert cli.main(argv) == 0
        assert json.loads((out / "run.json").read_text())["torch_threads"] == 2
        assert set_threads(None) == 3
    finally:
        torch.set_num_threads(before)


def test_table_option_takes_a_csv_folder_in_lookup_as_in_stops(tmp_path, monkeypatch):
    from darts_core.benchmark import table

    seen = []
    monkeypatch.setattr(table, "build_from_csv", lambda path: seen.append(str(path)) or (_ for _ in ()).throw(
        SystemExit(0)))
    for argv in (["lookup", "--references", "--table", str(tmp_path)],):
        with pytest.raises(SystemExit):
            cli.main(argv)
    assert seen == [str(tmp_path)]
    # a missing file is still one line naming it
    assert cli.main(["lookup", "--references", "--table", str(tmp_path / "none.parquet")]) == 2
