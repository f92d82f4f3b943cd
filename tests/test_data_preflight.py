"""The data check before any job (darts_core.data.preflight, Snakefile `onstart`): a missing dataset file
stops the workflow once, with the reader's message, before any search starts."""

from __future__ import annotations

import pytest
import yaml

from bad_input_catalog import study_without_cifar
from darts_core.data import cifar, imagenet16
from darts_core.data.preflight import check_dataset
from darts_core.errors import DartsCoreError
from workflow_plan import snakemake


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_cifar_needs_the_folder_or_the_tarball(tmp_path):
    with pytest.raises(DartsCoreError, match="cifar-10-python.tar.gz not found .*cs.toronto.edu"):
        check_dataset("cifar10", tmp_path)
    check_dataset("cifar10", tmp_path, allow_download=True)  # the search fetches it
    touch(tmp_path / "cifar-10-python.tar.gz")
    check_dataset("cifar10", tmp_path)  # presence only: the reader checks the md5
    folder = tmp_path / "x" / "cifar-10-batches-py"
    for name, _ in cifar.SOURCES["cifar10"]["train"]:
        touch(folder / name)
    with pytest.raises(DartsCoreError, match="cifar-10-batches-py/test_batch not found"):
        check_dataset("cifar10", tmp_path / "x")


def test_cifar100_and_imagenet16_need_their_split_files(tmp_path):
    touch(tmp_path / "cifar-100-python.tar.gz")
    with pytest.raises(DartsCoreError, match="cifar100-test-split.txt not found"):
        check_dataset("cifar100", tmp_path)
    touch(tmp_path / "nb201" / "splits" / "cifar100-test-split.txt")
    check_dataset("cifar100", tmp_path)
    for name, _ in imagenet16.TRAIN[:3]:
        touch(tmp_path / "ImageNet16" / name)
    with pytest.raises(DartsCoreError, match="ImageNet16/train_data_batch_4 not found"):
        check_dataset("ImageNet16-120", tmp_path)


def test_digits_needs_nothing(tmp_path):
    check_dataset("digits", tmp_path / "nowhere")


@pytest.mark.workflow
def test_a_missing_dataset_stops_the_workflow_before_any_job(tmp_path):
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(study_without_cifar()))
    proc = snakemake("--configfile", str(tmp_path / "study.yaml"), "--replace-workflow-config", "--cores", "1",
                     cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = next(ln for ln in out.splitlines() if ln.startswith("paths.data"))
    assert line.startswith("paths.data (cifar10 searches): data file nodata/cifar-10-python.tar.gz not found")
    assert line.endswith("set paths.download: true in the config (or put cifar-10-batches-py/ there)")
    assert "rule search" not in out and not (tmp_path / "results").exists()
