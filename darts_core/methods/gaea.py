"""GAEA (Li et al., ICLR 2021; darts_core.search.gaea): settings `exclude_zero`, `single_level` (GAEA-ERM),
presets `gaea` and `ex-gaea`."""

from darts_core.errors import DartsCoreError
from darts_core.methods.base import MethodSpec, Setting, as_bool

SETTINGS = {
    "exclude_zero": Setting(False, "drop `none` from the ops (GAEA search.exclude_zero)"),
    "single_level": Setting(False, "GAEA-ERM: architecture steps on training batches (gaea search.single_level)"),
}
PRESETS: dict[str, dict] = {
    # GAEA (liamcli/gaea_release): configs/cnn/mode/search_nasbench201.yaml (batch 64, lr 0.025 -> 0.001
    # cosine, momentum 0.9, wd 3e-4, grad_clip 5, init_channels 24, layers 5), search_method/edarts/
    # method_edarts_space_nasbench201.yaml (arch_learning_rate 0.1, arch_weight_decay 0 = entropic
    # regulariser, exclude_zero false), config.yaml (track_running_stats true, scheduler_epochs 50);
    # train_utils.setup_optimizer: SGD without Nesterov. The release runs run.epochs=25 of that 50-epoch
    # cosine; our schedule spans `epochs`, so the preset runs the full 50 (the paper's standard-201).
    "gaea": {"method": "gaea", "epochs": 50, "batch_size": 64, "channels": 24, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
             "a_lr": 0.1, "a_wd": 0.0, "track_running_stats": True},
    # EX-GAEA (Zhang & Ding Table 2): GAEA with its two default learning-rate schemes exchanged, as
    # EX-DARTS exchanges DARTS's: weights get the architecture's constant 0.1, the architecture (EG) the
    # weights' 0.025. The paper publishes no EX-GAEA settings; this is the literal exchange.
    "ex-gaea": {"method": "gaea", "epochs": 50, "batch_size": 64, "channels": 24, "num_cells": 5, "w_lr": 0.1,
                "w_lr_min": 0.1, "w_lr_schedule": "constant", "w_momentum": 0.9, "w_nesterov": False,
                "w_wd": 0.0003, "grad_clip": 5.0, "a_lr": 0.025, "a_wd": 0.0, "track_running_stats": True},
}


class GaeaSpec(MethodSpec):
    def check(self, v: dict) -> None:
        for key in SETTINGS:
            v[key] = as_bool(key, v[key])
        if v["exclude_zero"]:  # any method: it only narrows the op list
            v["ops"] = tuple(op for op in v["ops"] if op != "none")
            if len(v["ops"]) < 2:
                raise DartsCoreError("exclude_zero leaves fewer than 2 ops")
        if v["single_level"] and v["method"] != "gaea":
            raise DartsCoreError(f"single_level (ERM) is a GAEA option; method is {v['method']!r}")
        if v["single_level"] and v["search_split"] is None:  # ERM trains both on the whole training split
            v["search_split"] = "train"


SOURCES = {
    "gaea": "liamcli/gaea_release configs/cnn/mode/search_nasbench201.yaml + search_method/edarts/"
            "method_edarts_space_nasbench201.yaml",
    "ex-gaea": "Zhang & Ding Table 2 (no settings published): GAEA's two learning-rate schemes exchanged",
}
GAEA = GaeaSpec("gaea", "darts_core.search.gaea:Gaea", settings=SETTINGS, presets=PRESETS, sources=SOURCES)
