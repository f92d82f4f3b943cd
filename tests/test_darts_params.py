"""Parameter counts of published genotypes, counted as quark0 cnn/utils.py count_parameters_in_MB (the
auxiliary head excluded), against the numbers the papers print."""

import pytest
import torch

from darts_core.nn.darts_network import NetworkCIFAR, NetworkImageNet, count_parameters_in_mb
from darts_core.spaces import darts


def cifar_params(name: str) -> float:
    return count_parameters_in_mb(NetworkCIFAR(36, 10, 20, True, darts.published(name)))


def imagenet_params(name: str) -> float:
    return count_parameters_in_mb(NetworkImageNet(48, 1000, 14, True, darts.published(name)))


def test_darts_v2_cifar_is_3_3m():
    # quark0 train.py logs "param size = 3.349342MB" for DARTS_V2; DARTS paper and Table 4: 3.3M
    assert cifar_params("DARTS_V2") == pytest.approx(3.349342, abs=1e-6)
    assert cifar_params("DARTS_V2") == pytest.approx(3.3, abs=0.05)


def test_darts_v2_imagenet_mobile_is_4_7m():
    assert imagenet_params("DARTS_V2") == pytest.approx(4.7, abs=0.05)  # DARTS paper / Table 5: 4.7M


def test_darts_v1_cifar():
    # The DARTS paper prints 3.3M for the first-order cell too, but the DARTS_V1 genotype of quark0
    # genotypes.py gives 3.17M under the same network (its normal cell has 3 skips where V2 has 2 and a
    # dil_conv): the paper's figure does not match that genotype, so we pin the computed value.
    assert cifar_params("DARTS_V1") == pytest.approx(3.169, abs=0.001)


@pytest.mark.parametrize("name, published", [("PC_DARTS_cifar", 3.6), ("DrNAS_cifar10", 4.1)])
def test_other_published_cifar_cells(name, published):
    # PC-DARTS 3.6M (Table 4); DrNAS 4.1M in the DrNAS README (Table 4 of Zhang & Ding prints 4.0)
    assert cifar_params(name) == pytest.approx(published, abs=0.05)


@pytest.mark.parametrize("name, published", [("PC_DARTS_cifar", 5.3), ("DrNAS_imagenet", 5.7)])
def test_other_published_imagenet_cells(name, published):
    assert imagenet_params(name) == pytest.approx(published, abs=0.05)


def test_auxiliary_head_is_excluded_from_the_count():
    g = darts.published("DARTS_V2")
    with_aux, without = NetworkCIFAR(36, 10, 20, True, g), NetworkCIFAR(36, 10, 20, False, g)
    assert count_parameters_in_mb(with_aux) == count_parameters_in_mb(without)
    assert sum(p.numel() for p in with_aux.parameters()) > sum(p.numel() for p in without.parameters())


def test_evaluation_networks_forward_shapes():
    g = darts.published("DARTS_V2")
    net = NetworkCIFAR(8, 10, 8, True, g)
    net.drop_path_prob = 0.2
    logits, aux = net(torch.randn(2, 3, 32, 32))
    assert logits.shape == aux.shape == (2, 10)
    net.eval()
    assert net(torch.randn(2, 3, 32, 32))[1] is None
    small = NetworkImageNet(8, 7, 5, True, g).eval()
    with torch.no_grad():
        logits, aux = small(torch.randn(1, 3, 224, 224))
    assert logits.shape == (1, 7) and aux is None
