"""Every kind of bad input a user can give, and the one-line message it gets.

Each case builds its bad input in a temporary directory it is given and calls the entry point the user
reaches: the function a rule or CLI command calls; a few through `python -m darts_core` or Snakemake
(a `-n` dry run and a real run whose `onstart` check stops it). A case names
- `error`: the exception type the user gets (`DartsCoreError`; `StudyConfigError` from the Snakefile's
  checks; for a subprocess, the type it reports: `error: ...` of the CLI is a DartsCoreError),
- `names`: the fragment naming the input (config key, file path under the temporary directory, string),
- `expect`: fragments saying what is wrong,
- `gap`: set when the check is missing in a file this catalog's owner may not change (the test is a
  strict xfail: it fails once the gap is fixed, so the marker is removed then).
tests/test_bad_inputs.py checks each; `python tests/bad_input_catalog.py` prints the catalog as a Markdown
table with the messages the inputs get now.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import re
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
    names: str  # fragment of the message naming the input: config key, file path, the string
    expect: tuple[str, ...]  # fragments of the message saying what is wrong
    error: str = "DartsCoreError"  # the exception type (class name) the user gets
    gap: str = ""  # the missing check, when it is in a file owned elsewhere (strict xfail)


class UserFacingError(Exception):
    """What a subprocess showed the user: `kind` the error type it reported, str() the message lines."""

    def __init__(self, kind: str, message: str, code: int):
        super().__init__(message)
        self.kind, self.code = kind, code


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


def call(fn: Callable, *args, **kwargs) -> Callable[[Path], object]:
    """A provoke that ignores the temporary directory."""
    return lambda tmp: fn(*args, **kwargs)


# ---- subprocesses: the CLI and Snakemake --------------------------------------------------------------


def cli(*args: str) -> Callable[[Path], object]:
    """`python -m darts_core ...` in the temporary directory; its whole stderr is the message (the CLI prints
    a DartsCoreError as one line `error: ...` and exits 2)."""
    def provoke(tmp: Path):
        proc = subprocess.run([sys.executable, "-m", "darts_core", *args], capture_output=True, text=True,
                              cwd=tmp, timeout=300)
        if proc.returncode:
            stderr = proc.stderr.strip()
            kind = "DartsCoreError" if proc.returncode == 2 and stderr.startswith("error: ") else f"exit {proc.returncode}"
            raise UserFacingError(kind, stderr, proc.returncode)
        return proc
    return provoke


# Snakemake reports an exception raised while it reads the Snakefile or in `onstart` as
#   <Type> in file "<file>", line <n>:
#   <the message: str(exception), as many lines as it has>
#     File "<file>", line <n>, in <function>     (the frames)
SNAKEMAKE_ERROR = re.compile(r'^(\w+) in (?:rule \w+ in )?file ".*", line \d+:$')


def snakemake_error(proc: subprocess.CompletedProcess) -> UserFacingError:
    """The error a failed Snakemake run showed: the type of its first error block and that block's message
    lines (every line up to the frames), so a message of several lines shows as several."""
    lines = (proc.stdout + proc.stderr).splitlines()
    for k, line in enumerate(lines):
        if m := SNAKEMAKE_ERROR.match(line):
            message = []
            for ln in lines[k + 1:]:
                if ln.startswith("  File ") or not ln.strip():
                    break
                message.append(ln)
            return UserFacingError(m.group(1), "\n".join(message), proc.returncode)
    return UserFacingError(f"exit {proc.returncode}", proc.stderr, proc.returncode)


def snakemake_dry_run(edit: Callable[[dict], None]) -> Callable[[Path], object]:
    """A real `snakemake -n` with the edited paper config: the message reaches the user before any job."""
    def provoke(tmp: Path):
        from workflow_plan import snakemake

        cfg = paper_config()
        edit(cfg)
        (tmp / "config.yaml").write_text(yaml.safe_dump(cfg))
        proc = snakemake("-n", "--configfile", str(tmp / "config.yaml"), cwd=tmp)
        if proc.returncode:
            raise snakemake_error(proc)
        return proc
    return provoke


# ---- config: the Snakefile's checks --------------------------------------------------------------------


def paper_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def study_check(edit: Callable[[dict], None]) -> Callable[[Path], object]:
    """Edit the paper config, then run what the Snakefile runs before any job (darts_core.study.load_study):
    the schema (one line), its defaults, the cross-references and every search's settings through the
    search core (resolve_config)."""
    def provoke(tmp: Path):
        from darts_core.study import load_study

        cfg = paper_config()
        edit(cfg)
        return load_study(cfg).searches
    return provoke


def _set(path: str, value):
    def edit(cfg):
        node = cfg
        *parents, last = path.split("/")
        for key in parents:
            node = node[key]
        node[last] = value
    return edit


def study_without_cifar() -> dict:
    """One CIFAR-10 search whose data folder (`nodata`) is empty."""
    return {"paths": {"data": "nodata"},
            "compute": {"device": "cpu", "gpus_per_search": 0, "threads_per_search": 1, "workers": 0,
                        "mem_mb_per_search": 1000},
            "experiments": {"e": {"space": "nb201", "datasets": ["cifar10"], "seeds": [0], "epochs": 1,
                                  "runs": {"r": {"method": "darts-v1"}}}}}


CONFIG = [
    Case("config", "misspelled method (through `snakemake -n`)",
         snakemake_dry_run(_set("experiments/table1/runs/darts-v2/method", "darts_v2")),
         "config experiments.table1.runs.darts-v2.method", ("'darts_v2' is not one of",), "StudyConfigError"),
    Case("config", "negative weight learning rate", study_check(_set("experiments/table2/runs/ss-darts/w_lr", -0.003)),
         "config experiments.table2.runs.ss-darts.w_lr", ("less than or equal to the minimum of 0",),
         "StudyConfigError"),
    Case("config", "misspelled search setting",
         study_check(_set("experiments/exp4_arch_lr/runs/a_lr0.001/a_lrr", 0.001)),
         "config experiments.exp4_arch_lr.runs.a_lr0.001", ("'a_lrr' was unexpected",), "StudyConfigError"),
    Case("config", "seeds not a list", study_check(_set("experiments/table1/seeds", 5)),
         "config experiments.table1.seeds", ("5 is not of type 'array'",), "StudyConfigError"),
    Case("config", "unknown dataset", study_check(_set("experiments/table1/datasets", ["cifar-10"])),
         "config experiments.table1.datasets.0", ("'cifar-10' is not one of",), "StudyConfigError"),
    Case("config", "unknown search space", study_check(_set("experiments/table4/space", "dart")),
         "config experiments.table4.space", ("'dart' is not one of",), "StudyConfigError"),
    Case("config", "malformed stop criterion", study_check(_set("stop_criteria/nb201", ["final", "darts+_sc:0"])),
         "stop_criteria.nb201[1]", ("criterion 'darts+_sc:0': k must be a positive integer",), "StudyConfigError"),
    Case("config", "selective stop on an op the space lacks",
         study_check(_set("stop_criteria/nb201", ["final", "ss_residual:nor_conv3x3"])),
         "stop_criteria.nb201[1]", ("names op 'nor_conv3x3', which the nb201 space lacks",), "StudyConfigError"),
    Case("config", "unknown op in a run's `ops`",
         study_check(_set("experiments/exp6_no_skip/runs/no-skip/ops", ["none", "conv_9x9"])),
         "experiments.exp6_no_skip.runs.no-skip", ("unknown NAS-Bench-201 op 'conv_9x9'",), "StudyConfigError"),
    Case("config", "malformed online stop of a run",
         study_check(_set("experiments/table2/runs/ss-darts/online_stop", "darts+_sc:x")),
         "experiments.table2.runs.ss-darts (cifar10): online_stop", ("'darts+_sc:x': k must be a positive integer",),
         "StudyConfigError"),
    Case("config", "reuse of a run that does not exist",
         study_check(_set("experiments/exp1_warmup/runs/baseline", {"reuse": "table1/darts-v3"})),
         "experiments.exp1_warmup.runs.baseline.reuse", ("experiment 'table1' has no run 'darts-v3'",),
         "StudyConfigError"),
    Case("config", "table row naming a run the experiment lacks",
         study_check(_set("tables/table1/rows", [{"label": "X", "run": "darts-v9"}])),
         "tables.table1.rows[0].run", ("has no run 'darts-v9'",), "StudyConfigError"),
    Case("config", "table row with a stop criterion not in stop_criteria",
         study_check(_set("tables/table2/rows", [{"label": "X", "run": "ss-darts", "stop": "darts+_sc:9"}])),
         "tables.table2.rows[0].stop", ("'darts+_sc:9' is not in stop_criteria.nb201",), "StudyConfigError"),
    Case("config", "figure of an experiment that does not exist",
         study_check(_set("figures/fig2_warmup/experiment", "exp99")),
         "figures.fig2_warmup.experiment", ("no experiment 'exp99'",), "StudyConfigError"),
    Case("config", "paper table row label with a typo (would drop out of the vs-paper comparison)",
         study_check(lambda cfg: cfg["tables"]["table2"]["rows"][1].update(label="DARTS+ (sc2)")),
         "tables.table2.rows[1].label", ("'DARTS+ (sc2)' is not a row of the paper's table2", "did you mean 'DARTS+ (sc_2)'?"),
         "StudyConfigError"),
    Case("config", "table row of an unpublished genotype",
         study_check(_set("tables/table4/rows", [{"label": "X", "genotype": "DARTS_V3"}])),
         "tables.table4.rows[0].genotype", ("'DARTS_V3' is not a published genotype",), "StudyConfigError"),
    Case("config", "DARTS-space table naming no retrain entry", study_check(_set("tables/table4/retrain", "tab4")),
         "tables.table4.retrain", ("needs the retrain entry", "got 'tab4'"), "StudyConfigError"),
    Case("config", "retrain entry with a criterion not in stop_criteria",
         study_check(_set("retrain/table5_imagenet/criteria",
                          ["ss_residual:dil_conv_5x5", "ss_residual:sep_conv_5x5", "ss_peak:skip_connect"])),
         "retrain.table5_imagenet.criteria", ("'ss_peak:skip_connect' is not in stop_criteria.darts",),
         "StudyConfigError"),
    Case("config", "retrain entry with a CIFAR protocol on ImageNet",
         study_check(_set("retrain/table5_imagenet/protocol", "drnas-cifar")),
         "retrain.table5_imagenet.protocol", ("'drnas-cifar' does not train on 'imagenet'",), "StudyConfigError"),
    Case("config", "retrain entry of a search seed the experiment lacks",
         study_check(_set("retrain/table4_cifar10/search_seeds", [7])),
         "retrain.table4_cifar10.search_seeds", ("'table4' does not search seed 7",), "StudyConfigError"),
    Case("config", "retrain entry overriding a protocol field that does not exist",
         study_check(_set("retrain/table4_cifar10/overrides", {"epoch": 3})),
         "retrain.table4_cifar10.overrides", ("unknown protocol field(s) epoch",), "StudyConfigError"),
]

# ---- search settings (resolve_config: the CLI's --config, and every search of the workflow before any job)


def search_config(**settings) -> Callable[[Path], object]:
    def provoke(tmp: Path):
        from darts_core.search.config import resolve_config

        return resolve_config(settings)
    return provoke


SEARCH = [
    Case("search settings", "zero epochs", search_config(epochs=0), "epochs", ("must be >= 1, got 0",)),
    Case("search settings", "warm-up as long as the run", search_config(epochs=10, warmup_epochs=10),
         "warmup_epochs (10)", ("must be < epochs (10",)),
    Case("search settings", "op not in the NB201 space", search_config(ops=["none", "sep_conv_3x3"]),
         "'sep_conv_3x3'", ("unknown NAS-Bench-201 op",)),
    Case("search settings", "unknown method", search_config(method="darts-v3"), "method 'darts-v3'",
         ("is not one of darts-v1",)),
    Case("search settings", "unknown device", search_config(device="tpu"), "device 'tpu'", ("is not one of",)),
    Case("search settings", "a_betas not two numbers", search_config(a_betas=[0.5]), "a_betas",
         ("must be two numbers, got [0.5]",)),
    Case("search settings", "an op subset on a NAS-Bench-1Shot1 space",
         search_config(space="nb1shot1-s1", ops=["conv3x3-bn-relu"]), "nb1shot1-s1", ("searches exactly the ops",)),
    Case("search settings", "GDAS on a NAS-Bench-1Shot1 space", search_config(method="gdas", space="nb1shot1-s2"),
         "nb1shot1-s2", ("needs a one-op-per-edge forward",)),
    Case("search settings", "GDAS on the DARTS space", search_config(method="gdas", space="darts"),
         "method gdas", ("needs a one-op-per-edge forward", "space 'darts'")),
    Case("search settings", "ERM on a method without it", search_config(single_level=True),
         "single_level (ERM)", ("is a GAEA option",)),
    Case("search settings", "GDAS temperature rising", search_config(method="gdas", tau_max=0.1, tau_min=1),
         "tau_max (0.1)", ("must be >= tau_min (1.0)",)),
    Case("search settings", "unknown DrNAS regulariser", search_config(method="drnas", drnas_reg="l1"),
         "drnas_reg 'l1'", ("is not one of l2, kl",)),
    Case("search settings", "Hessian of RSPS", search_config(method="rsps", hessian_every=1), "hessian_every",
         ("rsps has no architecture parameters",)),
    Case("search settings", "unknown training loop", search_config(loop="pc-darts"), "loop 'pc-darts'",
         ("is not one of xautodl, quark0",)),
    Case("search settings", "online stop on an op the run does not search",
         search_config(online_stop="ss_residual:nor_conv_3x3", online_patience=2, ops=["none", "skip_connect"]),
         "online stop 'ss_residual:nor_conv_3x3'", ("op 'nor_conv_3x3' is not searched",)),
]

# ---- datasets ------------------------------------------------------------------------------------------


def _cifar(tmp, folder="data"):
    from darts_core.data.cifar import read_cifar

    return read_cifar("cifar10", tmp / folder)


def _cifar_bad_tarball(tmp):
    write(tmp / "data" / "cifar-10-python.tar.gz", b"not the CIFAR tarball")
    return _cifar(tmp)


def _cifar_truncated_batch(tmp):
    folder = tmp / "data" / "cifar-10-batches-py"
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write(folder / name, pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]})[:20])
    return _cifar(tmp)


def _imagenet16_missing(tmp):
    from darts_core.data.imagenet16 import read_imagenet16

    (tmp / "data" / "ImageNet16").mkdir(parents=True)
    return read_imagenet16(tmp / "data")


def _split(tmp, text=None):
    from darts_core.data.splits import load_split

    if text is not None:
        write(tmp / "splits" / "cifar100-test-split.txt", text)
    return load_split("cifar100-test-split.txt", tmp / "splits")


def _imagenet(tmp, splits):
    from PIL import Image

    from darts_core.train.imagenet import imagenet_datasets

    for split, cls in splits:
        (tmp / "inet" / split / cls).mkdir(parents=True)
        Image.new("RGB", (4, 4)).save(tmp / "inet" / split / cls / "a.JPEG")
    return imagenet_datasets(tmp / "inet")


def _svhn_corrupt(tmp):
    """A train_32x32.mat that is not the official file (here: a small valid .mat built with scipy)."""
    import scipy.io

    from darts_core.data import svhn

    (tmp / "data" / "svhn").mkdir(parents=True)
    scipy.io.savemat(str(tmp / "data" / "svhn" / "train_32x32.mat"),
                     {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((2, 1), np.uint8)})
    return svhn.read_svhn(tmp / "data")


def _workflow_without_cifar(tmp):
    """A real run (not -n) of a study whose CIFAR-10 is missing: the onstart check stops it before any job."""
    from workflow_plan import snakemake

    (tmp / "study.yaml").write_text(yaml.safe_dump(study_without_cifar()))
    proc = snakemake("--configfile", str(tmp / "study.yaml"), "--replace-workflow-config", "--cores", "1", cwd=tmp)
    if proc.returncode:
        raise snakemake_error(proc)
    return proc


DATA = [
    Case("dataset", "CIFAR-10 missing when the workflow starts (real run)", _workflow_without_cifar,
         "paths.data (cifar10 searches)", ("nodata/cifar-10-python.tar.gz not found", "paths.download: true"),
         "StudyConfigError"),
    Case("dataset", "CIFAR-10 folder and tarball missing", _cifar, "data/cifar-10-python.tar.gz",
         ("not found", "cs.toronto.edu")),
    Case("dataset", "CIFAR-10 tarball with the wrong checksum", _cifar_bad_tarball, "data/cifar-10-python.tar.gz",
         ("md5 is", "expected c58f30108f718f92721af3b95e74349a")),
    Case("dataset", "truncated CIFAR-10 batch file", _cifar_truncated_batch, "cifar-10-batches-py/data_batch_1",
         ("md5 is", "corrupt or a different file")),
    Case("dataset", "SVHN train_32x32.mat missing", lambda tmp: __import__("darts_core.data.svhn", fromlist=["x"])
         .read_svhn(tmp / "data"), "data/svhn/train_32x32.mat", ("not found", "ufldl.stanford.edu")),
    Case("dataset", "SVHN .mat file with the wrong md5", _svhn_corrupt, "data/svhn/train_32x32.mat",
         ("md5 is", "expected e26dedcc434d2e4c54c9b2d4a06d8373")),
    Case("dataset", "ImageNet16 folder without its files", _imagenet16_missing, "ImageNet16/train_data_batch_1",
         ("not found", "Google Drive")),
    Case("dataset", "official split file missing", _split, "splits/cifar100-test-split.txt",
         ("not found", "D-X-Y/AutoDL-Projects")),
    Case("dataset", "official split file with the wrong sha256",
         lambda tmp: _split(tmp, json.dumps({"xvalid": ["int", [1, 2]]})), "splits/cifar100-test-split.txt",
         ("sha256 is", "corrupt or a different file")),
    Case("dataset", "ImageNet folder missing (Table 5)",
         lambda tmp: __import__("darts_core.train.imagenet", fromlist=["x"]).imagenet_datasets(tmp / "no-imagenet"),
         "no-imagenet/train", ("not found",)),
    Case("dataset", "ImageNet folder without val/", lambda tmp: _imagenet(tmp, [("train", "n01")]), "inet/val",
         ("not found",)),
    Case("dataset", "ImageNet train and val with different classes",
         lambda tmp: _imagenet(tmp, [("train", "n01"), ("val", "n02")]), "inet", ("different class folders",)),
    Case("dataset", "unknown dataset name", search_config(dataset="cifar11"), "dataset 'cifar11'",
         ("is not one of cifar10",)),
]

# ---- benchmark files -----------------------------------------------------------------------------------

PTH = "NAS-Bench-201-v1_1-096897.pth"


def _pth(tmp, data: bytes | None = None, obj=None, name=PTH, pin=True, trust=False):
    """read_pth (the benchmark-table command) on a file of these bytes or this torch-saved object."""
    import torch

    from darts_core.benchmark.pth_source import read_pth

    path = tmp / name
    if obj is not None:
        torch.save(obj, path)
    else:
        write(path, data)
    return read_pth(path, hashlib.sha256(path.read_bytes()).hexdigest() if pin else None, trust_unverified=trust)


def _pth_named_after_its_hash(tmp):
    """A .pth whose name carries its own md5 tag (what the old 6-hex check accepted), neither pinned nor
    opted in: it is not unpickled."""
    from darts_core.benchmark.pth_source import read_pth

    path = write(tmp / "forged.pth", b"any bytes at all")
    named = path.rename(tmp / f"NAS-Bench-201-v1_1-{hashlib.md5(path.read_bytes()).hexdigest()[-6:]}.pth")
    return read_pth(named)


def _csv(tmp, name, text):
    from darts_core.benchmark.table import build_from_csv

    write(tmp / "nb201" / name, text)
    return build_from_csv(tmp / "nb201")


def _table(tmp, df: pd.DataFrame | None = None, text: str | None = None):
    """load_table (every look-up reads the table through it) on this DataFrame or text."""
    from darts_core.benchmark.table import load_table

    path = tmp / "nb201.parquet"
    if df is not None:
        df.to_parquet(path)
    else:
        write(path, text)
    return load_table(path)


def _table_rows(archs, dataset="cifar10", metric="test"):
    return pd.DataFrame({"index": np.arange(len(archs), dtype=np.int32), "arch": archs, "dataset": dataset,
                         "metric": metric, "accuracy": 90.0})


def index_to_arch_(i):
    from darts_core.benchmark.nb201_index import index_to_arch

    return index_to_arch(i)


def _table_other_order(tmp):
    from darts_core.benchmark.nb201_index import index_to_arch

    return _table(tmp, _table_rows([index_to_arch(i) for i in (1, 0, 2)]))  # indexes 0 and 1 swapped


BENCHMARK = [
    Case("benchmark", ".pth that differs from the pinned sha256",
         lambda tmp: __import__("darts_core.benchmark.pth_source", fromlist=["x"]).verify_checksum(
             write(tmp / PTH, b"truncated download"), sha256="0" * 64), PTH, ("differs from the pinned",)),
    Case("benchmark", ".pth whose checksum does not match its name's tag",
         lambda tmp: _pth(tmp, b"truncated download", pin=False, trust=True), PTH,
         ("does not match the tag 096897", "corrupt or incomplete")),
    Case("benchmark", ".pth renamed (no tag to check, no pinned sha256)",
         lambda tmp: _pth(tmp, b"x", name="nb201.pth", pin=False, trust=True), "nb201.pth", ("cannot verify",)),
    Case("benchmark", ".pth named after its own hash, no pinned sha256, no opt-in", _pth_named_after_its_hash,
         "NAS-Bench-201-v1_1-", ("cannot verify this file (no full digest", "paths.nb201_trust_unverified: true")),
    Case("benchmark", ".pth (pinned sha256) that torch cannot load", lambda tmp: _pth(tmp, b"not a torch file"),
         PTH, ("not a NAS-Bench-201 benchmark file, torch cannot load it",)),
    Case("benchmark", ".pth (pinned sha256) of another torch object", lambda tmp: _pth(tmp, obj={"weights": [1]}),
         PTH, ("not a NAS-Bench-201 benchmark dict",)),
    Case("benchmark", ".pth (pinned sha256) with too few architectures",
         lambda tmp: _pth(tmp, obj={"meta_archs": ["a"], "arch2infos": {}, "evaluated_indexes": []}), PTH,
         ("lists 1 architectures, expected 15625",)),
    Case("benchmark", "CSV folder without the extracts", lambda tmp: _csv(tmp, "README.md", "x"), "nb201",
         ("neither nats_bench_tss_test200.csv nor nats_tss_cifar10-valid_avg.csv found",)),
    Case("benchmark", "CSV extract without its accuracy columns",
         lambda tmp: _csv(tmp, "nats_bench_tss_test200.csv", "ArchitectureString,Accuracy\nx,1\n"),
         "nb201/nats_bench_tss_test200.csv", ("missing column(s) CIFAR10TestAccuracy200Epochs",)),
    Case("benchmark", "CSV extract with the wrong number of rows",
         lambda tmp: _csv(tmp, "nats_tss_cifar10-valid_avg.csv", "arch_str,valid-accuracy\nx,1\n"),
         "nb201/nats_tss_cifar10-valid_avg.csv", ("1 rows, expected 15625",)),
    Case("benchmark", "benchmark table without its columns",
         lambda tmp: _table(tmp, pd.DataFrame({"index": [0], "arch": ["x"]})), "nb201.parquet",
         ("missing column(s) dataset, metric, accuracy",)),
    Case("benchmark", "benchmark table that is not Parquet", lambda tmp: _table(tmp, text="index,arch\n0,x\n"),
         "nb201.parquet", ("not a readable Parquet file",)),
    Case("benchmark", "benchmark table from another version (dataset names)",
         lambda tmp: _table(tmp, _table_rows(["x"], dataset="cifar10-valid", metric="x-valid")), "nb201.parquet",
         ("dataset value(s) 'cifar10-valid' are not cifar10", "rebuild it")),
    Case("benchmark", "benchmark table in another index order", _table_other_order, "nb201.parquet",
         ("index 0 holds", "rebuild it")),
    Case("benchmark", "benchmark table with no rows", lambda tmp: _table(tmp, _table_rows([])), "nb201.parquet",
         ("no rows",)),
    Case("benchmark", "benchmark table with an accuracy of 5429 %",
         lambda tmp: _table(tmp, _table_rows([index_to_arch_(i) for i in range(3)]).assign(accuracy=[90.0, 5429.0, 91.0])),
         "nb201.parquet", ("row 1 (index 1, cifar10 test) has accuracy 5429, not a percentage in 0..100",)),
    Case("benchmark", "benchmark table with a repeated (index, dataset, metric) row",
         lambda tmp: _table(tmp, _table_rows([index_to_arch_(i) for i in (0, 0, 1)]).assign(index=[0, 0, 1])),
         "nb201.parquet", ("row 1 repeats (index 0, cifar10, test)",)),
]

# ---- NAS-Bench-101 (darts_core.benchmark.nb101) ---------------------------------------------------------

def _nb101_file(tmp, edit=None, wrong_hash=False):
    """build_table (the nb101-table command, after the digest check) on a small synthetic file."""
    from darts_core.benchmark.nb101 import synthetic, table, tfrecord
    from darts_core.benchmark.nb101.record import Record, encode_row

    recs = list(synthetic.records(synthetic.random_specs(3, seed=1)))
    if wrong_hash:
        first = recs[0]
        recs[0] = Record("f" * 32, first.epochs, first.adjacency, first.operations, first.metrics)
    path = tfrecord.write_records(tmp / "nasbench_only108.tfrecord", [encode_row(r) for r in recs])
    if edit:
        raw = bytearray(path.read_bytes())
        edit(raw)
        path.write_bytes(bytes(raw))
    return table.build_table(path, tmp / "nb101.parquet", "pinned-by-the-test")


def _nb101_lookup(tmp, matrix, ops):
    from darts_core.benchmark.nb101 import synthetic, table

    path = synthetic.write_file(tmp / "nasbench_only108.tfrecord", synthetic.random_specs(3, seed=1))
    table.build_table(path, tmp / "nb101.parquet", "pinned-by-the-test")
    return table.lookup(table.load_table(tmp / "nb101.parquet"), matrix, ops)


def _flip(raw, at):
    raw[at] ^= 0xFF


def _nb101_verify(tmp, data: bytes | None):
    """source.verify (nb101-table checks the file first) against the published sha256."""
    from darts_core.benchmark.nb101 import source

    path = tmp / "nasbench_only108.tfrecord"
    return source.verify(write(path, data) if data is not None else path)


def _nb101_table(tmp, text: str):
    from darts_core.benchmark.nb101.table import load_table

    return load_table(write(tmp / "nb101.parquet", text))


PUBLISHED = "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1"
LINE = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
NB101_FILE = "nasbench_only108.tfrecord"
NB101 = [
    Case("benchmark", "NAS-Bench-101 tfrecord that is not the published file",
         lambda tmp: _nb101_verify(tmp, b"partial download"), NB101_FILE, ("sha256 is", f"expected {PUBLISHED}")),
    Case("benchmark", "NAS-Bench-101 tfrecord missing", lambda tmp: _nb101_verify(tmp, None), NB101_FILE,
         ("not found", "https://storage.googleapis.com/nasbench/nasbench_only108.tfrecord")),
    Case("benchmark", "NAS-Bench-101 tfrecord with a flipped byte",
         lambda tmp: _nb101_file(tmp, lambda r: _flip(r, 40)), NB101_FILE,
         ("corrupt TFRecord at byte offset 0", "CRC32C of the data")),
    Case("benchmark", "NAS-Bench-101 tfrecord cut short",
         lambda tmp: _nb101_file(tmp, lambda r: r.__delitem__(slice(-9, None))), NB101_FILE,
         ("corrupt TFRecord at byte offset", "truncated record")),
    Case("benchmark", "NAS-Bench-101 record whose hash is not its spec's",
         lambda tmp: _nb101_file(tmp, wrong_hash=True), NB101_FILE,
         ("record at byte offset 0", "stored module_hash ffff")),
    Case("benchmark", "NAS-Bench-101 table that is not Parquet", lambda tmp: _nb101_table(tmp, "module_hash\n"),
         "nb101.parquet", ("not a readable Parquet file",)),
    Case("benchmark", "NAS-Bench-101 spec whose input does not reach the output",
         lambda tmp: _nb101_lookup(tmp, [[0, 0], [0, 0]], ["input", "output"]), "[[0, 0], [0, 0]]",
         ("the input is not connected to the output",), "InvalidSpec"),
    Case("benchmark", "NAS-Bench-101 spec with an op outside the space",
         lambda tmp: _nb101_lookup(tmp, LINE, ["input", "conv5x5", "output"]), "conv5x5",
         ("unsupported", "conv3x3-bn-relu"), "InvalidSpec"),
    Case("benchmark", "NAS-Bench-101 spec absent from the table",
         lambda tmp: _nb101_lookup(tmp, LINE, ["input", "maxpool3x3", "output"]), "maxpool3x3",
         ("is not in the table",)),
]

# ---- genotype strings ----------------------------------------------------------------------------------


def nb201_arch(text):
    return lambda tmp: __import__("darts_core.spaces.nb201", fromlist=["x"]).parse_arch(text)


NB1SHOT1_S2 = ("nb1shot1-s2|1=conv1x1-bn-relu<-0|2=maxpool3x3<-1|3=conv3x3-bn-relu<-0,2|4=conv3x3-bn-relu<-1,3|"
               "out<-0,2,3")


def nb1shot1_arch(text):
    """The nb1shot1-s2 parser (what the stops, look-ups and scratch training call on such an arch)."""
    from darts_core.spaces import get_space

    return lambda tmp: get_space("nb1shot1-s2").parse_arch(text)


V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
      "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), "
      "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
      "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))")  # DARTS_V2


def darts_genotype(old: str, new: str):
    """parse_genotype (the retrain command's GENOTYPE argument, genotype files) on DARTS-V2 with one edit."""
    text = V2.replace(old, new, 1)
    return lambda tmp: __import__("darts_core.spaces.darts", fromlist=["x"]).parse_genotype(text)


def _genotypes_csv_to_retrain(tmp):
    """A search's genotypes.csv given to `retrain` (resolve_genotype), its row an NB201 arch string."""
    from darts_core.train.genotype_source import resolve_genotype

    path = write(tmp / "genotypes.csv", 'epoch,arch\n0,"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"\n')
    return resolve_genotype(str(path))


NB201_ZEROS = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

GENOTYPE = [
    Case("genotype", "NB201 arch string without its bars", nb201_arch("nor_conv_3x3~0+skip_connect~1"),
         "'nor_conv_3x3~0+skip_connect~1'", ("expected 3 nodes joined by '+'",)),
    Case("genotype", "NB201 arch with an unknown op", nb201_arch(NB201_ZEROS.replace("none~0", "conv_9x9~0", 1)),
         "'|conv_9x9~0|+", ("unknown op 'conv_9x9'",)),
    Case("genotype", "NB201 arch with a node too few", nb201_arch("|nor_conv_3x3~0|+|none~0|none~1|"),
         "'|nor_conv_3x3~0|+|none~0|none~1|'", ("expected 3 nodes",)),
    Case("genotype", "NB201 arch with a wrong input index", nb201_arch(NB201_ZEROS.replace("none~1", "none~2", 1)),
         "'|none~0|+|none~0|none~2|+", ("node 2 input 'none~2' should end in ~1",)),
    Case("genotype", "DARTS genotype that is not Python syntax",
         lambda tmp: __import__("darts_core.spaces.darts", fromlist=["x"]).parse_genotype(
             "normal=[('sep_conv_3x3', 0)]"), "normal=[('sep_conv_3x3', 0)]",
         ("not valid syntax", "expected Genotype(normal=")),
    Case("genotype", "DARTS genotype of another type", darts_genotype(V2, "Cell(normal=[])"), "'Cell(normal=[])'",
         ("must look like Genotype(",)),
    Case("genotype", "DARTS genotype with an unknown op", darts_genotype("sep_conv_3x3", "sep_conv_9x9"),
         "genotype string \"Genotype(normal=[('sep_conv_9x9', 0)", ("unknown op 'sep_conv_9x9'",)),
    Case("genotype", "DARTS genotype with an input from a later node",
         darts_genotype("('sep_conv_3x3', 0)", "('sep_conv_3x3', 5)"),
         "genotype string \"Genotype(normal=[('sep_conv_3x3', 5)", ("node 2 cannot take input 5",)),
    Case("genotype", "DARTS genotype with an edge too few", darts_genotype("('sep_conv_3x3', 0), ", ""),
         "genotype string \"Genotype(normal=[('sep_conv_3x3', 1)", ("2 (op, input) pairs per node, got 7 pairs",)),
    Case("genotype", "DARTS genotype with a concat naming no node",
         darts_genotype("normal_concat=range(2, 6)", "normal_concat=[2, 9]"), "normal_concat=[2, 9]",
         ("must name nodes 0..5",)),
    Case("genotype", "NAS-Bench-1Shot1 arch with a parent too many",
         nb1shot1_arch(NB1SHOT1_S2.replace("2=maxpool3x3<-1", "2=maxpool3x3<-0,1")), "'nb1shot1-s2|1=",
         ("choice block 2 needs 1 distinct parents among 0..1",)),
    Case("genotype", "NAS-Bench-1Shot1 arch with a DARTS op", nb1shot1_arch(NB1SHOT1_S2.replace("maxpool3x3", "sep_conv_3x3")),
         "'nb1shot1-s2|1=", ("choice block 2 has unknown op 'sep_conv_3x3'",)),
    Case("genotype", "NAS-Bench-1Shot1 arch without the output", nb1shot1_arch(NB1SHOT1_S2.rsplit("|", 1)[0]),
         "'nb1shot1-s2|1=", ("expected 4 choice blocks and the output",)),
    Case("genotype", "NB201 arch in a genotypes.csv given to retrain", _genotypes_csv_to_retrain,
         "genotypes.csv, epoch 0", ("is not valid syntax",)),
    Case("genotype", "unknown published genotype name (retrain CLI)",
         cli("retrain", "DARTS_V3", "--dataset", "digits", "--protocol", "demo", "--out", "x"), "'DARTS_V3'",
         ("is neither a published genotype",)),
]

# ---- alpha logs, run directories, imported logs --------------------------------------------------------


def _good_alphas():
    from darts_core.runlog import alpha_rows
    from darts_core.spaces import nb201

    edges, ops = nb201.edges(), list(nb201.OPS)
    frames = [alpha_rows(e, "normal", edges, ops, np.zeros((6, 5)), np.full((6, 5), 0.2)) for e in (0, 1)]
    return pd.concat(frames, ignore_index=True)


def alpha_log(change: Callable[[pd.DataFrame], pd.DataFrame]):
    """read_alphas (every analysis rule reads alpha logs through it) on a good 2-epoch NB201 log, changed."""
    def provoke(tmp):
        from darts_core.runlog import read_alphas
        from darts_core.spaces import nb201

        change(_good_alphas()).to_parquet(tmp / "alphas.parquet")
        return read_alphas(tmp / "alphas.parquet", known_ops=nb201.OPS)
    return provoke


def run_dir(change=lambda df: df, criteria=None, **files: str):
    """evaluate (the `stops` command and rule) on a run directory: the good alpha log, changed, and files."""
    def provoke(tmp):
        from darts_core.stops.criteria import evaluate

        run = tmp / "seed0"
        run.mkdir()
        df = change(_good_alphas())
        if df is not None:
            df.to_parquet(run / "alphas.parquet")
        for name, text in files.items():
            write(run / name.replace("_", "."), text)
        return evaluate(run, criteria)
    return provoke


def _with_nan(df):
    df.loc[3, "alpha"] = float("nan")
    return df


def _drop_none_on_edge_1_0(df):
    """`none` left out on edge 1<-0, its other ops' weights still summing to 1."""
    df = df[~((df["edge"] == "1<-0") & (df["op"] == "none"))].copy()
    df.loc[df["edge"] == "1<-0", "weight"] = 0.25
    return df


def _alpha_weights(change):
    def edit(df):
        df = df.copy()
        change(df)
        return df
    return edit


def _genotypes_of_other_epochs(tmp):
    """A run whose genotypes.csv has an epoch its alpha log (epochs 0-1) lacks (stops)."""
    return run_dir(genotypes_csv=f"epoch,arch\n0,{NB201_ZEROS}\n1,{NB201_ZEROS}\n2,{NB201_ZEROS}\n")(tmp)


def _dartspt_log(tmp):
    """import-log darts-pt on a log whose alpha tensor rows sum to 2 (not softmax output)."""
    from darts_core.importers import import_dartspt

    rows = ",\n        ".join("[" + ", ".join(["0.4000"] * 5) + "]" for _ in range(6))
    text = (f"2025-01-13 11:10:00,000 epoch 0 lr 2.500000e-02\n"
            f"2025-01-13 11:10:00,200 tensor([{rows}], grad_fn=<ToCopyBackward0>)\n")
    return import_dartspt(write(tmp / "log.txt", text), tmp / "run")


ALPHA_LOGS = [
    Case("alpha log", "alpha log without its weight column", alpha_log(lambda df: df.drop(columns=["weight"])),
         "alphas.parquet", ("missing column(s) weight",)),
    Case("alpha log", "alpha log with a NaN", alpha_log(_with_nan), "alphas.parquet",
         ("row 3 has a non-finite alpha (nan)",)),
    Case("alpha log", "alpha log with an op the space lacks",
         alpha_log(lambda df: df.replace({"op": {"nor_conv_3x3": "conv_9x9"}})), "alphas.parquet",
         ("row 3 has unknown op 'conv_9x9'",)),
    Case("alpha log", "alpha log with an epoch missing", alpha_log(lambda df: df.replace({"epoch": {1: 2}})),
         "alphas.parquet", ("epoch 1 is missing",)),
    Case("alpha log", "alpha log with a repeated row", alpha_log(lambda df: pd.concat([df, df.iloc[[7]]])),
         "alphas.parquet", ("row 60 repeats (epoch 0, cell normal, edge 2<-0, op nor_conv_1x1)",)),
    Case("alpha log", "alpha log with epochs as text", alpha_log(lambda df: df.assign(epoch=df["epoch"].astype(str))),
         "alphas.parquet", ("column epoch holds object values, expected integers",)),
    Case("alpha log", "alpha log with a negative weight",
         alpha_log(_alpha_weights(lambda df: df.__setitem__("weight", df["weight"].where(df.index != 4, -0.2)))),
         "alphas.parquet", ("row 4 has a negative weight (-0.2)",)),
    Case("alpha log", "alpha log whose weights on an edge do not sum to 1",
         alpha_log(_alpha_weights(lambda df: df.__setitem__("weight", df["weight"].where(df.index != 7, 0.9)))),
         "alphas.parquet", ("epoch 0 cell normal edge 2<-0 (from row 5): weights sum to 1.7, not 1",)),
    Case("alpha log", "genotypes.csv with epochs the alpha log lacks (stops)", _genotypes_of_other_epochs, "run ",
         ("genotypes.csv has epochs 0..2 (3), alphas.parquet 0..1 (2): epoch 2 is only in genotypes.csv",)),
    Case("alpha log", "alpha log that is not Parquet",
         lambda tmp: __import__("darts_core.runlog", fromlist=["x"]).read_alphas(write(tmp / "alphas.parquet", "x\n")),
         "alphas.parquet", ("cannot be read",)),
    Case("alpha log", "alpha log with an edge too few (stops)", run_dir(lambda df: df[df["edge"] != "3<-2"]),
         "seed0/alphas.parquet", ("cell normal has no rows for edge 3<-2",)),
    Case("alpha log", "alpha log with an op missing on one edge (stops)",
         run_dir(_drop_none_on_edge_1_0), "seed0/alphas.parquet",
         ("cell normal edge 1<-0 has ops skip_connect", "most edges have none, skip_connect")),
    Case("alpha log", "run directory without alphas or genotypes", run_dir(lambda df: None), "seed0:",
         ("neither alphas.parquet nor genotypes.csv exists",)),
    Case("alpha log", "genotypes.csv with a malformed arch (stops)", run_dir(genotypes_csv="epoch,arch\n0,x\n1,x\n"),
         "seed0/genotypes.csv: row 0", ("arch string 'x': expected 3 nodes",)),
    Case("alpha log", "hessian.csv without its eigenvalues (stops)", run_dir(hessian_csv="epoch,ev\n1,0.5\n"),
         "seed0/hessian.csv", ("missing column eigenvalue",)),
    Case("alpha log", "run.json naming an unknown space (stops)",
         run_dir(run_json=json.dumps({"config": {"space": "dart"}})), "seed0/run.json: config.space",
         ("unknown search space 'dart'",)),
    Case("alpha log", "DARTS-PT log whose rows are not softmax weights (import-log)", _dartspt_log, "log.txt, line 2",
         ("weights sum to 2.0000, not 1",)),
    Case("alpha log", "a file that is not a DARTS-PT log (import-log)",
         lambda tmp: __import__("darts_core.importers", fromlist=["x"]).import_dartspt(
             write(tmp / "log.txt", "this is not a DARTS-PT log\n"), tmp / "run"), "log.txt",
         ("no `epoch N lr X` line: not a DARTS-PT search log",)),
]

# ---- stop criteria -------------------------------------------------------------------------------------


def criterion(text):
    return lambda tmp: __import__("darts_core.stops.criteria", fromlist=["x"]).parse_criterion(text)


STOPS = [
    Case("stop criterion", "SS on a cell that does not exist", criterion("ss_residual:nor_conv_3x3@reduction"),
         "'ss_residual:nor_conv_3x3@reduction'", ("cell must be normal or reduce",)),
    Case("stop criterion", "DARTS+ with a non-number k", criterion("darts+_sc:x"), "'darts+_sc:x'",
         ("k must be a positive integer",)),
    Case("stop criterion", "unknown criterion", criterion("early_stop"), "'early_stop'", ("unknown stop criterion",)),
    Case("stop criterion", "SS on an op no space has (stops)", run_dir(criteria=["ss_residual:no_such_op"]),
         "'ss_residual:no_such_op'", ("no nb201 space has op 'no_such_op'",)),
    Case("stop criterion", "DARTS-ES with an unknown option", criterion("darts_es:patience=3"),
         "'darts_es:patience=3'", ("options are key=value with key in",)),
]

# ---- retraining: protocols and checkpoints -------------------------------------------------------------


def protocol(name, **overrides):
    return lambda tmp: __import__("darts_core.train.protocols", fromlist=["x"]).get_protocol(name, **overrides)


def _retrain(tmp, genotype="DARTS_V2", dataset="digits", protocol_name="demo", checkpoint=None):
    from darts_core.spaces import darts
    from darts_core.train.protocols import get_protocol
    from darts_core.train.retrain import retrain

    if checkpoint is not None:
        import torch

        (tmp / "out").mkdir()
        torch.save(checkpoint, tmp / "out" / "checkpoint.pt")
    cfg = get_protocol(protocol_name, epochs=1, init_channels=2, layers=2, batch_size=512)
    return retrain(darts.published(genotype), dataset, cfg, tmp / "out", seed=0)


def _retrain_other_cell(tmp):
    _retrain(tmp, "DARTS_V2")
    return _retrain(tmp, "DARTS_V1")


def _search_checkpoint_other_settings(tmp):
    import torch

    from darts_core.search.config import resolve_config
    from darts_core.search.state import check_same_config

    old = resolve_config({"dataset": "digits", "epochs": 5})
    new = resolve_config({"dataset": "digits", "epochs": 5, "a_lr": 0.001})
    torch.save({"config": old.to_dict()}, tmp / "checkpoint.pt")
    return check_same_config(old.to_dict(), new, tmp / "checkpoint.pt")


RETRAIN = [
    Case("retrain", "unknown training protocol", protocol("darts-cifar10"), "'darts-cifar10'",
         ("unknown protocol", "choose from darts-cifar")),
    Case("retrain", "unknown protocol field in overrides", protocol("demo", epoch=3), "protocol demo",
         ("unknown protocol field(s) epoch",)),
    Case("retrain", "protocol override of the wrong type", protocol("demo", epochs="ten"), "protocol demo: epochs",
         ("must be an integer, got 'ten'",)),
    Case("retrain", "negative learning rate in overrides", protocol("drnas-cifar", lr=-0.1), "protocol drnas-cifar: lr",
         ("must be > 0, got -0.1",)),
    Case("retrain", "CIFAR protocol on ImageNet", lambda tmp: _retrain(tmp, dataset="imagenet"), "protocol demo",
         ("builds the cifar network; it does not fit dataset imagenet",)),
    Case("checkpoint", "retrain folder holding another cell's checkpoint", _retrain_other_cell, "out/checkpoint.pt",
         ("belongs to a different run (differs in genotype)",)),
    Case("checkpoint", "search checkpoint written with other settings", _search_checkpoint_other_settings,
         "checkpoint.pt", ("was written with a_lr=0.0003, this run has a_lr=0.001",)),
    Case("checkpoint", "corrupt checkpoint file",
         lambda tmp: __import__("darts_core.checkpoint", fromlist=["x"]).load_checkpoint(
             write(tmp / "checkpoint.pt", gzip.compress(b"half a checkpoint"))), "checkpoint.pt",
         ("cannot be read (UnpicklingError",)),
    Case("checkpoint", "checkpoint.pt that is no checkpoint of ours (retrain)",
         lambda tmp: _retrain(tmp, checkpoint=[1, 2, 3]), "out/checkpoint.pt", ("is not a checkpoint of darts_core",)),
]

# ---- untrusted files, run folders, faults (issue #17) ----------------------------------------------


class _Payload:
    """Unpickling this makes a folder (os.mkdir): what a planted pickle could do instead."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return os.mkdir, (self.marker,)


def _planted_checkpoint(tmp):
    import torch

    from darts_core.checkpoint import load_checkpoint

    torch.save({"epoch": 1, "config": {}, "x": _Payload(tmp / "pwned")}, tmp / "checkpoint.pt")
    try:
        return load_checkpoint(tmp / "checkpoint.pt")
    finally:
        assert not (tmp / "pwned").exists(), "the planted payload ran"


def _foreign_search_checkpoint(tmp):
    """A dict checkpoint.pt of another program in a run folder, given to the search's resume."""
    import torch

    from darts_core.checkpoint import load_checkpoint
    from darts_core.search.state import restore

    torch.save({"state_dict": {"w": torch.zeros(2)}}, tmp / "checkpoint.pt")
    return restore(load_checkpoint(tmp / "checkpoint.pt"), None, None, None, None, None, tmp / "checkpoint.pt")


def _in_dir(tmp, fn):
    import os

    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        return fn()
    finally:
        os.chdir(cwd)


def _finished_run(tmp, info) -> Path:
    """The paper config's first search folder (under `tmp`) holding this run.json (a dict or text)."""
    from darts_core.study.searches import study_runs

    row = next(r for r in study_runs(paper_config()) if r["dir"])
    text = info if isinstance(info, str) else json.dumps(info)
    return write(tmp / row["dir"] / "run.json", text)


def _changed_setting(tmp):
    """A finished search of the paper config whose a_lr the config now changes: load_study (the Snakefile's
    first step, before Snakemake deletes anything) stops; the run folder is untouched."""
    from darts_core.search.config import resolve_config
    from darts_core.study import load_study
    from darts_core.study.searches import home_of, search_mapping, study_runs

    cfg = paper_config()
    row = next(r for r in study_runs(cfg) if r["dir"])
    old = resolve_config({**search_mapping(cfg, *home_of(cfg, row["experiment"], row["run"]), row["dataset"],
                                           row["seed"]), "a_lr": 0.0042}).to_dict()
    info = _finished_run(tmp, {"status": "finished", "config": old})
    before = info.read_bytes()
    try:
        return _in_dir(tmp, lambda: load_study(cfg))
    finally:
        assert info.read_bytes() == before


def _damaged_run_json(tmp, text):
    from darts_core.study import load_study

    _finished_run(tmp, text)
    return _in_dir(tmp, lambda: load_study(paper_config()))


def _workflow_cuda_without_gpu(tmp):
    """A real run with compute.device: cuda on a machine with no CUDA device (DARTS_GPU_COUNT=0): the
    onstart check stops it before any job."""
    import os

    from workflow_plan import snakemake

    cfg = study_without_cifar()
    cfg["compute"]["device"] = "cuda"
    cfg["experiments"]["e"]["datasets"] = ["digits"]
    (tmp / "study.yaml").write_text(yaml.safe_dump(cfg))
    old = os.environ.get("DARTS_GPU_COUNT")
    os.environ["DARTS_GPU_COUNT"] = "0"
    try:
        proc = snakemake("--configfile", str(tmp / "study.yaml"), "--replace-workflow-config", "--cores", "1",
                         cwd=tmp)
    finally:
        if old is None:
            del os.environ["DARTS_GPU_COUNT"]
        else:
            os.environ["DARTS_GPU_COUNT"] = old
    if proc.returncode:
        raise snakemake_error(proc)
    return proc


def _import_into_search_folder(tmp):
    from darts_core.importers import import_dartspt

    write(tmp / "run" / "alphas.parquet", "the search's alpha log")
    write(tmp / "run" / "checkpoint.pt", "the search's checkpoint")
    try:
        return import_dartspt(write(tmp / "log.txt", "2025-01-13 11:10:00,000 epoch 0 lr 2.5e-02\n"), tmp / "run")
    finally:
        assert (tmp / "run" / "alphas.parquet").read_text() == "the search's alpha log"


def _busy_run_folder(tmp):
    from darts_core.layout import RUN_LOCK
    from darts_core.runlog import folder_lock
    from darts_core.search.config import resolve_config
    from darts_core.search.loop import run_search

    (tmp / "run").mkdir()
    with folder_lock(tmp / "run", RUN_LOCK):  # the orphaned search still holds it
        return run_search(resolve_config({"dataset": "digits", "epochs": 1}), tmp / "run")


def _busy_retrain_folder(tmp):
    from darts_core.layout import RETRAIN_LOCK
    from darts_core.runlog import folder_lock

    (tmp / "out").mkdir()
    with folder_lock(tmp / "out", RETRAIN_LOCK, "training"):
        return _retrain(tmp)


def _gpu_lock_symlink(tmp):
    from darts_core.gpu import claim_gpu

    write(tmp / "victim", "someone's file")
    (tmp / "locks").mkdir()
    (tmp / "locks" / "gpu0.slot0.lock").symlink_to(tmp / "victim")
    try:
        with claim_gpu(n_devices=1, lock_dir=tmp / "locks", timeout=1):
            pass
    finally:
        assert (tmp / "victim").read_text() == "someone's file"


def _full_disk(tmp):
    import errno
    import os

    from darts_core.runlog import atomic_write, write_text

    write_text("computed\n", tmp / "metrics.csv")

    def full(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    try:
        return atomic_write(tmp / "metrics.csv", full)
    finally:
        assert (tmp / "metrics.csv").read_text() == "computed\n"


RELIABILITY = [
    Case("checkpoint", "checkpoint.pt with a planted pickle payload", _planted_checkpoint, "checkpoint.pt",
         ("holds a pickled posix.mkdir", "which is not loaded (it could run code)")),
    Case("checkpoint", "foreign checkpoint.pt that is a dict (search resume)", _foreign_search_checkpoint,
         "checkpoint.pt", ("is not a search checkpoint of darts_core (no 'epoch', 'config'",)),
    Case("checkpoint", "foreign checkpoint.pt that is a dict (retrain)",
         lambda tmp: _retrain(tmp, checkpoint={"state_dict": {}}), "out/checkpoint.pt",
         ("is not a training checkpoint of darts_core (no 'identity'",)),
    Case("run folder", "finished search whose setting the config changed", _changed_setting, "seed0/run.json",
         ("this search (finished) was run with a_lr=0.0042", "the config now plans a_lr=0.0003", "nothing was deleted"),
         "StudyConfigError"),
    Case("run folder", "damaged run.json (workflow start)", lambda tmp: _damaged_run_json(tmp, '{"status": "fini'),
         "seed0/run.json", ("cannot be read (JSONDecodeError:",), "StudyConfigError"),
    Case("run folder", "run.json that is not an object", lambda tmp: _damaged_run_json(tmp, "[1, 2]"), "seed0/run.json",
         ("is not a run record of darts_core (a JSON list",), "StudyConfigError"),
    Case("run folder", "import-log into a search's folder", _import_into_search_folder, "run",
         ("import target", "is not empty (holds alphas.parquet, checkpoint.pt)", "nothing was written")),
    Case("run folder", "second search writing the same run folder", _busy_run_folder, "run folder",
         ("is in use by another search (pid",)),
    Case("run folder", "second training writing the same retrain folder", _busy_retrain_folder, "out",
         ("is in use by another training (pid",)),
    Case("run folder", "full disk while a product is written", _full_disk, "metrics.csv",
         ("No space left on device", "its previous version is kept")),
    Case("machine", "symlink planted as a GPU lock file", _gpu_lock_symlink, "locks/gpu0.slot0.lock",
         ("is a symbolic link; not following it",)),
    Case("machine", "compute.device cuda on a machine without CUDA (real run)", _workflow_cuda_without_gpu,
         "compute.device is 'cuda'", ("this machine has no CUDA device",), "StudyConfigError"),
    Case("config", "seed at 2**32 (numpy's limit)", study_check(_set("experiments/table1/seeds", [2**32])),
         "config experiments.table1.seeds.0", ("4294967296 is greater than the maximum of 4294967295",),
         "StudyConfigError"),
    Case("search settings", "seed at 2**32", search_config(seed=2**32), "seed", ("must be < 2**32",)),
    Case("config", "retrain entry overriding the learning rate with NaN",
         study_check(_set("retrain/table4_cifar10/overrides", {"lr": float("nan")})), "retrain.table4_cifar10",
         ("lr must be a finite number, got nan",), "StudyConfigError"),
    Case("retrain", "NaN learning rate in overrides", protocol("demo", lr=float("nan")), "protocol demo: lr",
         ("must be a finite number, got nan",)),
    Case("retrain", "infinite weight decay in overrides", protocol("demo", weight_decay=float("inf")),
         "protocol demo: weight_decay", ("must be a finite number, got inf",)),
]


# ---- config files as written (Snakemake reads them with YAML 1.1 first; the Snakefile re-reads them) ----

SMALL_STUDY = """\
paths: {data: nodata}
compute: {device: cpu, gpus_per_search: 0, threads_per_search: 1, workers: 0, mem_mb_per_search: 1000}
experiments:
  e:
    space: nb201
    datasets: [digits]
    seeds: [0]
    epochs: %s
    runs: {r: {method: darts-v1}}
"""


def snakemake_yaml(text: str) -> Callable[[Path], object]:
    """A real `snakemake -n --configfile study.yaml --replace-workflow-config` on this YAML text."""
    def provoke(tmp: Path):
        from workflow_plan import snakemake

        (tmp / "study.yaml").write_text(text)
        proc = snakemake("-n", "--configfile", str(tmp / "study.yaml"), "--replace-workflow-config", cwd=tmp)
        if proc.returncode:
            raise snakemake_error(proc)
        return proc
    return provoke


YAML_FILES = [
    Case("config", "duplicate key in a --configfile (snakemake -n)",
         snakemake_yaml(SMALL_STUDY % "2\n    epochs: 3"), "study.yaml, line 9",
         ("duplicate key 'epochs' (first at line 8", "silently keeps the last"), "StudyConfigError"),
    Case("config", "leading zero in a --configfile (YAML 1.1 octal)", snakemake_yaml(SMALL_STUDY % "010"),
         "study.yaml, line 8", ("010 is read as 8 by YAML 1.1", "quote it"), "StudyConfigError"),
    Case("config", "h:mm value in a --configfile (YAML 1.1 base 60)", snakemake_yaml(SMALL_STUDY % "1:30"),
         "study.yaml, line 8", ("1:30 is read as 90 by YAML 1.1",), "StudyConfigError"),
    Case("config", "YAML syntax error in a config file (study CLI)",
         lambda tmp: cli("study", "--configfile", str(write(tmp / "bad.yaml", "a: [1, 2\nb: 3\n")))(tmp),
         "bad.yaml, line 2", ("expected ',' or ']'",)),
    Case("config", "duplicate key in a config file (study CLI)",
         lambda tmp: cli("study", "--configfile", str(write(tmp / "dup.yaml", "study: a\nstudy: b\n")))(tmp),
         "dup.yaml, line 2", ("duplicate key 'study'",)),
]

# ---- CLI -----------------------------------------------------------------------------------------------

CLI = [
    Case("CLI", "search with a negative epoch count", cli("search", "--out", "x", "--epochs", "-1"), "epochs",
         ("error: epochs must be >= 1, got -1",)),
    Case("CLI", "lookup in a benchmark table not built yet", cli("lookup", "--table", "none.parquet", "x"),
         "none.parquet", ("does not exist", "python -m darts_core benchmark-table")),
]

CASES: list[Case] = CONFIG + SEARCH + DATA + BENCHMARK + NB101 + GENOTYPE + ALPHA_LOGS + STOPS + RETRAIN + RELIABILITY + YAML_FILES + CLI


def message_of(case: Case, tmp: Path) -> str:
    """The message the bad input gets ('' when nothing was raised)."""
    try:
        case.provoke(tmp)
    except Exception as err:  # noqa: BLE001 - the catalog reports whatever the user would see
        return str(err) if str(err) else type(err).__name__
    return ""


def main() -> None:
    import tempfile

    print("| category | bad input | message |")
    print("|---|---|---|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            text = message_of(case, Path(tmp)).replace(tmp, "<tmp>") or "(no error)"
        text = text.replace("|", "\\|").replace("\n", " ⏎ ")
        what = case.what + (" **(gap, not fixed here)**" if case.gap else "")
        print(f"| {case.category} | {what} | {text} |")


if __name__ == "__main__":
    main()
