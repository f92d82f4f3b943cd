"""Are a dataset's files in place? Checked by the workflow before any job starts (`onstart`), so a missing
CIFAR tarball stops the study at once instead of failing every search job on the cluster. Presence only:
the readers check every file's checksum when they load it (darts_core.data.cifar, imagenet16, splits)."""

from __future__ import annotations

from pathlib import Path

from darts_core.data import cifar, imagenet16, splits
from darts_core.data.files import missing


def check_dataset(dataset: str, data_dir: str | Path, allow_download: bool = False) -> None:
    """Raise DartsCoreError (the same message the reader gives) for the first file a search on `dataset`
    would miss; `allow_download`: the CIFAR tarballs and split files are fetched by the search itself."""
    root = Path(data_dir)
    if dataset in cifar.SOURCES:
        src = cifar.SOURCES[dataset]
        folder = root / src["folder"]
        tar_name, tar_md5 = src["tarball"]
        if not (folder.is_dir() or (root / tar_name).is_file() or allow_download):
            raise missing(root / tar_name, tar_md5, "md5", src["url"],
                          f"or pass --download (or put {src['folder']}/ there)")
        if folder.is_dir():
            for fname, md5 in src["train"] + src["test"]:
                if not (folder / fname).is_file():
                    raise missing(folder / fname, md5, "md5", src["url"], f"or remove {folder} and use the tarball")
    elif dataset.startswith("ImageNet16"):
        for fname, md5 in imagenet16.TRAIN + imagenet16.VALID:
            path = root / imagenet16.FOLDER / fname
            if not path.is_file():
                raise missing(path, md5, "md5", imagenet16.SOURCE)
    if dataset in splits.VALID_SPLIT and not allow_download:
        name = splits.VALID_SPLIT[dataset][0]
        path = splits.split_dir(root) / name
        if not path.is_file():
            raise missing(path, splits.SHA256[name], "sha256", splits.URL.format(name=name), "or pass --download")
