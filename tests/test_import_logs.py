"""Importing real search logs: DARTS-PT (AsquaredM, NB201 and DARTS space) and RobustDARTS run directories.

Synthetic logs in the DARTS-PT layout test the parser and its errors without shared data; the real logs
(../shared/data/darts-logs, `shared_data` fixture) test the epoch mapping, the stop table with NB201
lookups, and the RobustDARTS eigenvalues.
"""

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from darts_core import runlog
from darts_core.errors import DartsCoreError
from darts_core.spaces import nb201
from darts_core.importers import cli as importers_cli
from darts_core.stops import cli as stops_cli
from darts_core.stops.criteria import evaluate
from darts_core.importers import import_log, import_dartspt
from darts_core.stops.magnitudes import magnitude_table, magnitudes

ASQ = "darts-logs/AsquaredM/dartspt/experiments"
RD = "darts-logs/RobustDARTS/experiments/search_logs"
ALL_SKIP = nb201.arch_string(["skip_connect"] * 6)


def fmt_tensor(w, ts):
    rows = [", ".join(f"{v:.4f}" for v in r) for r in w]
    body = ("],\n        [").join(rows)
    return f"{ts} tensor([[{body}]], grad_fn=<ToCopyBackward0>)"


def synth_log(weights, post_archs, epochs_field=None):
    """A DARTS-PT NB201 log: start-of-epoch tensors `weights[e]`, genotype after epoch e `post_archs[e]`."""
    lines = [f"2025-01-13 11:46:20,832 args = Namespace(data='../data', dataset='cifar10', method='darts', "
             f"search_space='nas-bench-201', batch_size=64, learning_rate=0.025, epochs={epochs_field or len(weights)}, "
             "seed=0, arch_learning_rate=0.0003, arch_weight_decay=0.001)"]
    for e, w in enumerate(weights):
        m = 10 + e
        lines += [f"2025-01-13 11:{m}:00,000 epoch {e} lr {0.025 - 0.001 * e:e}",
                  f"2025-01-13 11:{m}:00,100 genotype = Structure(4 nodes with {nb201.derive_arch(w)})",
                  fmt_tensor(w, f"2025-01-13 11:{m}:00,200"),
                  f"2025-01-13 11:{m}:01,000 train 000 2.3e+00 10.0 50.0",
                  f"2025-01-13 11:{m}:30,000 train_acc  {30 + e:.6f}",
                  f"2025-01-13 11:{m}:30,001 train_loss {1.8 - 0.1 * e:.6f}",
                  f"2025-01-13 11:{m}:40,000 valid_acc  {35 + e:.6f}",
                  f"2025-01-13 11:{m}:40,000 valid_loss {1.7 - 0.1 * e:.6f}",
                  f"2025-01-13 11:{m}:40,500 {post_archs[e]}",
                  "datasets : ['cifar10-valid', 'cifar10', 'cifar100', 'ImageNet16-120'], extra-info : arch-index=1835",
                  "cifar10-valid  train : [loss = 1.629, top1 = 41.33%], valid : [loss = 1.656, top1 = 39.77%]",
                  f"2025-01-13 11:{m}:40,600 cifar10 train 55.210000 test 54.300000",
                  f"2025-01-13 11:{m}:40,600 cifar100 train 16.480000 valid 15.030000 test 15.610000",
                  f"2025-01-13 11:{m}:40,600 imagenet16 train 15.910000 valid 16.430000 test 16.320000"]
    return "\n".join(lines) + "\n"


def synth_weights(n):
    """Epoch e: skip_connect grows on every edge (unique argmax from epoch 1 on)."""
    out = [np.full((6, 5), 0.2)]
    out[0][:, 3] = 0.2004
    out[0][:, 0] = 0.1996
    for e in range(1, n):
        w = np.full((6, 5), (1 - (0.2 + 0.1 * e)) / 4)
        w[:, 1] = 0.2 + 0.1 * e
        out.append(np.round(w, 4))
    return out


@pytest.fixture
def synth(tmp_path):
    ws = synth_weights(3)
    post = [nb201.derive_arch(ws[1]), nb201.derive_arch(ws[2]), ALL_SKIP]
    path = tmp_path / "log.txt"
    path.write_text(synth_log(ws, post))
    return path, ws


def test_dartspt_epoch_mapping(synth, tmp_path):
    path, ws = synth
    info = import_dartspt(path, tmp_path / "run")
    run = tmp_path / "run"
    alphas = runlog.read_alphas(run / runlog.ALPHAS, nb201.OPS)
    # the tensor printed at the start of DARTS-PT epoch e is our epoch e (epoch 0 = initialisation)
    assert sorted(alphas["epoch"].unique()) == [0, 1, 2]
    np.testing.assert_allclose(runlog.weight_tensor(alphas, 2, "normal", nb201.EDGES, nb201.OPS), ws[2])
    np.testing.assert_allclose(alphas["alpha"], np.log(alphas["weight"]))  # softmax-equivalent
    genos = pd.read_csv(run / runlog.GENOTYPES)
    # start-of-epoch genotypes 0..2, then the genotype printed after the last epoch = our epoch 3
    assert genos["epoch"].tolist() == [0, 1, 2, 3]
    assert genos["arch"].iloc[0] == nb201.arch_string(["nor_conv_3x3"] * 6) and genos["arch"].iloc[3] == ALL_SKIP
    metrics = pd.read_csv(run / runlog.METRICS)
    # accuracies of DARTS-PT epoch e are our epoch e + 1
    assert metrics["epoch"].tolist() == [1, 2, 3]
    assert metrics["train_acc"].tolist() == [30.0, 31.0, 32.0] and metrics["valid_loss"].iloc[0] == pytest.approx(1.7)
    assert metrics["weight_lr"].tolist() == pytest.approx([0.025, 0.024, 0.023])
    assert metrics["seconds"].tolist() == [40.0, 40.0, 40.0]
    assert info["config"]["space"] == "nb201" and info["import"]["alpha_epochs"] == [0, 2]
    assert pd.read_csv(run / "imported_nb201.csv")["cifar10_test"].tolist() == [54.3] * 3
    stops = evaluate(run, ["final", "darts+_sc:6"])
    assert stops["epoch"].tolist() == [3, 1] and stops["arch"].tolist() == [ALL_SKIP, ALL_SKIP]


def bad_log(tmp_path, text):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    return path


def test_dartspt_nan_weight_names_file_and_line(tmp_path):
    ws = synth_weights(2)
    text = synth_log(ws, [ALL_SKIP, ALL_SKIP]).replace("0.1750, ", "nan, ", 1)
    path = bad_log(tmp_path, text)
    lineno = next(i for i, line in enumerate(text.splitlines(), start=1) if "nan" in line)
    with pytest.raises(DartsCoreError, match=rf"{path}, line {lineno}: .*non-finite"):
        import_log("darts-pt", path, tmp_path / "run")


def test_dartspt_missing_epoch_names_file_and_line(tmp_path):
    ws = synth_weights(3)
    text = synth_log(ws, [ALL_SKIP] * 3).replace(" epoch 1 lr ", " epoch 2 lr ", 1)
    path = bad_log(tmp_path, text)
    lineno = next(i for i, line in enumerate(text.splitlines(), start=1) if " epoch 2 lr " in line)
    with pytest.raises(DartsCoreError, match=rf"{path}, line {lineno}: log jumps to epoch 2, expected 1"):
        import_log("darts-pt", path, tmp_path / "run")


def test_dartspt_wrong_shape_and_wrong_mapping_are_caught(tmp_path):
    ws = synth_weights(2)
    text = synth_log(ws, [ALL_SKIP, ALL_SKIP])
    last_row = "],\n        [0.1996, 0.2000, 0.2000, 0.2004, 0.2000]]"
    assert last_row in text
    five_rows = text.replace(last_row, "]]", 1)
    with pytest.raises(DartsCoreError, match=r"bad.txt, line 4: epoch 0 normal tensor has shape \(5, 5\), expected \(6, 5\)"):
        import_log("darts-pt", bad_log(tmp_path, five_rows), tmp_path / "run")
    ragged = text.replace(last_row, "],\n        [0.1996, 0.2000, 0.2004, 0.2000]]", 1)
    with pytest.raises(DartsCoreError, match="line 4: alpha tensor rows of unequal length"):
        import_log("darts-pt", bad_log(tmp_path, ragged), tmp_path / "run")
    off = text.replace(last_row, "],\n        [0.1996, 0.2000, 0.2000, 0.3004, 0.2000]]", 1)
    with pytest.raises(DartsCoreError, match=r"line 9: epoch 0 normal edge 3<-2: weights sum to 1.1000, not 1"):
        import_log("darts-pt", bad_log(tmp_path, off), tmp_path / "run")
    # a genotype after epoch 0 that is not the one printed at the start of epoch 1
    other = synth_log(ws, [nb201.arch_string(["none"] * 6), ALL_SKIP])
    with pytest.raises(DartsCoreError, match="epoch mapping"):
        import_log("darts-pt", bad_log(tmp_path, other), tmp_path / "run")
    # a printed genotype that is not the argmax of the printed weights
    lie = text.replace(f"genotype = Structure(4 nodes with {ALL_SKIP})", "genotype = Structure(4 nodes with "
                       + nb201.arch_string(["avg_pool_3x3"] * 6) + ")", 1)
    with pytest.raises(DartsCoreError, match="differs from the argmax"):
        import_log("darts-pt", bad_log(tmp_path, lie), tmp_path / "run")
    with pytest.raises(DartsCoreError, match="not a DARTS-PT search log"):
        import_log("darts-pt", bad_log(tmp_path, "hello\n"), tmp_path / "run")
    with pytest.raises(DartsCoreError, match="unknown log format"):
        import_log("naslib", bad_log(tmp_path, text), tmp_path / "run")


# --- the real AsquaredM DARTS run (NB201, 100 epochs) ----------------------------------------------
def cli(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    stops_cli.register(sub)
    importers_cli.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_asquaredm_darts_run_magnitudes_and_stops_with_lookups(shared_data, tmp_path, capsys):
    pytest.importorskip("darts_core.benchmark.lookup")
    log = shared_data / ASQ / "nasbench201/search-darts-201-0/log.txt"
    run = tmp_path / "asq"
    assert cli(["import-log", "darts-pt", str(log), str(run)]) == 0
    alphas = runlog.read_alphas(run / runlog.ALPHAS, nb201.OPS)
    assert (alphas["epoch"].min(), alphas["epoch"].max()) == (0, 99)
    genos = pd.read_csv(run / runlog.GENOTYPES)
    assert (genos["epoch"].min(), genos["epoch"].max()) == (0, 100)
    # initial genotype as printed; all-skip from epoch 1 on
    assert genos["arch"].iloc[0] == "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|skip_connect~1|nor_conv_1x1~2|"
    assert (genos["arch"].iloc[1:] == ALL_SKIP).all()

    # the DERIVED per-epoch records (parsed independently; alphas printed at the START of each epoch)
    derived = json.loads((shared_data / "darts-logs/AsquaredM/DERIVED/dartspt/experiments/nasbench201/"
                          "search-darts-201-0/log.per_epoch.json").read_text())["epochs"]
    metrics = pd.read_csv(run / runlog.METRICS).set_index("epoch")
    for rec in derived:
        e = rec["epoch"]
        np.testing.assert_allclose(runlog.weight_tensor(alphas, e, "normal", nb201.EDGES, nb201.OPS),
                                   np.asarray(rec["alphas_softmax_pre"][0]))
        assert genos.set_index("epoch").loc[e, "arch"] == rec["genotype_pre"]
        assert genos.set_index("epoch").loc[e + 1, "arch"] == rec["genotype_post"]
        assert metrics.loc[e + 1, "train_acc"] == pytest.approx(rec["train_acc"])

    assert cli(["magnitudes", str(run)]) == 0
    mags = magnitude_table(pd.read_csv(run / "magnitudes.csv"))
    # epoch 1 = the tensor printed at the start of DARTS-PT epoch 1: skip column mean by hand
    assert mags.loc[1, "skip_connect"] == pytest.approx((0.2021 + 0.2062 + 0.2017 + 0.2083 + 0.2051 + 0.2049) / 6)
    assert mags.loc[99, "skip_connect"] == pytest.approx((0.7774 + 0.7884 + 0.5116 + 0.7270 + 0.7265 + 0.7126) / 6)
    assert mags.loc[0, "nor_conv_3x3"] == pytest.approx((0.2004 + 0.1999 + 0.2000 + 0.2001 + 0.2000 + 0.2001) / 6)
    pd.testing.assert_frame_equal(magnitude_table(magnitudes(alphas)), mags, check_dtype=False)

    assert cli(["stops", str(run), "--table", str(shared_data / "nb201"), "--out", str(run / "stops.csv")]) == 0
    stops = pd.read_csv(run / "stops.csv")
    got = stops.set_index("criterion")
    expected_epoch = {"final": 100, "ss_peak:nor_conv_3x3": 1, "ss_residual:nor_conv_3x3": 1, "darts+_sc:2": 1,
                      "darts+_sc:4": 1, "darts+_rt:2": 9, "darts+_rt:4": 21, "darts+_rt:10": 32}
    assert {k: int(got.loc[k, "epoch"]) for k in expected_epoch} == expected_epoch
    assert got.loc[list(expected_epoch), "met"].all()
    assert (got.loc[list(expected_epoch), "arch"] == ALL_SKIP).all()
    assert pd.isna(got.loc["darts_es", "epoch"]) and got.loc["darts_es", "note"].startswith("not computable")
    # the lookups agree with the NB201 numbers the log itself printed for the same architecture
    assert (got.loc[list(expected_epoch), "index"] == 1835).all()
    printed = pd.read_csv(run / "imported_nb201.csv").set_index("epoch").loc[100]
    row = got.loc["final"]
    assert printed["index"] == 1835
    assert row["cifar10_test"] == pytest.approx(printed["cifar10_test"], abs=0.01)
    assert row["cifar10_valid"] == pytest.approx(printed["cifar10valid_valid"], abs=0.01)
    assert row["cifar100_test"] == pytest.approx(printed["cifar100_test"], abs=0.01)
    assert row["ImageNet16-120_test"] == pytest.approx(printed["imagenet16_test"], abs=0.01)
    assert "darts+_rt:10: learnable-op ranking unchanged over epochs 22..32" in capsys.readouterr().out


def test_asquaredm_darts_space_run(shared_data, tmp_path):
    """DARTS-PT's DARTS space (s5: 7 ops, no `none`), normal + reduce tensors per epoch."""
    log = shared_data / ASQ / "sota/cifar10/search-darts-sota-s5-2/log.txt"
    info = import_log("darts-pt", log, tmp_path / "s5")
    assert info["config"]["space"] == "s5" and "none" not in info["config"]["ops"]
    alphas = runlog.read_alphas(tmp_path / "s5" / runlog.ALPHAS)
    assert set(alphas["cell"]) == {"normal", "reduce"} and len(alphas) == 50 * 2 * 14 * 7
    stops = evaluate(tmp_path / "s5").set_index("criterion")
    assert int(stops.loc["final", "epoch"]) == 49  # the alphas after the 50th epoch are not in the log
    assert int(stops.loc["ss_peak:sep_conv_3x3", "epoch"]) == 39
    assert stops.loc["ss_peak:sep_conv_3x3", "arch"].startswith("Genotype(normal=[")
    assert not stops.loc["darts+_sc:2", "met"]  # at most 0 skip-connects in the normal cell


# --- RobustDARTS -------------------------------------------------------------------------------------
def test_robustdarts_run_with_stored_hessians(shared_data, tmp_path):
    src = shared_data / RD / "s1/cifar10/0.0_0.0003-2516843"
    info = import_log("robustdarts", src, tmp_path / "rd")
    run = tmp_path / "rd"
    assert info["import"]["eigenvalue_source"].endswith("(max real eigenvalue of each stored H)")
    assert not (run / runlog.ALPHAS).exists()
    genos = pd.read_csv(run / runlog.GENOTYPES)
    assert genos["epoch"].tolist() == list(range(1, 51))  # logged after RobustDARTS epoch k -> our k + 1
    assert genos["arch"].iloc[0].startswith("Genotype(normal=[('dil_conv_5x5', 1), ('dil_conv_3x3', 0)")
    h = pd.read_csv(run / runlog.HESSIAN)
    assert h["epoch"].tolist() == list(range(1, 50, 2)) + [50]
    derived = pd.read_csv(shared_data / "darts-logs/RobustDARTS/DERIVED/dominant_eigenvalues.csv")
    derived = derived[(derived["job_id"] == 2516843) & (derived["task_id_seed"] == 1)]
    np.testing.assert_allclose(h["eigenvalue"], derived["dominant_eigenvalue"], rtol=1e-6)
    metrics = pd.read_csv(run / runlog.METRICS)
    assert metrics.loc[0, "train_acc"] == pytest.approx(43.372) and metrics.loc[0, "valid_acc"] == pytest.approx(53.916)

    stops = evaluate(run).set_index("criterion")
    # independent replay of the DARTS-ES rule with full windows: first check k with ratio > 1.3
    ev = dict(zip(h["epoch"] - 1, h["eigenvalue"]))
    la = lambda c: np.mean([ev[c + d] for d in (-4, -2, 0, 2, 4)])  # noqa: E731
    k_hit = next(k for k in range(22, 49, 2) if la(k - 4) / la(k - 12) > 1.3)
    assert int(stops.loc["darts_es", "epoch"]) == k_hit - 12 + 1 == 11
    assert stops.loc["darts_es", "arch"] == genos.set_index("epoch").loc[11, "arch"]
    assert int(stops.loc["darts+_sc:2", "epoch"]) == 11 and int(stops.loc["final", "epoch"]) == 50
    for crit in ("ss_peak:sep_conv_3x3", "ss_residual:sep_conv_3x3", "darts+_rt:10"):
        assert stops.loc[crit, "note"] == "not computable: the run has no alphas (genotypes only)"
        assert pd.isna(stops.loc[crit, "epoch"]) and not stops.loc[crit, "met"]


def test_robustdarts_eigenvalues_from_the_derived_table(shared_data, tmp_path):
    src = shared_data / RD / "s3/svhn/0.2_0.0003-2614104"
    info = import_log("robustdarts", src, tmp_path / "rd", task=2)
    assert info["import"]["eigenvalue_source"].endswith("DERIVED/dominant_eigenvalues.csv")
    assert info["config"]["space"] == "s3" and info["seed"] == 2
    h = pd.read_csv(tmp_path / "rd" / runlog.HESSIAN)
    derived = pd.read_csv(shared_data / "darts-logs/RobustDARTS/DERIVED/dominant_eigenvalues.csv")
    derived = derived[(derived["job_id"] == 2614104) & (derived["task_id_seed"] == 2)]
    assert h["epoch"].tolist() == (derived["epoch"] + 1).tolist()
    np.testing.assert_allclose(h["eigenvalue"], derived["dominant_eigenvalue"])
    with pytest.raises(DartsCoreError, match="no log_7.txt"):
        import_log("robustdarts", src, tmp_path / "x", task=7)
    with pytest.raises(DartsCoreError, match="does not exist"):
        import_log("robustdarts", src / "absent", tmp_path / "x")
