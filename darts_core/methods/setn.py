"""SETN, the self-evaluated template network (Dong & Yang, ICCV 2019; darts_core.search.setn) as run on
NAS-Bench-201: settings `setn_select_num`, `setn_eval_batch_size`, preset `setn`. Its weight step runs one
uniformly sampled op per edge (hard_forward); its architecture parameters are DARTS-like alphas (the
arch step is the softmax mixture of all ops), so every criterion on alpha dynamics applies."""

from darts_core.methods.base import MethodSpec, Setting, as_int

SETTINGS = {
    "setn_select_num": Setting(100, "SETN: candidates scored per pick, the top-K of the learned distribution (SETN.sh --select_num)"),
    "setn_eval_batch_size": Setting(512, "SETN: validation images per scored candidate (SETN.config test_batch_size)"),
}
PRESETS: dict[str, dict] = {
    # SETN (D-X-Y/AutoDL-Projects @ f46486e configs/nas-benchmark/algos/SETN.config: cos 0.025 -> 0.001,
    # 250 epochs, warmup 0, SGD decay 5e-4, momentum 0.9, nesterov, batch 64, test_batch_size 512;
    # scripts-search/NAS-Bench-201-algos/SETN.sh: C=16, N=5, --arch_learning_rate 0.0003
    # --arch_weight_decay 0.001 --select_num 100; exps/NAS-Bench-201-algos/SETN.py: Adam betas (0.5, 0.999)
    # and no gradient clipping in search_func, hence grad_clip 0).
    "setn": {"method": "setn", "epochs": 250, "batch_size": 64, "channels": 16, "num_cells": 5, "w_lr": 0.025,
             "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.0005, "grad_clip": 0.0,
             "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "setn_select_num": 100,
             "setn_eval_batch_size": 512},
}


class SetnSpec(MethodSpec):
    def check(self, v: dict) -> None:
        for key in SETTINGS:
            v[key] = as_int(key, v[key], 1)


SOURCES = {"setn": "AutoDL-Projects configs/nas-benchmark/algos/SETN.config + scripts-search/NAS-Bench-201-algos/"
                   "SETN.sh (exps/NAS-Bench-201-algos/SETN.py: no gradient clipping)"}
SETN = SetnSpec("setn", "darts_core.search.setn:Setn", settings=SETTINGS, presets=PRESETS, sources=SOURCES,
                hard_forward=True)
