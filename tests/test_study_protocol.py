"""The protocol table (darts_core.study.protocol): every run's settings with their sources and the places
where the paper's text and the authors' code disagree; README.md carries the paper config's table."""

from __future__ import annotations

import re

from darts_core.study import load_study
from darts_core.study.config import read_configs
from darts_core.study.protocol import protocol_markdown, protocol_rows
from workflow_plan import REPO


def paper_rows() -> dict[str, dict]:
    return {f"{r['experiment']}/{r['run']}": r for r in protocol_rows(load_study(read_configs()).config)}


def test_readme_carries_the_current_protocol_table():
    text = (REPO / "README.md").read_text()
    block = re.search(r"<!-- protocol: generated, do not edit -->\n(.*?)<!-- /protocol -->", text, re.S)
    assert block, "README.md lost its protocol section"
    assert block.group(1) == protocol_markdown(load_study(read_configs()).config)


def test_each_row_names_its_settings_sources_and_disagreements():
    rows = paper_rows()
    # one per search setting: 37 x 5 seeds = the 185 searches of Zhang & Ding, Exp.8's 3 NAS-Bench-1Shot1
    # spaces, RobustDARTS's optional 4 spaces x 8 runs (x 3 datasets x 3 seeds = 288 searches); then one per
    # retrain entry (2 + 8)
    assert len(rows) == 37 + 3 + 32 + 10
    prog = rows["table2/drnas-progressive"]
    assert "201-space/train_search_progressive.py" in prog["sources"] and "epochs=100 (run)" in prog["settings"]
    long = rows["exp7_long/ex-darts-500"]
    assert "a_lr=0.0025 (run)" in long["settings"] and "setup/enlarge/DARTS-V1.sh" in long["sources"]
    assert "text (Sec. 2.3): 0.001" in long["paper_vs_code"]
    warm = rows["exp3_pretrain/pretrain100"]
    assert "batch_size=256 (experiment)" in warm["settings"] and "warmup_epochs: warm-up runs" in warm["paper_vs_code"]
    base = rows["exp1_warmup/baseline"]
    assert base["used_by"] == "exp2_arch_l2/baseline, exp3_pretrain/baseline, exp4_arch_lr/baseline, exp6_no_skip/baseline"
    assert base["paper_vs_code"] == ""  # no warm-up: the warm-up note is not shown
    assert rows["table1/darts-v1"]["settings"] == "" and "DARTS.config" in rows["table1/darts-v1"]["sources"]
    assert rows["exp_setup4000/setup4000"]["optional"]
    assert "preset gdas: AutoDL-Projects configs/nas-benchmark/algos/GDAS.config" in rows["table1/gdas"]["sources"]


def test_robustdarts_settings_are_traced_to_its_files():
    rows = paper_rows()
    for space in ("s1", "s2", "s3", "s4"):
        for run in ("darts", "l2-0.0009", "l2-0.0027", "l2-0.0081", "l2-0.0243", "dp-0.2", "dp-0.4", "dp-0.6"):
            row = rows[f"rdarts_{space}/{run}"]
            assert row["optional"] and row["method"] == "darts-v2"
            assert "hessian_every=2 (experiment)" in row["settings"] and "loop=robustdarts (experiment)" in row["settings"]
            for text in ("DARTS_search.sh (--unrolled", "--report_freq_hessian 2", "scheduler.step(epoch)",
                         "preset darts-space", "start_search.sh (wdecay"):
                assert text in row["sources"], (space, run, text)
    assert "drop_path_prob=0.4 (run)" in rows["rdarts_s3/dp-0.4"]["settings"]
    assert "start_search.sh (dpath" in rows["rdarts_s3/dp-0.4"]["sources"]
    assert "w_wd=0.0081 (run)" in rows["rdarts_s2/l2-0.0081"]["settings"]
    ev = rows["rdarts_s1/retrain rdarts_s1_es"]
    assert "criteria=[darts_es] (entry)" in ev["settings"] and "init_channels=16 (protocol)" in ev["settings"]
    assert "src/evaluation/args.py" in ev["sources"] and "DARTS_eval.sh (--seed 1" in ev["sources"]
    assert "init_channels: src/evaluation/args.py has one network size" in ev["paper_vs_code"]
    assert "protocol drnas-cifar: xiangning-chen/DrNAS" in rows["table4/retrain table4_cifar10"]["sources"]
    # every setting of every RobustDARTS evaluation entry names the official file it comes from
    for space in ("s1", "s2", "s3", "s4"):
        for entry, keys in ((f"rdarts_{space}", ("criteria", "search_seeds", "seeds", "dataset")),
                            (f"rdarts_{space}_es", ("criteria", "runs", "search_seeds", "seeds", "dataset"))):
            row = rows[f"rdarts_{space}/retrain {entry}"]
            assert "protocol rdarts: automl/RobustDARTS src/evaluation/args.py" in row["sources"]
            for key in keys:
                assert f"{key}=" in row["settings"] and f"{key}: RobustDARTS " in row["sources"], (entry, key)
    assert "DARTS-ADA_search.sh (--drop_path_prob 0.0 --weight_decay 0.0003" in rows["rdarts_s2/retrain rdarts_s2_es"]["sources"]


def test_every_preset_the_study_uses_declares_its_source():
    for name, row in paper_rows().items():
        assert "no source declared" not in row["sources"], name
