"""RobustDARTS's own study (Zela et al., ICLR 2020) in the paper config: the optional experiments
rdarts_s1..s4, their searches' learning rate and regularisation schedules checked against RobustDARTS's own
logs (darts-logs/RobustDARTS), the retrainings on each search's dataset, the test-error table per space and
the eigenvalue-trajectory figure drawn from RobustDARTS's real Hessian logs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from darts_core import layout
from darts_core.importers import import_log
from darts_core.search import regularisation
from darts_core.search.schedule import weight_lr
from darts_core.stops.criteria import evaluate
from darts_core.study import load_study
from darts_core.study import products, retrain, searches
from darts_core.study.config import read_configs

RD = "darts-logs/RobustDARTS/experiments/search_logs"
SPACES = ("s1", "s2", "s3", "s4")
RUNS = ("darts", "l2-0.0009", "l2-0.0027", "l2-0.0081", "l2-0.0243", "dp-0.2", "dp-0.4", "dp-0.6")


@pytest.fixture(scope="module")
def study():
    return load_study(read_configs())


def _log_epochs(path):
    """{epoch: (lr, drop_prob or None, cutout_prob or None)} of a RobustDARTS log_N.txt."""
    out = {}
    for m in re.finditer(r"epoch (\d+) lr ([0-9.e+-]+)(?: drop_prob ([0-9.e+-]+) cutout_prob ([0-9.e+-]+))?",
                         path.read_text()):
        out[int(m.group(1))] = tuple(float(g) if g else None for g in m.groups()[1:])
    return out


def test_searches_follow_robustdarts_lr_and_drop_path_as_its_logs_print(study, shared_data):
    cfg = study.searches["rdarts_s1", "darts", "cifar10"]
    assert (cfg.method, cfg.loop, cfg.epochs, cfg.batch_size, cfg.channels, cfg.num_cells) == (
        "darts-v2", "robustdarts", 50, 64, 16, 8)
    assert (cfg.w_lr, cfg.w_lr_min, cfg.w_momentum, cfg.w_nesterov, cfg.w_wd, cfg.grad_clip) == (
        0.025, 0.001, 0.9, False, 3e-4, 5.0)
    assert (cfg.a_lr, cfg.a_betas, cfg.a_wd, cfg.search_split, cfg.hessian_every) == (3e-4, (0.5, 0.999), 1e-3, "darts", 2)
    logged = _log_epochs(shared_data / RD / "s1/cifar10/0.0_0.0003-2516843/log_1.txt")
    assert len(logged) == 50
    for epoch, (lr, _, _) in logged.items():
        assert weight_lr(cfg, epoch) == pytest.approx(lr, rel=1e-6), epoch  # printed with 7 digits
    dp = study.searches["rdarts_s1", "dp-0.2", "cifar10"]
    assert dp.drop_path_prob == 0.2 and dp.cutout_length == 16 and dp.cutout_prob == 1.0 and dp.w_wd == 3e-4
    logged = _log_epochs(shared_data / RD / "s1/cifar10/0.2_0.0003-2516850/log_1.txt")
    for epoch, (lr, drop, cut) in logged.items():
        assert weight_lr(dp, epoch) == pytest.approx(lr, rel=1e-6)
        assert regularisation.drop_path_prob(dp, epoch) == pytest.approx(drop, rel=1e-6, abs=1e-12)
        assert regularisation.cutout_prob(dp, epoch) == pytest.approx(cut, rel=1e-6, abs=1e-12)
    # the L2 grid at drop path 0, the drop-path grid at 3e-4 (start_search.sh)
    assert [study.searches["rdarts_s4", r, "svhn"].w_wd for r in RUNS] == [3e-4, 9e-4, 27e-4, 81e-4, 243e-4] + [3e-4] * 3
    assert [study.searches["rdarts_s4", r, "svhn"].drop_path_prob for r in RUNS] == [0.0] * 5 + [0.2, 0.4, 0.6]
    assert all(study.searches[f"rdarts_{s}", "darts", "cifar100"].space == s for s in SPACES)


def test_the_study_is_optional_and_its_jobs(study):
    config = study.config
    names = [f"rdarts_{s}" for s in SPACES]
    assert not set(names) & set(searches.default_experiments(config))
    rows = searches.study_runs(config, names)
    assert len(rows) == 4 * 8 * 3 * 3 and {r["seed"] for r in rows} == {1, 2, 3}
    assert {r["dataset"] for r in rows} == {"cifar10", "cifar100", "svhn"}
    specs = [s for s in retrain.retrain_specs(config) if s["names"]["experiment"] in names]
    # every final cell (8 runs) and the DARTS-ES cell of the DARTS runs, per space x dataset, 3 search seeds
    assert len(specs) == 4 * 3 * (8 + 1)
    assert all(s["names"]["rdataset"] == s["names"]["dataset"] and s["names"]["protocol"] == "rdarts" for s in specs)
    es = [s for s in specs if s["criterion"] == "darts_es"]
    assert len(es) == 12 and {s["names"]["run"] for s in es} == {"darts"}
    assert sum(len(s["search_seeds"]) * len(s["seeds"]) for s in specs) == 324
    default = set(products.targets(config))
    assert not any("rdarts" in t for t in default if not t.startswith("results/protocol"))
    for space in SPACES:
        assert products.table_kind_of(config, f"rdarts_{space}") == "retrain_by_dataset"
        inputs = products.table_inputs(config, f"rdarts_{space}")
        assert len(inputs) == 27 and all(f"/s{space[1]}-" in p for p in inputs)
        panels = products.figure_panels(config, f"rdarts_{space}_eig_dp")
        assert list(panels) == ["cifar10", "cifar100", "svhn"] and list(panels["svhn"]) == ["darts", "dp-0.2", "dp-0.4", "dp-0.6"]
        assert len(products.figure_inputs(config, f"rdarts_{space}_eig_l2")) == 3 * 5 * 3  # stops.csv of each run


def test_dataset_search_is_checked(study):
    import copy

    from darts_core.study.checks import check_retrain
    from darts_core.study.config import StudyConfigError

    config = copy.deepcopy(study.config)
    config["retrain"]["rdarts_s1"]["protocol"] = "drnas-imagenet"
    with pytest.raises(StudyConfigError, match="retrain.rdarts_s1.protocol: 'drnas-imagenet' does not train on 'cifar10'"):
        check_retrain(config)
    config = copy.deepcopy(study.config)
    config["stop_criteria"]["s3"] = ["darts_es"]  # the genotype rule reads `final`'s row of stops.csv
    with pytest.raises(StudyConfigError, match=r"retrain.rdarts_s3.criteria: 'final' is not in stop_criteria.s3"):
        check_retrain(config)


def _summary(path, errors, seeds=(1, 2, 3)):
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"search_seed": list(seeds), "retrain_seed": [1] * len(seeds), "test_error": errors,
                  "params_m": [0.5] * len(seeds), "search_seconds": [3600.0] * len(seeds),
                  "search_device": ["cuda"] * len(seeds)}).to_csv(path, index=False)
    return str(path)


def test_table_per_space_has_a_column_per_dataset(study, tmp_path):
    from darts_core.report.dataset_tables import NOT_CHOSEN, SELECTION_NOTE
    from darts_core.report.paper_tables import build_by_dataset_table
    from darts_core.reported.zela2020 import COLUMNS, check_zela

    params = products.table_params(study.config, "rdarts_s2")
    assert params["kind"] == "retrain_by_dataset"
    summaries = params["inputs"]["summaries"]
    assert set(summaries["DARTS-ES"]) == {"cifar10", "cifar100", "svhn"}
    assert "R-DARTS(L2)" not in summaries  # a `select` row reads no cell of its own
    fake = {"DARTS": {"cifar10": [_summary(tmp_path / "a.csv", [4.0, 5.0, 6.0])],
                      "svhn": [_summary(tmp_path / "b.csv", [3.0, 3.5], seeds=(1, 2))]},
            "DARTS-ES": {"cifar100": [_summary(tmp_path / "c.csv", [30.0, 30.0, 33.0])]}}
    inputs = {**params["inputs"], "summaries": fake}
    # a synthetic transcription (made-up numbers, not the paper's): S2's DARTS on CIFAR-10 and SVHN, an S1
    # cell (another space: never shown here), and R-DARTS(L2) on CIFAR-100
    zela = check_zela(pd.DataFrame([
        ["Table X", "s2", "cifar10", "DARTS", 4.85, float("nan"), "test", ""],
        ["Table X", "s2", "svhn", "DARTS", 3.25, 0.5, "test", ""],
        ["Table X", "s1", "cifar100", "DARTS-ES", 28.0, float("nan"), "test", ""],
        ["Table X", "s2", "cifar100", "R-DARTS(L2)", 22.5, float("nan"), "test", ""]], columns=COLUMNS))
    out = {k: tmp_path / f"t.{k}" for k in ("csv", "md", "tex", "compare", "compare_md")}
    build_by_dataset_table("rdarts_s2", inputs, out, zela=zela)
    long = pd.read_csv(out["csv"])
    err = long[long["metric"] == "test_error"].set_index(["row", "dataset"])
    assert err.loc[("DARTS", "cifar10"), "mean"] == pytest.approx(5.0)
    assert err.loc[("DARTS", "cifar10"), "std"] == pytest.approx(np.std([4.0, 5.0, 6.0], ddof=int(long["ddof"].iloc[0])))
    assert err.loc[("DARTS", "svhn"), "n"] == 2 and err.loc[("DARTS", "svhn"), "missing"] == "search3/seed1"
    assert err.loc[("DARTS", "cifar100"), "n"] == 0  # not trained: reported missing, never dropped
    assert err.loc[("DARTS-ES", "cifar100"), "mean"] == pytest.approx(31.0)
    assert len(err) == 11 * 3  # every method (2 selected R-DARTS rows, 7 grid values) x dataset
    # the R-DARTS rows: one grid value per dataset is not chosen while the paper's rule is not transcribed
    for label in ("R-DARTS(L2)", "R-DARTS(DP)"):
        for dataset in ("cifar10", "cifar100", "svhn"):
            assert err.loc[(label, dataset), "n"] == 0 and err.loc[(label, dataset), "note"].startswith(SELECTION_NOTE)
    md = out["md"].read_text()
    assert "| Method | CIFAR-10 test error (%) | CIFAR-10 reported | CIFAR-100 test error (%)" in md
    lines = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in md.splitlines() if line.startswith("| ")}
    # the paper's value where the CSV has it, "not available" where not, "-" on a row the paper lacks
    svhn = f"3.25 ± {np.std([3.0, 3.5], ddof=int(long['ddof'].iloc[0])):.2f}"
    assert lines["DARTS"][1:7] == ["5.00 ± 0.82", "4.85", "-", "not available", svhn, "3.25 ± 0.50"]
    assert lines["DARTS-ES"][2] == "not available" and lines["DARTS-ES"][4] == "not available"  # S1's cell is not S2's
    assert lines["R-DARTS(L2)"][1:5] == ["-", "not available", "-", "22.50"] and NOT_CHOSEN in lines["R-DARTS(L2)"][-1]
    assert lines["R-DARTS(DP) p=0.6"][2] == "-" and lines["R-DARTS(DP) p=0.6"][-1].startswith("computed")
    cmp = pd.read_csv(out["compare"])  # the vs-paper file compares the transcribed cells only
    assert sorted(zip(cmp["row"], cmp["dataset"])) == [("DARTS", "cifar10"), ("DARTS", "svhn"), ("R-DARTS(L2)", "cifar100")]
    hit = cmp.set_index(["row", "dataset"]).loc[("DARTS", "cifar10")]
    assert hit["reported"] == 4.85 and hit["difference"] == pytest.approx(0.15) and bool(hit["within_2std"])


def test_a_dataset_the_paper_does_not_search_reads_dash():
    from darts_core.report.dataset_tables import reported_cells
    from darts_core.reported.zela2020 import COLUMNS

    spec = {"rows": [{"label": "DARTS", "run": "darts"}, {"label": "R-DARTS(DP) p=0.6", "run": "dp-0.6", "reported": False}]}
    cells = reported_cells(spec, "s2", ["digits", "svhn"], pd.DataFrame(columns=COLUMNS))
    assert cells == {"DARTS": {"digits": "-", "svhn": "not available"}, "R-DARTS(DP) p=0.6": {"digits": "-", "svhn": "-"}}


def test_the_shipped_transcription_gives_not_available(study, tmp_path):
    """With the package's zela2020.csv (no cell transcribed yet: its docstring says why) every paper row
    reads "not available", never a number from elsewhere."""
    from darts_core.report.paper_tables import build_by_dataset_table
    from darts_core.reported.zela2020 import load_zela

    shipped = load_zela()
    inputs = {**products.table_params(study.config, "rdarts_s1")["inputs"], "summaries": {}}
    out = {k: tmp_path / f"t.{k}" for k in ("csv", "md", "tex", "compare", "compare_md")}
    build_by_dataset_table("rdarts_s1", inputs, out)
    md = out["md"].read_text()
    for label in ("DARTS", "DARTS-ES", "R-DARTS(L2)", "R-DARTS(DP)"):
        cells = next(line.split(" | ") for line in md.splitlines() if line.startswith(f"| {label} |"))
        for col, dataset in ((2, "cifar10"), (4, "cifar100"), (6, "svhn")):
            hit = shipped[(shipped["space"] == "s1") & (shipped["dataset"] == dataset) & (shipped["method"] == label)]
            assert cells[col] == (f"{hit['mean'].iloc[0]:.2f}" if len(hit) else "not available"), (label, dataset)


def test_table_rows_are_checked(study):
    import copy

    from darts_core.study.checks import check_tables
    from darts_core.study.config import StudyConfigError

    config = copy.deepcopy(study.config)
    config["tables"]["rdarts_s1"]["rows"] = [dict(r) for r in config["tables"]["rdarts_s1"]["rows"]]
    config["tables"]["rdarts_s1"]["rows"][0]["label"] = "DART"
    with pytest.raises(StudyConfigError, match=r"tables.rdarts_s1.rows\[0\].label: 'DART' is not one of the paper's methods"):
        check_tables(config)
    config = copy.deepcopy(study.config)
    config["tables"]["rdarts_s1"]["rows"] = [dict(r) for r in config["tables"]["rdarts_s1"]["rows"]]
    config["tables"]["rdarts_s1"]["rows"][2]["select"] = ["l2-0.0009", "nope"]
    with pytest.raises(StudyConfigError, match=r"rows\[2\].select.*'nope'"):
        check_tables(config)
    config["tables"]["rdarts_s1"]["rows"][2] = {"label": "R-DARTS(L2)", "select": ["l2-0.0009"], "run": "darts"}
    with pytest.raises(StudyConfigError, match=r"rows\[2\].select: a row choosing among grid runs names no run"):
        check_tables(config)


@pytest.fixture(scope="module")
def robustdarts_runs(shared_data, tmp_path_factory):
    """RobustDARTS's real S1/CIFAR-10 and S3/SVHN runs of DARTS and of its drop-path grid, imported as run
    directories (hessian.csv: the dominant eigenvalues it logged every 2 epochs), with their stops."""
    root = tmp_path_factory.mktemp("rd")
    dirs = {"cifar10": ("s1/cifar10", {"darts": "0.0_0.0003-2516843", "dp-0.2": "0.2_0.0003-2516850",
                                       "dp-0.4": "0.4_0.0003-2516851", "dp-0.6": "0.6_0.0003-2516868"}),
            "svhn": ("s3/svhn", {"darts": "0.0_0.0003-2516870", "dp-0.2": "0.2_0.0003-2614104",
                                 "dp-0.4": "0.4_0.0003-2614117", "dp-0.6": "0.6_0.0003-2614118"})}
    panels = {}
    for dataset, (where, runs) in dirs.items():
        panels[dataset] = {}
        for run, name in runs.items():
            panels[dataset][run] = {}
            for task in (1, 2, 3):
                out = root / dataset / run / f"seed{task}"
                import_log("robustdarts", shared_data / RD / where / name, out, task=task)
                evaluate(out).to_csv(out / layout.STOPS, index=False)
                panels[dataset][run][task] = str(out)
    return panels


def test_eigenvalue_figure_from_robustdarts_logs(robustdarts_runs, shared_data, tmp_path):
    from darts_core.report.eigenvalue_figure import draw_eigenvalue_trajectories, read_eigenvalues

    eig = read_eigenvalues(robustdarts_runs)
    derived = pd.read_csv(shared_data / "darts-logs/RobustDARTS/DERIVED/dominant_eigenvalues.csv")
    one = derived[(derived["job_id"] == 2516843) & (derived["task_id_seed"] == 2)]
    ours = eig[(eig["dataset"] == "cifar10") & (eig["run"] == "darts") & (eig["seed"] == 2)]
    np.testing.assert_allclose(ours["eigenvalue"], one["dominant_eigenvalue"], rtol=1e-6)
    assert ours["epoch"].tolist() == (one["epoch"] + 1).tolist()
    # the paper's point on these real logs: DARTS's eigenvalue ends higher than with the strongest drop path
    last = eig[eig["epoch"] == 50].groupby(["dataset", "run"])["eigenvalue"].mean()
    for dataset in ("cifar10", "svhn"):
        assert last[dataset, "darts"] > last[dataset, "dp-0.6"]
    png = draw_eigenvalue_trajectories(robustdarts_runs, {"title": "RobustDARTS logs: S1 CIFAR-10, S3 SVHN"},
                                       tmp_path / "eig.png", tmp_path / "eig.pdf")
    assert png.stat().st_size > 10_000 and (tmp_path / "eig.pdf").stat().st_size > 5_000


@pytest.mark.workflow
def test_dry_run_of_the_whole_study(tmp_path):
    """`snakemake -n` on the study's targets: searches (the Hessian every 2 epochs is logged by each search
    job), their stops (DARTS-ES), the evaluations of every found cell, the four tables and eight figures."""
    from collections import Counter

    from workflow_plan import REPO, planned_jobs, snakemake

    targets = [t for s in SPACES for t in (f"results/rdarts_{s}/runs.csv", f"results/tables/rdarts_{s}.md",
                                            f"results/figures/rdarts_{s}_eig_l2.png", f"results/figures/rdarts_{s}_eig_dp.png")]
    proc = snakemake(*targets, "-n", "--configfile", str(REPO / "config.yaml"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    jobs = planned_jobs(proc.stdout)
    rules = Counter(j["rule"] for j in jobs)
    assert rules == {"search": 288, "magnitudes": 288, "stops": 288, "genotype": 324, "retrain": 324,
                     "retrain_summary": 108, "table": 4, "figure": 8, "manifest": 4}
    search = [j for j in jobs if j["rule"] == "search"]
    assert {j["wildcards"]["experiment"] for j in search} == {f"rdarts_{s}" for s in SPACES}
    assert all(j["resources"]["gpu"] == "1" and int(j["resources"]["runtime"]) == 1.5 * 50 * 12 + 10 for j in search)
    train = [j for j in jobs if j["rule"] == "retrain"]
    assert {j["wildcards"]["rdataset"] for j in train} == {"cifar10", "cifar100", "svhn"}
    assert all(j["wildcards"]["rdataset"] == j["wildcards"]["dataset"] for j in train)
    assert all(int(j["resources"]["runtime"]) == 1.5 * 600 * 1 + 10 for j in train)
    assert sum(j["wildcards"]["criterion"] == "darts_es" for j in train) == 36


def test_darts_es_that_did_not_fire_in_every_search_is_marked(tmp_path):
    from darts_core.report.dataset_tables import by_dataset_long_table, by_dataset_wide_table

    path = _summary(tmp_path / "es.csv", [3.0, 4.0], seeds=(1, 2))
    df = pd.read_csv(path).assign(met=[True, False])  # search 2: never fired, its final cell trained
    df.to_csv(path, index=False)
    spec = {"rows": [{"label": "DARTS-ES", "run": "darts", "stop": "darts_es"}]}
    long = by_dataset_long_table("t", spec, {"DARTS-ES": {"svhn": [path]}}, ["svhn"], [1, 2], [1])
    wide = by_dataset_wide_table(long).set_index("Method")
    assert wide.loc["DARTS-ES ‡", "stop fired"] == "1/2"
    assert "stop fired in 1/2 searches" in long.loc[long["metric"] == "test_error", "note"].iloc[0]
