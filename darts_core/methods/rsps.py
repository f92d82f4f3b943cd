"""RSPS, random search with parameter sharing (Li & Talwalkar, UAI 2019; darts_core.search.rsps): settings
`rsps_select_num`, `rsps_eval_batch_size`, preset `rsps`. It trains one sampled path per step
(hard_forward) and has no architecture parameters: its alpha log records the architecture it selects."""

from darts_core.methods.base import MethodSpec, Setting, as_int

SETTINGS = {
    "rsps_select_num": Setting(100, "RSPS: architectures sampled and scored per pick (RANDOM-NAS.sh --select_num)"),
    "rsps_eval_batch_size": Setting(512, "RSPS: validation images per scored architecture (test_batch_size)"),
}
PRESETS: dict[str, dict] = {
    # RSPS (AutoDL-Projects configs/nas-benchmark/algos/RANDOM.config: cos 0.025 -> 0.001, 250 epochs, decay
    # 5e-4, nesterov, batch 64, test_batch_size 512; RANDOM-NAS.sh: --select_num 100, C=16, N=5).
    "rsps": {"method": "rsps", "epochs": 250, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.0005, "grad_clip": 5.0,
             "rsps_select_num": 100, "rsps_eval_batch_size": 512},
}


class RspsSpec(MethodSpec):
    def check(self, v: dict) -> None:
        for key in SETTINGS:
            v[key] = as_int(key, v[key], 1)


SOURCES = {"rsps": "AutoDL-Projects configs/nas-benchmark/algos/RANDOM.config + scripts-search/NAS-Bench-201-algos/"
                   "RANDOM-NAS.sh"}
RSPS = RspsSpec("rsps", "darts_core.search.rsps:Rsps", settings=SETTINGS, presets=PRESETS, sources=SOURCES,
                arch_parameters=False, hard_forward=True)
