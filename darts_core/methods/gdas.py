"""GDAS (Dong & Yang, CVPR 2019; darts_core.search.gdas): settings `tau_max`, `tau_min`, preset `gdas`.
Its Gumbel-max forward runs one op per edge (hard_forward)."""

from darts_core.errors import DartsCoreError
from darts_core.methods.base import MethodSpec, Setting, as_float

SETTINGS = {
    "tau_max": Setting(10.0, "GDAS Gumbel temperature, linear tau_max -> tau_min over the epochs"),
    "tau_min": Setting(0.1),
}
PRESETS: dict[str, dict] = {
    # GDAS (D-X-Y/AutoDL-Projects configs/nas-benchmark/algos/GDAS.config: cos 0.025 -> 0.001, 250 epochs,
    # SGD decay 5e-4, momentum 0.9, nesterov, batch 64; scripts-search/NAS-Bench-201-algos/GDAS.sh:
    # C=16, N=5, --tau_max 10 --tau_min 0.1, --arch_learning_rate 0.0003 --arch_weight_decay 0.001).
    "gdas": {"method": "gdas", "epochs": 250, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.0005, "grad_clip": 5.0,
             "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "tau_max": 10.0, "tau_min": 0.1},
}


class GdasSpec(MethodSpec):
    def check(self, v: dict) -> None:
        v["tau_min"] = as_float("tau_min", v["tau_min"], strict=True)
        v["tau_max"] = as_float("tau_max", v["tau_max"], strict=True)
        if v["tau_max"] < v["tau_min"]:
            raise DartsCoreError(f"tau_max ({v['tau_max']}) must be >= tau_min ({v['tau_min']})")


SOURCES = {"gdas": "AutoDL-Projects configs/nas-benchmark/algos/GDAS.config + scripts-search/NAS-Bench-201-algos/"
                   "GDAS.sh"}
GDAS = GdasSpec("gdas", "darts_core.search.gdas:Gdas", settings=SETTINGS, presets=PRESETS, sources=SOURCES,
                hard_forward=True)
