"""`python -m darts_core retrain` end to end on digits, with --device auto claiming no GPU on a CPU box."""

import json

from darts_core.cli import main


def test_retrain_cli_auto_device_on_cpu(tmp_path, monkeypatch):
    monkeypatch.setenv("DARTS_GPU_COUNT", "0")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    out = tmp_path / "rt"
    rc = main(["retrain", "DARTS_V2", "--dataset", "digits", "--protocol", "demo", "--out", str(out),
               "--epochs", "1", "--layers", "3", "--init-channels", "4"])
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    assert res["epochs"] == 1 and 0 < res["params_m"] < 0.01
    assert 0.0 <= res["test_error"] <= 100.0


def test_retrain_cli_rejects_unknown_genotype(tmp_path, capsys):
    rc = main(["retrain", "NOT_A_GENOTYPE", "--dataset", "digits", "--protocol", "demo", "--out", str(tmp_path / "x")])
    assert rc == 2
    assert "NOT_A_GENOTYPE" in capsys.readouterr().err
