"""Every kind of bad input a user can give, and the one-line message it gets (issue 9).

Each case builds its bad input in a temporary directory and calls the entry point the user reaches (the
function a rule or CLI command calls; a few through the CLI or a Snakemake dry run). tests/test_bad_inputs.py
checks each: the expected exception, one line, the fragments (which name the input and what is wrong).
`python tests/bad_input_catalog.py` prints the catalog as a Markdown table with the messages it gets now.
"""

from __future__ import annotations

import gzip
import json
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


@dataclass(frozen=True)
class Case:
    category: str
    what: str  # the bad input, in words
    provoke: Callable[[Path], object]  # raises on the bad input built under the given directory
    expect: tuple[str, ...]  # fragments of the message (the input's name and what is wrong)


def paper_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def study_check(edit: Callable[[dict], None]) -> Callable[[Path], object]:
    """Edit the paper config, then run the Snakefile's checks (schema, then cross-references)."""
    def provoke(tmp: Path):
        from workflow_plan import load_common

        ns, cfg = load_common(), paper_config()
        edit(cfg)
        from darts_core.search.config import resolve_config

        ns.check_schema(cfg, REPO / "workflow" / "schemas" / "config.schema.yaml")
        ns.check_study(cfg, *ns.implemented())
        return ns.resolved_searches(cfg, resolve_config)
    return provoke


def search_config(**settings) -> Callable[[Path], object]:
    def provoke(tmp: Path):
        from darts_core.search.config import resolve_config

        return resolve_config(settings)
    return provoke


def cli(*args: str) -> Callable[[Path], object]:
    """`python -m darts_core ...`: the last line of stderr, raised as SystemExit with the exit code."""
    def provoke(tmp: Path):
        proc = subprocess.run([sys.executable, "-m", "darts_core", *args], capture_output=True, text=True,
                              cwd=tmp, timeout=300)
        if proc.returncode:
            raise CliError(proc.returncode, proc.stderr.strip())
        return proc
    return provoke


class CliError(Exception):
    """A CLI command that exited non-zero; str() is its stderr."""

    def __init__(self, code: int, stderr: str):
        super().__init__(stderr)
        self.code = code


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


# ---- config ------------------------------------------------------------------------------------------

def _set(path: str, value):
    def edit(cfg):
        node = cfg
        *parents, last = path.split("/")
        for key in parents:
            node = node[key]
        node[last] = value
    return edit


def snakemake_dry_run(edit: Callable[[dict], None]) -> Callable[[Path], object]:
    """A real `snakemake -n` with the edited paper config: the message reaches the user before any job."""
    def provoke(tmp: Path):
        from workflow_plan import snakemake

        cfg = paper_config()
        edit(cfg)
        (tmp / "config.yaml").write_text(yaml.safe_dump(cfg))
        proc = snakemake("-n", "--configfile", str(tmp / "config.yaml"), cwd=tmp)
        if proc.returncode:
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith(("config ", "tables."))]
            raise CliError(proc.returncode, "\n".join(lines) or proc.stderr)
        return proc
    return provoke


CONFIG = [
    Case("config", "misspelled method (through `snakemake -n`)",
         snakemake_dry_run(_set("experiments/table1/runs/darts-v2/method", "darts_v2")),
         ("config experiments.table1.runs.darts-v2.method", "'darts_v2' is not one of")),
    Case("config", "negative weight learning rate",
         study_check(_set("experiments/table2/runs/ss-darts/w_lr", -0.003)),
         ("config experiments.table2.runs.ss-darts.w_lr", "less than or equal to the minimum of 0")),
    Case("config", "misspelled search setting",
         study_check(_set("experiments/exp4_arch_lr/runs/a_lr0.001/a_lrr", 0.001)),
         ("config experiments.exp4_arch_lr.runs.a_lr0.001", "'a_lrr' was unexpected")),
    Case("config", "seeds not a list", study_check(_set("experiments/table1/seeds", 5)),
         ("config experiments.table1.seeds", "5 is not of type 'array'")),
    Case("config", "unknown dataset", study_check(_set("experiments/table1/datasets", ["cifar-10"])),
         ("config experiments.table1.datasets.0", "'cifar-10' is not one of")),
    Case("config", "unknown search space", study_check(_set("experiments/table4/space", "dart")),
         ("config experiments.table4.space", "'dart' is not one of")),
    Case("config", "malformed stop criterion", study_check(_set("stop_criteria/nb201", ["final", "darts+_sc:0"])),
         ("config stop_criteria.nb201.1", "'darts+_sc:0' does not match")),
    Case("config", "unknown op in a run's `ops`",
         study_check(_set("experiments/exp6_no_skip/runs/no-skip/ops", ["none", "conv_9x9"])),
         ("experiments.exp6_no_skip.runs.no-skip", "conv_9x9")),
    Case("config", "reuse of a run that does not exist",
         study_check(_set("experiments/exp1_warmup/runs/baseline", {"reuse": "table1/darts-v3"})),
         ("experiments.exp1_warmup.runs.baseline", "darts-v3")),
    Case("config", "table row naming a run the experiment lacks",
         study_check(_set("tables/table1/rows", [{"label": "X", "run": "darts-v9"}])),
         ("tables.table1.rows[0].run", "has no run 'darts-v9'")),
    Case("config", "table row with a stop criterion not in stop_criteria",
         study_check(_set("tables/table2/rows", [{"label": "X", "run": "ss-darts", "stop": "darts+_sc:9"}])),
         ("tables.table2.rows[0].stop", "'darts+_sc:9' is not in stop_criteria.nb201")),
    Case("config", "figure of an experiment that does not exist",
         study_check(_set("figures/fig2_warmup/experiment", "exp99")),
         ("figures.fig2_warmup.experiment", "no experiment 'exp99'")),
    Case("config", "retrain entry with a criterion not in stop_criteria",
         study_check(_set("retrain/table5_imagenet/criteria",
                          ["ss_residual:dil_conv_5x5", "ss_residual:sep_conv_5x5", "ss_peak:skip_connect"])),
         ("retrain.table5_imagenet.criteria", "'ss_peak:skip_connect' is not in stop_criteria.darts")),
    Case("config", "selective stop on an op the space lacks",
         study_check(_set("stop_criteria/nb201", ["final", "ss_residual:nor_conv3x3"])),
         ("stop_criteria.nb201[1]", "names op 'nor_conv3x3', which the nb201 space lacks")),
    Case("config", "retrain entry with a CIFAR protocol on ImageNet",
         study_check(_set("retrain/table5_imagenet/protocol", "drnas-cifar")),
         ("retrain.table5_imagenet.protocol", "does not train on 'imagenet'")),
    Case("config", "DARTS-space table naming no retrain entry", study_check(_set("tables/table4/retrain", "tab4")),
         ("tables.table4.retrain", "needs the retrain entry", "'tab4'")),
    Case("config", "table row of an unpublished genotype",
         study_check(_set("tables/table4/rows", [{"label": "X", "genotype": "DARTS_V3"}])),
         ("tables.table4.rows[0].genotype", "'DARTS_V3' is not a published genotype")),
]

# ---- search settings (resolve_config: every search is resolved before any job runs) --------------------

SEARCH = [
    Case("search settings", "zero epochs", search_config(epochs=0), ("epochs", "0")),
    Case("search settings", "warm-up as long as the run", search_config(epochs=10, warmup_epochs=10),
         ("warmup_epochs (10) must be < epochs (10",)),
    Case("search settings", "op not in the NB201 space", search_config(ops=["none", "sep_conv_3x3"]),
         ("sep_conv_3x3",)),
    Case("search settings", "unknown method", search_config(method="darts-v3"), ("method", "darts-v3")),
    Case("search settings", "unknown device", search_config(device="tpu"), ("device 'tpu'",)),
    Case("search settings", "a_betas not two numbers", search_config(a_betas=[0.5]), ("a_betas must be two numbers",)),
    Case("search settings", "GDAS on the DARTS space", search_config(method="gdas", space="darts"),
         ("method gdas needs a one-op-per-edge forward", "space 'darts'")),
    Case("search settings", "ERM on a method without it", search_config(single_level=True),
         ("single_level (ERM) is a GAEA option",)),
    Case("search settings", "unknown training loop", search_config(loop="pc-darts"), ("loop", "pc-darts")),
]

# ---- datasets ------------------------------------------------------------------------------------------


def _cifar_missing(tmp):
    from darts_core.data.cifar import read_cifar

    return read_cifar("cifar10", tmp / "data")


def _cifar_bad_tarball(tmp):
    from darts_core.data.cifar import read_cifar

    write(tmp / "data" / "cifar-10-python.tar.gz", b"not the CIFAR tarball")
    return read_cifar("cifar10", tmp / "data")


def _cifar_truncated_batch(tmp):
    from darts_core.data.cifar import read_cifar

    folder = tmp / "data" / "cifar-10-batches-py"
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write(folder / name, pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]})[:20])
    return read_cifar("cifar10", tmp / "data")


def _imagenet16_missing(tmp):
    from darts_core.data.imagenet16 import read_imagenet16

    (tmp / "ImageNet16").mkdir()
    return read_imagenet16(tmp / "ImageNet16")


def _split_missing(tmp):
    from darts_core.data.splits import load_split

    return load_split("cifar100-test-split.txt", tmp / "splits")


def _split_wrong_hash(tmp):
    from darts_core.data.splits import load_split

    write(tmp / "splits" / "cifar100-test-split.txt", json.dumps({"xvalid": ["int", [1, 2]]}))
    return load_split("cifar100-test-split.txt", tmp / "splits")


def _imagenet_folder_missing(tmp):
    from darts_core.train.imagenet import imagenet_datasets

    return imagenet_datasets(tmp / "no-imagenet")


def _imagenet_class_mismatch(tmp):
    from PIL import Image

    from darts_core.train.imagenet import imagenet_datasets

    for split, cls in (("train", "n01"), ("val", "n02")):
        (tmp / "inet" / split / cls).mkdir(parents=True)
        Image.new("RGB", (4, 4)).save(tmp / "inet" / split / cls / "a.JPEG")
    return imagenet_datasets(tmp / "inet")


def study_without_cifar() -> dict:
    """One CIFAR-10 search whose data folder (`nodata`) is empty."""
    return {"paths": {"data": "nodata"},
            "compute": {"device": "cpu", "gpus_per_search": 0, "threads_per_search": 1, "workers": 0,
                        "mem_mb_per_search": 1000},
            "experiments": {"e": {"space": "nb201", "datasets": ["cifar10"], "seeds": [0], "epochs": 1,
                                  "runs": {"r": {"method": "darts-v1"}}}}}


def _workflow_without_cifar(tmp):
    """A real run (not -n) of a study whose CIFAR-10 is missing: the onstart check stops it before any job."""
    from workflow_plan import snakemake

    (tmp / "study.yaml").write_text(yaml.safe_dump(study_without_cifar()))
    proc = snakemake("--configfile", str(tmp / "study.yaml"), "--replace-workflow-config", "--cores", "1", cwd=tmp)
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("paths.data")]
    if proc.returncode:
        raise CliError(proc.returncode, "\n".join(lines) or proc.stderr)
    return proc


DATA = [
    Case("dataset", "CIFAR-10 missing when the workflow starts (real run)", _workflow_without_cifar,
         ("paths.data (cifar10 searches)", "nodata/cifar-10-python.tar.gz not found", "paths.download: true")),
    Case("dataset", "CIFAR-10 folder and tarball missing", _cifar_missing,
         ("cifar-10", "cs.toronto.edu")),
    Case("dataset", "CIFAR-10 tarball with the wrong checksum", _cifar_bad_tarball,
         ("cifar-10-python.tar.gz", "md5")),
    Case("dataset", "truncated CIFAR-10 batch file", _cifar_truncated_batch, ("data_batch_1",)),
    Case("dataset", "ImageNet16 folder without its files", _imagenet16_missing, ("ImageNet16", "train_data_batch_1")),
    Case("dataset", "official split file missing", _split_missing,
         ("cifar100-test-split.txt", "D-X-Y/AutoDL-Projects")),
    Case("dataset", "official split file with the wrong sha256", _split_wrong_hash,
         ("cifar100-test-split.txt", "sha256")),
    Case("dataset", "ImageNet folder missing (Table 5)", _imagenet_folder_missing, ("no-imagenet",)),
    Case("dataset", "ImageNet train and val with different classes", _imagenet_class_mismatch,
         ("inet", "different class folders")),
    Case("dataset", "unknown dataset name", search_config(dataset="cifar11"), ("dataset", "cifar11")),
]

# ---- benchmark files -----------------------------------------------------------------------------------


def _pth_pinned_sha(tmp):
    from darts_core.benchmark.pth_source import verify_checksum

    path = write(tmp / "NAS-Bench-201-v1_1-096897.pth", b"truncated download")
    return verify_checksum(path, sha256="0" * 64)


def _pth_name_tag(tmp):
    from darts_core.benchmark.pth_source import verify_checksum

    return verify_checksum(write(tmp / "NAS-Bench-201-v1_1-096897.pth", b"truncated download"))


def _pth_renamed(tmp):
    from darts_core.benchmark.pth_source import verify_checksum

    return verify_checksum(write(tmp / "nb201.pth", b"x"))


def _csv_dir_empty(tmp):
    from darts_core.benchmark.table import build_from_csv

    (tmp / "nb201").mkdir()
    return build_from_csv(tmp / "nb201")


def _table_missing_columns(tmp):
    from darts_core.benchmark.table import load_table

    path = tmp / "nb201.parquet"
    pd.DataFrame({"index": [0], "arch": ["x"]}).to_parquet(path)
    return load_table(path)


def _table_not_parquet(tmp):
    from darts_core.benchmark.table import load_table

    return load_table(write(tmp / "nb201.parquet", "index,arch\n0,x\n"))


BENCHMARK = [
    Case("benchmark", ".pth that differs from the pinned sha256", _pth_pinned_sha,
         ("NAS-Bench-201-v1_1-096897.pth", "differs from the pinned")),
    Case("benchmark", ".pth whose checksum does not match its name's tag", _pth_name_tag,
         ("NAS-Bench-201-v1_1-096897.pth", "does not match the tag 096897", "corrupt or incomplete")),
    Case("benchmark", ".pth renamed (no tag to check, no pinned sha256)", _pth_renamed,
         ("nb201.pth", "cannot verify")),
    Case("benchmark", "CSV folder without the extracts", _csv_dir_empty, ("nb201",)),
    Case("benchmark", "benchmark table without its columns", _table_missing_columns,
         ("nb201.parquet", "missing column")),
    Case("benchmark", "benchmark table that is not Parquet", _table_not_parquet,
         ("nb201.parquet", "not a readable Parquet file")),
]

# ---- genotype strings ----------------------------------------------------------------------------------


def nb201_arch(text):
    def provoke(tmp):
        from darts_core.spaces.nb201 import parse_arch

        return parse_arch(text)
    return provoke


def darts_genotype(text):
    def provoke(tmp):
        from darts_core.spaces.darts import parse_genotype

        return parse_genotype(text)
    return provoke


def _v2_with(old: str, new: str) -> str:
    from darts_core.spaces import darts

    return darts.genotype_string(darts.published("DARTS_V2")).replace(old, new, 1)


GENOTYPE = [
    Case("genotype", "NB201 arch string without its bars", nb201_arch("nor_conv_3x3~0+skip_connect~1"),
         ("nor_conv_3x3~0+skip_connect~1",)),
    Case("genotype", "NB201 arch with an unknown op", nb201_arch("|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
         ("conv_9x9",)),
    Case("genotype", "NB201 arch with a node too few", nb201_arch("|nor_conv_3x3~0|+|none~0|none~1|"), ("|+|",)),
    Case("genotype", "DARTS genotype that is not Python syntax", darts_genotype("normal=[('sep_conv_3x3', 0)]"),
         ("normal=[('sep_conv_3x3', 0)]", "not valid syntax", "expected Genotype(normal=")),
    Case("genotype", "DARTS genotype of another type", darts_genotype("Cell(normal=[])"),
         ("Cell(normal=[])", "must look like Genotype(")),
    Case("genotype", "DARTS genotype with an unknown op",
         lambda tmp: darts_genotype(_v2_with("sep_conv_3x3", "sep_conv_9x9"))(tmp), ("sep_conv_9x9",)),
    Case("genotype", "DARTS genotype with an input from a later node",
         lambda tmp: darts_genotype(_v2_with("('sep_conv_3x3', 0)", "('sep_conv_3x3', 5)"))(tmp), ("5",)),
    Case("genotype", "unknown published genotype name (retrain CLI)",
         cli("retrain", "DARTS_V3", "--dataset", "digits", "--protocol", "demo", "--out", "x"), ("DARTS_V3",)),
]

# ---- alpha logs, run directories, imported logs --------------------------------------------------------


def _alphas(tmp, df):
    from darts_core.runlog import read_alphas

    path = tmp / "alphas.parquet"
    df.to_parquet(path)
    return read_alphas(path)


def _good_alphas():
    from darts_core.runlog import alpha_rows
    from darts_core.spaces import nb201

    edges, ops = nb201.edges(), list(nb201.OPS)
    frames = [alpha_rows(e, "normal", edges, ops, np.zeros((6, 5)), np.full((6, 5), 0.2)) for e in (0, 1)]
    return pd.concat(frames, ignore_index=True)


def _alphas_missing_column(tmp):
    return _alphas(tmp, _good_alphas().drop(columns=["weight"]))


def _alphas_nan(tmp):
    df = _good_alphas()
    df.loc[3, "alpha"] = float("nan")
    return _alphas(tmp, df)


def _alphas_unknown_op(tmp):
    df = _good_alphas()
    df["op"] = df["op"].replace("nor_conv_3x3", "conv_9x9")
    from darts_core.runlog import read_alphas
    from darts_core.spaces import nb201

    df.to_parquet(tmp / "alphas.parquet")
    return read_alphas(tmp / "alphas.parquet", known_ops=nb201.OPS)


def _alphas_not_parquet(tmp):
    from darts_core.runlog import read_alphas

    return read_alphas(write(tmp / "alphas.parquet", "epoch,cell\n"))


def _stops_empty_run(tmp):
    from darts_core.stops.criteria import evaluate

    (tmp / "run").mkdir()
    return evaluate(tmp / "run")


def _import_garbage_log(tmp):
    from darts_core.stops.import_logs import import_dartspt

    return import_dartspt(write(tmp / "log.txt", "this is not a DARTS-PT log\n"), tmp / "run")


ALPHA_LOGS = [
    Case("alpha log", "alpha log without its weight column", _alphas_missing_column, ("alphas.parquet", "weight")),
    Case("alpha log", "alpha log with a NaN", _alphas_nan, ("alphas.parquet",)),
    Case("alpha log", "alpha log with an op the space lacks", _alphas_unknown_op, ("alphas.parquet", "conv_9x9")),
    Case("alpha log", "alpha log that is not Parquet", _alphas_not_parquet, ("alphas.parquet", "cannot be read")),
    Case("alpha log", "run directory without alphas or genotypes", _stops_empty_run, ("run",)),
    Case("alpha log", "a file that is not a DARTS-PT log (import-log)", _import_garbage_log, ("log.txt",)),
]

# ---- stop criteria, protocols, checkpoints -------------------------------------------------------------


def criterion(text):
    def provoke(tmp):
        from darts_core.stops.criteria import parse_criterion

        return parse_criterion(text)
    return provoke


def _retrain_checkpoint_other_run(tmp):
    from darts_core.spaces import darts
    from darts_core.train.protocols import get_protocol
    from darts_core.train.retrain import retrain

    cfg = get_protocol("demo", epochs=1, init_channels=2, layers=2, batch_size=512)
    retrain(darts.published("DARTS_V2"), "digits", cfg, tmp / "out", seed=0)
    return retrain(darts.published("DARTS_V1"), "digits", cfg, tmp / "out", seed=0)


def _search_checkpoint_other_settings(tmp):
    import torch

    from darts_core.search.config import resolve_config
    from darts_core.search.state import check_same_config

    old = resolve_config({"dataset": "digits", "epochs": 5})
    new = resolve_config({"dataset": "digits", "epochs": 5, "a_lr": 0.001})
    torch.save({"config": old.to_dict()}, tmp / "checkpoint.pt")
    return check_same_config(old.to_dict(), new, tmp / "checkpoint.pt")


def _corrupt_checkpoint(tmp):
    from darts_core.checkpoint import load_checkpoint

    return load_checkpoint(write(tmp / "checkpoint.pt", gzip.compress(b"half a checkpoint")))


OTHER = [
    Case("stop criterion", "SS on a cell that does not exist", criterion("ss_residual:nor_conv_3x3@reduction"),
         ("ss_residual:nor_conv_3x3@reduction", "cell must be normal or reduce")),
    Case("stop criterion", "DARTS+ with a non-number k", criterion("darts+_sc:x"), ("darts+_sc:x",)),
    Case("stop criterion", "unknown criterion", criterion("early_stop"), ("early_stop",)),
    Case("retrain", "unknown training protocol",
         lambda tmp: __import__("darts_core.train.protocols", fromlist=["get_protocol"]).get_protocol("darts-cifar10"),
         ("unknown protocol 'darts-cifar10'",)),
    Case("retrain", "unknown protocol field in overrides",
         lambda tmp: __import__("darts_core.train.protocols", fromlist=["get_protocol"]).get_protocol(
             "demo", epoch=3), ("unknown protocol field(s) epoch",)),
    Case("checkpoint", "retrain folder holding another cell's checkpoint", _retrain_checkpoint_other_run,
         ("checkpoint.pt", "different run", "genotype")),
    Case("checkpoint", "search checkpoint written with other settings", _search_checkpoint_other_settings,
         ("checkpoint.pt", "a_lr")),
    Case("checkpoint", "corrupt checkpoint file", _corrupt_checkpoint, ("checkpoint.pt",)),
    Case("CLI", "search with a negative epoch count", cli("search", "--out", "x", "--epochs", "-1"), ("epochs",)),
    Case("CLI", "lookup in a benchmark table not built yet", cli("lookup", "--table", "none.parquet", "x"),
         ("none.parquet", "does not exist")),
]

CASES: list[Case] = CONFIG + SEARCH + DATA + BENCHMARK + GENOTYPE + ALPHA_LOGS + OTHER


def message_of(case: Case, tmp: Path) -> str:
    """The message the bad input gets ('' when nothing was raised)."""
    try:
        case.provoke(tmp)
    except Exception as err:  # noqa: BLE001 - the catalog reports whatever the user would see
        return str(err)
    return ""


def main() -> None:
    import tempfile

    print("| category | bad input | message |")
    print("|---|---|---|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            text = message_of(case, Path(tmp)).replace(tmp, "<tmp>") or "(no error: a gap)"
        text = text.replace("|", "\\|").replace("\n", " ⏎ ")
        print(f"| {case.category} | {case.what} | {text} |")


if __name__ == "__main__":
    main()
