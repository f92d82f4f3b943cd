"""DrNAS (Chen et al., ICLR 2021; darts_core.search.drnas), the plain 201-space/train_search.py variant:
setting `drnas_reg`, preset `drnas`."""

from darts_core.methods.base import MethodSpec, Setting, as_choice

REGS = ("l2", "kl")
SETTINGS = {
    "drnas_reg": Setting("l2", "DrNAS reg_type: l2 (Adam weight decay a_wd) or kl (a_wd * KL(Dir(beta) || Dir(1)))"),
}
PRESETS: dict[str, dict] = {
    # DrNAS (xiangning-chen/DrNAS 201-space/train_search.py defaults): 100 epochs, batch 64, lr 0.025 ->
    # 0.001 cosine, momentum 0.9 (no Nesterov), wd 3e-4, grad_clip 5, C=16, N=5, arch Adam 3e-4 (0.5, 0.999),
    # reg_type l2 with reg_scale 1e-3 (= Adam weight decay), train_portion 0.5 (first/second half of the
    # training set), TinyNetwork(track_running_stats=True).
    "drnas": {"method": "drnas", "epochs": 100, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
              "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
              "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "drnas_reg": "l2",
              "track_running_stats": True, "search_split": "darts"},
}


class DrnasSpec(MethodSpec):
    def check(self, v: dict) -> None:
        v["drnas_reg"] = as_choice("drnas_reg", v["drnas_reg"], REGS)


SOURCES = {"drnas": "xiangning-chen/DrNAS 201-space/train_search.py defaults"}
DRNAS = DrnasSpec("drnas", "darts_core.search.drnas:DrNas", settings=SETTINGS, presets=PRESETS, sources=SOURCES)
