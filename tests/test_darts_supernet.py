import pytest
import torch

from darts_core import runlog
from darts_core.nn.darts_supernet import DartsSupernet
from darts_core.spaces import darts


def tiny(space="darts", **kw):
    torch.manual_seed(0)
    return DartsSupernet(C=4, num_classes=10, layers=5, space=space, **kw)


def test_alpha_shapes_and_parameter_split():
    net = tiny()
    assert [tuple(a.shape) for a in net.arch_parameters()] == [(14, 8), (14, 8)]
    assert float(net.alphas_normal.detach().abs().max()) < 0.01  # 1e-3 * randn
    ids = {id(p) for p in net.weight_parameters()}
    assert not ids & {id(a) for a in net.arch_parameters()}
    assert len(ids) + 2 == len(list(net.parameters()))
    assert [tuple(a.shape) for a in tiny("s1").arch_parameters()] == [(14, 2), (14, 2)]
    assert tuple(tiny("s3").alphas_reduce.shape) == (14, 3)


def test_full_size_supernet_matches_darts_search_size():
    net = DartsSupernet()  # C=16, 8 layers: quark0 train_search.py logs ~1.93 MB of weights
    assert sum(p.numel() for p in net.weight_parameters()) / 1e6 == pytest.approx(1.93, abs=0.01)
    assert [c.reduction for c in net.cells] == [False, False, True, False, False, True, False, False]


@pytest.mark.parametrize("space", ["darts", "s1", "s2", "s3", "s4"])
def test_forward_backward_reaches_weights_and_both_alphas(space):
    net = tiny(space, drop_path_prob=0.2)
    x, y = torch.randn(4, 3, 16, 16), torch.randint(0, 10, (4,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    assert net.alphas_normal.grad.abs().sum() > 0 and net.alphas_reduce.grad.abs().sum() > 0
    assert all(p.grad is not None for p in net.stem.parameters())
    g = darts.parse_genotype(net.genotype())
    allowed = set(darts.get_space(space).all_ops) - {"none"}
    assert {op for op, _ in g.normal + g.reduce} <= allowed


def test_alpha_log_rows_over_epochs(tmp_path):
    net = tiny()
    opt = torch.optim.Adam(net.arch_parameters(), lr=0.1)
    frames = [net.alpha_log(0)]
    for epoch in (1, 2):  # a stand-in for search epochs: move the alphas
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.randn(2, 3, 8, 8)), torch.tensor([1, 2])).backward()
        opt.step()
        frames.append(net.alpha_log(epoch))
    df = __import__("pandas").concat(frames, ignore_index=True)
    assert len(df) == 3 * 2 * 14 * 8  # (epochs + 1) x 2 cells x 14 edges x 8 ops
    assert tuple(df.columns) == runlog.ALPHA_COLUMNS
    assert set(df["cell"]) == {"normal", "reduce"} and set(df["edge"]) == set(darts.EDGES)
    sums = df.groupby(["epoch", "cell", "edge"])["weight"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    runlog.write_table(df, tmp_path / runlog.ALPHAS)
    back = runlog.read_alphas(tmp_path / runlog.ALPHAS, known_ops=darts.OPS)
    w = runlog.weight_tensor(back, 2, "reduce", darts.EDGES, darts.OPS)
    assert darts.genotype_string(darts.derive_genotype(
        runlog.weight_tensor(back, 2, "normal", darts.EDGES, darts.OPS), w)) == net.genotype()


def test_s1_alpha_log_uses_per_edge_ops():
    df = tiny("s1").alpha_log(0)
    s1 = darts.get_space("s1")
    assert len(df) == 2 * 14 * 2
    first = df[(df["cell"] == "reduce") & (df["edge"] == "2<-1")]["op"].tolist()
    assert first == list(s1.reduce[1])


def test_drop_path_only_in_training():
    net = tiny(drop_path_prob=0.5).eval()
    x = torch.randn(2, 3, 8, 8)
    assert torch.equal(net(x), net(x))


def test_registry_factories():
    from types import SimpleNamespace

    from darts_core.errors import DartsCoreError
    from darts_core.nn import darts_supernet as ds

    cfg = SimpleNamespace(channels=4, num_cells=5, ops=darts.OPS)
    assert tuple(ds.build_darts(cfg, 10, (3, 8, 8)).alphas_normal.shape) == (14, 8)
    assert ds.build_s4(cfg, 10, (1, 8, 8)).space.name == "s4"  # default ops (the full list) are ignored
    sub = ds.build_darts(SimpleNamespace(channels=4, num_cells=5, ops=("sep_conv_3x3", "none")), 10, (3, 8, 8))
    assert sub.space.normal[0] == ("none", "sep_conv_3x3") and tuple(sub.alphas_reduce.shape) == (14, 2)
    with pytest.raises(DartsCoreError, match="fixes its op lists"):
        ds.build_s1(SimpleNamespace(channels=4, num_cells=5, ops=("skip_connect",)), 10, (3, 8, 8))
