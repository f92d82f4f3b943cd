import math

import numpy as np
import pytest
import torch
from PIL import Image

from darts_core.errors import DartsCoreError
from darts_core.train.augment import cutout
from darts_core.train.protocols import get_protocol
from darts_core.train.genotype_source import resolve_genotype
from darts_core.spaces import darts


def test_darts_cifar_preset_is_quark0_train_py():
    c = get_protocol("darts-cifar")
    assert (c.epochs, c.batch_size, c.lr, c.momentum, c.weight_decay, c.grad_clip) == (600, 96, 0.025, 0.9, 3e-4, 5.0)
    assert (c.init_channels, c.layers, c.auxiliary, c.auxiliary_weight, c.cutout_length, c.drop_path_prob) == (36, 20, True, 0.4, 16, 0.2)
    assert c.lr_at(0) == 0.025 and c.lr_at(300) == pytest.approx(0.0125) and c.lr_at(599) < 1e-6
    assert c.drop_prob_at(0) == 0.0 and c.drop_prob_at(300) == pytest.approx(0.1)
    d = get_protocol("drnas-cifar")  # the paper's evaluation code base
    assert (d.batch_size, d.drop_path_prob, d.epochs) == (64, 0.3, 600)


def test_rdarts_preset_is_robustdarts_evaluation_args():
    """automl/RobustDARTS src/evaluation/args.py defaults + scripts/DARTS_eval.sh (--cutout --auxiliary):
    one network size for CIFAR-10, CIFAR-100 and SVHN (16 channels, 8 cells), 600 epochs at batch 96."""
    c = get_protocol("rdarts")
    assert (c.epochs, c.batch_size, c.lr, c.lr_min, c.momentum, c.nesterov, c.weight_decay, c.grad_clip) == (
        600, 96, 0.025, 0.0, 0.9, False, 3e-4, 5.0)
    assert (c.init_channels, c.layers, c.auxiliary, c.auxiliary_weight, c.cutout_length, c.drop_path_prob) == (
        16, 8, True, 0.4, 16, 0.2)
    # train.py: scheduler.step() at the start of epoch e (PyTorch 0.3.1) -> eta_min 0 cosine at e
    assert c.lr_at(0) == 0.025 and c.lr_at(300) == pytest.approx(0.0125)
    assert c.drop_prob_at(300) == pytest.approx(0.2 * 300 / 600)  # drop_path_prob * epoch / epochs


def test_imagenet_presets():
    q = get_protocol("darts-imagenet")
    assert (q.lr, q.weight_decay, q.label_smoothing, q.batch_size, q.epochs, q.init_channels, q.layers) == (0.1, 3e-5, 0.1, 128, 250, 48, 14)
    assert q.lr_at(0) == 0.1 and q.lr_at(2) == pytest.approx(0.1 * 0.97 ** 2)
    d = get_protocol("drnas-imagenet")
    assert [round(d.lr_at(e), 4) for e in range(6)] == [0.1, 0.2, 0.3, 0.4, 0.5, round(0.5 * 240 / 245, 4)]
    assert d.lr_at(249) == pytest.approx(0.5 / (245 * 5))
    assert get_protocol("drnas-imagenet", batch_size=256).warmup_epochs == 0  # DrNAS: warm-up only if batch > 256


def test_overrides_and_errors():
    assert get_protocol("darts-cifar", epochs=5, auxiliary=None).epochs == 5
    with pytest.raises(DartsCoreError, match="unknown protocol 'x'"):
        get_protocol("x")
    with pytest.raises(DartsCoreError, match="unknown protocol field"):
        get_protocol("demo", nonsense=1)


def test_cutout_zeroes_one_clipped_square_per_image():
    torch.manual_seed(0)
    x = torch.ones(64, 3, 32, 32)
    y = cutout(x, 16)
    holes = (y[:, 0] == 0).sum(dim=(1, 2))
    assert torch.equal(x, torch.ones_like(x))  # input untouched
    assert int(holes.max()) == 256 and int(holes.min()) >= 64  # 16x16 inside, at least 8x8 at a corner
    assert torch.equal(y[:, 0] == 0, y[:, 2] == 0)  # same hole in every channel
    assert torch.equal(cutout(x, 0), x)


def test_resolve_genotype_from_name_string_file_and_csv(tmp_path):
    v2 = darts.published("DARTS_V2")
    assert resolve_genotype("DARTS_V2") == v2
    assert resolve_genotype(darts.genotype_string(v2)) == v2
    (tmp_path / "g.txt").write_text(darts.PUBLISHED_TEXT["DARTS_V1"] + "\n")
    assert resolve_genotype(str(tmp_path / "g.txt")) == darts.published("DARTS_V1")
    (tmp_path / "genotypes.csv").write_text(
        "epoch,arch\n" + "\n".join(f'{e},"{darts.PUBLISHED_TEXT[n]}"' for e, n in [(0, "DARTS_V1"), (1, "DARTS_V2")]))
    assert resolve_genotype(str(tmp_path / "genotypes.csv")) == v2
    assert resolve_genotype(str(tmp_path / "genotypes.csv"), epoch=0) == darts.published("DARTS_V1")
    with pytest.raises(DartsCoreError, match="no row for epoch 7"):
        resolve_genotype(str(tmp_path / "genotypes.csv"), epoch=7)
    with pytest.raises(DartsCoreError, match="neither a published genotype"):
        resolve_genotype("DARTS_V3")


def test_imagenet_folder_reader(tmp_path):
    from darts_core.train.data import retrain_loaders

    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for cls in ("n01", "n02"):
            (tmp_path / split / cls).mkdir(parents=True)
            for i in range(2):
                arr = rng.integers(0, 256, (300 + 20 * i, 260, 3), dtype=np.uint8)
                Image.fromarray(arr).save(tmp_path / split / cls / f"{i}.JPEG")
    train, test, n_classes, shape = retrain_loaders("imagenet", tmp_path, 3, 0, 0, seed=0)
    assert (n_classes, shape) == (2, (3, 224, 224))
    train.set_epoch(0)
    xb = [x for x, _ in train]
    train.set_epoch(0)
    assert all(torch.equal(a, b) for a, b in zip(xb, (x for x, _ in train)))  # a function of (seed, epoch)
    train.set_epoch(1)
    assert not all(torch.equal(a, b) for a, b in zip(xb, (x for x, _ in train)))
    x, y = next(iter(test))
    assert x.shape == (3, 3, 224, 224) and y.tolist() == [0, 0, 1]
    assert math.isfinite(float(x.abs().max()))
    with pytest.raises(DartsCoreError, match="not found"):
        retrain_loaders("imagenet", tmp_path / "nope", 3, 0, 0, seed=0)
