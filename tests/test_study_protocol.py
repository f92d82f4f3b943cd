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
    assert len(rows) == 37  # one per search setting: 37 x 5 seeds = the 185 searches
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


def test_every_preset_the_study_uses_declares_its_source():
    for name, row in paper_rows().items():
        assert "no source declared" not in row["sources"], name
