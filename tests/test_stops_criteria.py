"""Algorithm 2 (criteria.evaluate -> stops.csv), Algorithm 1 (online), the CLI, and bad alpha logs."""

import argparse

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import nb201
from darts_core.stops import cli as stops_cli
from darts_core.spaces import get_space
from darts_core.stops.criteria import STOP_COLUMNS, evaluate, parse_criterion
from darts_core.stops.online import make_online_stop

S, C1, C3, P, N = "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none"
# dominant op per edge and epoch (weight 0.6, the other four 0.1); epoch 0 uniform
DOMINANT = {1: [C3, C3, C3, C3, P, P], 2: [C3, C3, C3, C3, C3, S], 3: [C3, C3, C3, S, S, S],
            4: [S, C3, C3, S, S, S], 5: [S, S, C3, S, S, S]}


def weights(epoch):
    if epoch == 0:
        return np.full((6, 5), 0.2)
    w = np.full((6, 5), 0.1)
    for e, op in enumerate(DOMINANT[epoch]):
        w[e, nb201.OPS.index(op)] = 0.6
    return w


def alphas_df(epochs=range(6)):
    return pd.concat([runlog.alpha_rows(e, "normal", nb201.EDGES, nb201.OPS, np.log(weights(e)), weights(e)) for e in epochs],
                     ignore_index=True)


@pytest.fixture
def run_dir(tmp_path):
    runlog.write_table(alphas_df(), tmp_path / runlog.ALPHAS)
    runlog.write_json({"config": {"space": "nb201", "epochs": 5}}, tmp_path / runlog.RUN_INFO)
    return tmp_path


def row(stops, criterion):
    return stops.set_index("criterion").loc[criterion]


def test_stops_table_hand_computed(run_dir):
    crits = ["final", "ss_peak:nor_conv_3x3", "ss_residual:nor_conv_3x3", "darts+_sc:2", "darts+_sc:4",
             "darts+_sc:6", "darts+_rt:1", "darts_es"]
    stops = evaluate(run_dir, crits)
    assert tuple(stops.columns) == STOP_COLUMNS and stops["criterion"].tolist() == crits
    # m(t, conv3) = (n_conv3 * 0.6 + (6 - n_conv3) * 0.1) / 6: 4, 5, 3, 2, 1 conv3 edges -> peak at epoch 2
    assert (row(stops, "ss_peak:nor_conv_3x3")["epoch"], row(stops, "ss_peak:nor_conv_3x3")["met"]) == (2, True)
    assert row(stops, "ss_residual:nor_conv_3x3")["epoch"] == 2
    assert row(stops, "ss_peak:nor_conv_3x3")["arch"] == nb201.arch_string(DOMINANT[2])  # derived from epoch 2's alphas
    assert row(stops, "final")["epoch"] == 5 and row(stops, "final")["met"]
    assert row(stops, "darts+_sc:2")["epoch"] == 3 and row(stops, "darts+_sc:4")["epoch"] == 4
    never = row(stops, "darts+_sc:6")  # never met: final epoch, flagged
    assert (never["epoch"], never["met"], never["arch"]) == (5, False, nb201.arch_string(DOMINANT[5]))
    assert never["note"].startswith("never met")
    # the conv ranking changes every epoch (edges lose conv3 one by one) -> rt_1 never met
    assert (row(stops, "darts+_rt:1")["epoch"], row(stops, "darts+_rt:1")["met"]) == (5, False)
    es = row(stops, "darts_es")
    assert pd.isna(es["epoch"]) and not es["met"] and es["note"].startswith("not computable") and es["arch"] == ""


def test_genotypes_csv_wins_and_hessian_feeds_darts_es(run_dir):
    genos = pd.DataFrame({"epoch": range(6), "arch": [nb201.arch_string([N] * 6)] + [nb201.arch_string(DOMINANT[e]) for e in range(1, 6)]})
    genos.loc[2, "arch"] = nb201.arch_string([C1] * 6)  # what the search recorded for epoch 2
    runlog.write_table(genos, run_dir / runlog.GENOTYPES)
    # window 1, delta 1, start 0: stop when ev[k] / ev[k-1] > 1.3 (k = epoch - 1); ev jumps at our epoch 4 (k = 3)
    runlog.write_table(pd.DataFrame({"epoch": [1, 2, 3, 4, 5], "eigenvalue": [1.0, 1.0, 1.0, 2.0, 2.0], "method": "exact"}),
                       run_dir / runlog.HESSIAN)
    stops = evaluate(run_dir, ["ss_peak:nor_conv_3x3", "darts_es:window=1,delta=1,start=0,ev_freq=1"])
    assert stops.loc[0, "arch"] == nb201.arch_string([C1] * 6)
    es = stops.loc[1]
    assert (es["epoch"], es["met"]) == (3, True)  # rolled back to la_epoch - ev_freq*delta = k 2 -> our epoch 3


def test_evaluate_on_a_dataframe_and_defaults(run_dir):
    stops = evaluate(alphas_df())
    assert stops["criterion"].tolist() == list(get_space("nb201").default_criteria)
    assert stops.set_index("criterion").loc["ss_peak:nor_conv_3x3", "epoch"] == 2


def test_op_not_searched_is_not_computable():
    df = alphas_df()
    df = df[df["op"] != C3]  # Exp.6-style op subset (weights no longer sum to 1, fine for this check)
    stops = evaluate(df, ["ss_peak:nor_conv_3x3"])
    assert stops.loc[0, "note"].startswith("not computable: op nor_conv_3x3 is not in")


@pytest.mark.parametrize("bad", ["ss_peak", "darts+_sc:0", "darts+_rt:x", "darts_es:foo=1", "best", "ss_peak:c@middle"])
def test_bad_criterion_strings(bad):
    with pytest.raises(DartsCoreError):
        parse_criterion(bad)


# --- bad alpha logs: the error names the file and the row -----------------------------------------
def write_bad(tmp_path, df):
    runlog.write_table(df.reset_index(drop=True), tmp_path / runlog.ALPHAS)
    return tmp_path / runlog.ALPHAS


def test_missing_epoch_names_file_and_row(tmp_path):
    path = write_bad(tmp_path, alphas_df([0, 1, 3, 4]))
    with pytest.raises(DartsCoreError, match=rf"{path}: epoch 2 is missing \(row 60 jumps to epoch 3\)"):
        evaluate(tmp_path, ["final"])


def test_nan_weight_names_file_and_row(tmp_path):
    df = alphas_df()
    df.loc[47, "weight"] = np.nan
    path = write_bad(tmp_path, df)
    with pytest.raises(DartsCoreError, match=rf"{path}: row 47 has a non-finite weight"):
        evaluate(tmp_path, ["final"])


def test_unknown_op_names_file_and_row(tmp_path):
    df = alphas_df()
    df.loc[33, "op"] = "conv_7x7"
    path = write_bad(tmp_path, df)
    runlog.write_json({"config": {"space": "nb201"}}, tmp_path / runlog.RUN_INFO)
    with pytest.raises(DartsCoreError, match=rf"{path}: row 33 has unknown op 'conv_7x7'"):
        evaluate(tmp_path, ["final"])


def test_unknown_op_without_run_json_is_caught_too(tmp_path):
    df = alphas_df()
    df.loc[5, "op"] = "conv_7x7"
    path = write_bad(tmp_path, df)
    with pytest.raises(DartsCoreError, match=rf"{path}: row 5 has unknown op"):
        evaluate(tmp_path, ["final"])


# --- Algorithm 1 ------------------------------------------------------------------------------------
def test_online_ss_declares_the_peak_after_patience():
    df = alphas_df()
    stop = make_online_stop("ss_residual:nor_conv_3x3", patience=2, ops=nb201.OPS)
    calls = [stop(e, df[df["epoch"] <= e]) for e in range(1, 6)]
    # running max: epoch 2; declared at epoch 4 (2 epochs without exceeding it)
    assert calls[:3] == [None, None, None]
    assert calls[3] == "ss_residual:nor_conv_3x3 peaked at epoch 2 (patience 2)"
    assert (calls[3].stop_epoch, calls[3].at_epoch, calls[3].criterion) == (2, 4, "ss_residual:nor_conv_3x3")
    slow = make_online_stop("ss_peak:nor_conv_3x3", patience=4, ops=nb201.OPS)
    assert all(slow(e, df[df["epoch"] <= e]) is None for e in range(1, 6))


def test_online_sc_rt_and_darts_es():
    df = alphas_df()
    sc = make_online_stop("darts+_sc:2", 0, nb201.OPS)
    assert [sc(e, df[df["epoch"] <= e]) is not None for e in range(1, 6)] == [False, False, True, True, True]
    assert sc(3, df).stop_epoch == 3
    rt = make_online_stop("darts+_rt:1", 0, nb201.OPS)
    assert all(rt(e, df[df["epoch"] <= e]) is None for e in range(1, 6))
    es = make_online_stop("darts_es:window=1,delta=1,start=0,ev_freq=1", 0, nb201.OPS)
    h = pd.DataFrame({"epoch": [1, 2, 3, 4], "eigenvalue": [1.0, 1.0, 1.0, 2.0]})
    assert es(3, df, hessian=h) is None
    got = es(4, df, hessian=h)
    assert got.stop_epoch == 3 and got.startswith("darts_es:window=1")
    assert make_online_stop("final", 0, nb201.OPS)(5, df) is None


def test_online_rejects_bad_specs():
    with pytest.raises(DartsCoreError, match="not searched"):
        make_online_stop("ss_peak:sep_conv_3x3", 3, nb201.OPS)
    with pytest.raises(DartsCoreError, match="patience >= 1"):
        make_online_stop("ss_peak:nor_conv_3x3", 0, nb201.OPS)


# --- CLI --------------------------------------------------------------------------------------------
def cli(argv):
    parser = argparse.ArgumentParser()
    stops_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_stops_and_magnitudes_write_their_tables(run_dir, capsys):
    # without --out the stop table is printed only: the workflow's own stops.csv is left alone
    assert cli(["stops", str(run_dir), "--criteria", "final", "darts+_sc:2"]) == 0
    out = capsys.readouterr().out
    assert "darts+_sc:2: 3 skip-connect(s) in the derived cell at epoch 3 (>= 2)" in out
    assert not (run_dir / "stops.csv").exists() and "# wrote" not in out
    assert cli(["stops", str(run_dir), "--criteria", "final", "darts+_sc:2", "--out", str(run_dir / "stops.csv")]) == 0
    table = pd.read_csv(run_dir / "stops.csv")
    assert table["epoch"].tolist() == [5, 3] and table["met"].tolist() == [True, True]
    assert cli(["magnitudes", str(run_dir)]) == 0
    mags = pd.read_csv(run_dir / "magnitudes.csv")
    got = mags[(mags["epoch"] == 2) & (mags["op"] == C3)]["magnitude"].item()
    assert got == pytest.approx(3.1 / 6)
    assert "# m(t, o), normal cell" in capsys.readouterr().out


def test_cli_errors_exit_2_through_the_main_dispatcher(tmp_path, capsys):
    from darts_core.cli import main

    assert main(["stops", str(tmp_path / "absent")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["import-log", "nope", str(tmp_path), str(tmp_path / "out")]) == 2


def test_cli_magnitudes_checks_the_alpha_log(tmp_path):
    df = alphas_df()
    df.loc[12, "op"] = "conv_7x7"
    path = write_bad(tmp_path, df)
    with pytest.raises(DartsCoreError, match=rf"{path}: row 12 has unknown op"):
        cli(["magnitudes", str(tmp_path)])
    genos_only = tmp_path / "genos"
    genos_only.mkdir()
    pd.DataFrame({"epoch": [1], "arch": [nb201.arch_string([S] * 6)]}).to_csv(genos_only / runlog.GENOTYPES, index=False)
    with pytest.raises(DartsCoreError, match="genotypes only"):
        cli(["magnitudes", str(genos_only)])
