"""NAS-Bench-1Shot1 archs looked up in a NAS-Bench-101 table (darts_core.benchmark.nb101_lookup): a
synthetic table (branch nb101's synthetic records) holding the specs of a search's genotypes."""

from __future__ import annotations

from hashlib import file_digest

import pandas as pd
import pytest

from darts_core.benchmark import nb101_lookup
from darts_core.benchmark.nb101 import graph, synthetic, table
from darts_core.errors import DartsCoreError
from darts_core.spaces import get_space

SS2 = ("nb1shot1-s2|1=conv1x1-bn-relu<-0|2=maxpool3x3<-1|3=conv3x3-bn-relu<-0,2|4=conv3x3-bn-relu<-1,3|"
       "out<-0,2,3")
# the same NB101 model: node 4 is not reached from the output, so its op and parents do not matter
SS2_SAME = SS2.replace("4=conv3x3-bn-relu<-1,3", "4=maxpool3x3<-0,2")
SS3 = "nb1shot1-s3|1=conv1x1-bn-relu<-0|2=conv1x1-bn-relu<-1|3=maxpool3x3<-2|4=conv3x3-bn-relu<-0,2|5=conv3x3-bn-relu<-3,4|out<-1,5"


def _table(tmp_path, archs):
    specs = [graph.canonical(*get_space(a.split("|")[0]).nb101_spec(a)) for a in archs]
    src = synthetic.write_file(tmp_path / "s.tfrecord", specs)
    with open(src, "rb") as fh:
        digest = file_digest(fh, "sha256").hexdigest()
    table.build_table(src, tmp_path / "t.parquet", digest)
    return table.load_table(tmp_path / "t.parquet"), specs


def test_lookup_archs_and_a_run(tmp_path):
    tb, specs = _table(tmp_path, [SS2, SS3])
    got = nb101_lookup.lookup_archs([SS3, SS2, SS2_SAME], tb)
    assert list(got.columns) == list(nb101_lookup.COLUMNS)
    assert got["module_hash"].tolist() == [graph.spec_hash(*specs[1]), graph.spec_hash(*specs[0]),
                                           graph.spec_hash(*specs[0])]
    # synthetic.accuracy: 0.5 + 0.1 per conv3x3 vertex + 0.01 per repeat, test 0.002 below; mean of 3 repeats
    n3 = [ops.count("conv3x3-bn-relu") for _, ops in specs]
    assert got["cifar10_valid"].tolist() == pytest.approx([100 * (0.51 + 0.1 * n3[1]), 100 * (0.51 + 0.1 * n3[0])] +
                                                          [100 * (0.51 + 0.1 * n3[0])])
    assert got["cifar10_test"].tolist() == pytest.approx((got["cifar10_valid"] - 0.2).tolist())
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame({"epoch": [0, 1, 2], "arch": [SS2, SS2_SAME, SS2]}).to_csv(run / "genotypes.csv", index=False)
    curve = nb101_lookup.lookup_run(run, tb)
    assert curve["epoch"].tolist() == [0, 1, 2] and curve["module_hash"].nunique() == 1


def test_missing_spec_and_foreign_arch(tmp_path):
    tb, _ = _table(tmp_path, [SS3])
    with pytest.raises(DartsCoreError, match="is not in the table"):
        nb101_lookup.lookup_archs([SS2], tb)
    with pytest.raises(DartsCoreError, match="not of a space with a NAS-Bench-101 spec"):
        nb101_lookup.lookup_archs(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"], tb)


def test_the_workflow_lookup_reads_either_benchmark(tmp_path):
    """Rules `lookup` / `stop_lookup` load a table with load_benchmark and call the generic look-ups: on a
    NAS-Bench-101 table `index` is the module hash and only the CIFAR-10 columns are filled."""
    from darts_core.benchmark.lookup import load_benchmark, lookup_run, lookup_stops
    from darts_core.benchmark.table import METRIC_COLUMNS

    _, specs = _table(tmp_path, [SS2, SS3])
    tb = load_benchmark(tmp_path / "t.parquet")
    assert "module_hash" in tb.columns
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame({"epoch": [0, 1], "arch": [SS2, SS3]}).to_csv(run / "genotypes.csv", index=False)
    curve = lookup_run(run, tb)
    assert list(curve.columns) == ["epoch", "arch", "index", *METRIC_COLUMNS]
    assert curve["index"].tolist() == [graph.spec_hash(*s) for s in specs]
    assert curve["cifar10_test"].notna().all() and curve["cifar100_test"].isna().all()
    stops = lookup_stops(pd.DataFrame({"criterion": ["final"], "epoch": [1], "arch": [SS3]}), tb)
    assert stops.loc[0, "cifar10_valid"] == pytest.approx(curve.loc[1, "cifar10_valid"])


def test_exp8_runs_are_looked_up_in_nas_bench_101():
    from darts_core import layout
    from darts_core.study import load_study
    from darts_core.study.config import read_configs

    study = load_study(read_configs())
    assert study.benchmark_table_for("nb1shot1-s3", "cifar10") == [layout.NB101_TABLE]
    assert study.benchmark_table_for("nb201", "cifar10") == [layout.BENCHMARK_TABLE]
    exp8 = [e for e in study.config["experiments"] if e.startswith("exp8_")]
    assert sorted(study.config["experiments"][e]["space"] for e in exp8) == ["nb1shot1-s1", "nb1shot1-s2",
                                                                             "nb1shot1-s3"]
