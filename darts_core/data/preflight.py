"""Are a dataset's files in place? Checked by the workflow before any job starts (`onstart`), so a missing
CIFAR tarball stops the study at once instead of failing every search job on the cluster. Presence only:
the readers check every file's checksum when they load it (darts_core.data.cifar, imagenet16, splits)."""

from __future__ import annotations

from pathlib import Path

from darts_core.data import cifar, imagenet16, splits, svhn
from darts_core.data.files import missing
from darts_core.errors import DartsCoreError


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
    elif dataset == "svhn":
        for name, md5 in svhn.FILES.values():
            path = svhn.svhn_path(root, name)
            if not (path.is_file() or allow_download):
                raise missing(path, md5, "md5", svhn.URL.format(name=name), "or pass --download")
    elif dataset == "imagenet":  # a retrain job's ImageNet folder (`data_dir` = that folder, paths.imagenet)
        check_imagenet_folder(root)
    elif dataset != "digits":  # sklearn's digits ship with the package: nothing to check
        raise DartsCoreError(f"no data check for dataset {dataset!r} (known: cifar10, cifar100, ImageNet16-120, "
                             "svhn, digits, imagenet)")
    if dataset in splits.VALID_SPLIT and not allow_download:
        name = splits.VALID_SPLIT[dataset][0]
        path = splits.split_dir(root) / name
        if not path.is_file():
            raise missing(path, splits.SHA256[name], "sha256", splits.URL.format(name=name), "or pass --download")


def check_imagenet_folder(root: str | Path) -> None:
    """train/ and val/ hold the same class folders (names only; darts_core.train.imagenet reads the images).
    Checked by the Table 5 jobs before they claim a GPU (workflow/scripts/retrain.py); not at the workflow's
    onstart, so a study that wants only Table 4 needs no ImageNet."""
    root = Path(root)
    if not root.is_dir():
        raise DartsCoreError(f"ImageNet folder {root} not found (expected <root>/train/<class>/*.JPEG and "
                             "<root>/val/<class>/*.JPEG)")
    classes = {}
    for split in ("train", "val"):
        folder = root / split
        if not folder.is_dir():
            raise DartsCoreError(f"ImageNet folder {folder} not found (expected <root>/train/<class>/*.JPEG and "
                                 "<root>/val/<class>/*.JPEG)")
        classes[split] = sorted(d.name for d in folder.iterdir() if d.is_dir())
        if not classes[split]:
            raise DartsCoreError(f"ImageNet folder {folder} has no class sub-folders")
    if classes["train"] != classes["val"]:
        only = sorted(set(classes["train"]) ^ set(classes["val"]))
        raise DartsCoreError(f"ImageNet folder {root}: train and val have different class folders "
                             f"({len(only)} in one only, e.g. {only[0]!r})")
