"""DARTS-V1 / DARTS-V2 (Liu et al., ICLR 2019; darts_core.search.darts) and their presets.

The defaults of SearchConfig are the NAS-Bench-201 DARTS settings (xautodl
`configs/nas-benchmark/algos/DARTS.config` and `scripts-search/NAS-Bench-201-algos/DARTS-V1.sh`), so the
`darts` preset sets nothing.
"""

from darts_core.methods.base import MethodSpec

PRESETS: dict[str, dict] = {
    "darts": {},  # the defaults (darts_core.search.config)
    # EX-DARTS (Exp.5): chaoji90/SP-DARTS AutoDL-Projects_sp/setup/exchange/DARTS.config (LR = eta_min =
    # 0.0003, batch_size 256, decay 5e-4, nesterov, 50 epochs) and DARTS-V1.sh (--arch_learning_rate 0.025
    # --arch_weight_decay 0.001).
    "ex-darts": {"w_lr": 0.0003, "w_lr_min": 0.0003, "w_lr_schedule": "constant", "a_lr": 0.025, "batch_size": 256},
}
# A space preset (it sets no method: DARTS-V1 unless the config names one), kept after the methods'
# presets (darts_core.methods.presets).
SPACE_PRESETS: dict[str, dict] = {
    # DARTS space (quark0/darts cnn/train_search.py; RobustDARTS src/search/args.py agrees): 50 epochs, batch
    # 64, lr 0.025 -> 0.001, momentum 0.9 without Nesterov, wd 3e-4, grad_clip 5, C=16, 8 layers, arch Adam
    # 3e-4 (0.5, 0.999) wd 1e-3, train_portion 0.5 (first 25k / last 25k of the CIFAR-10 training set).
    # The loop is quark0's (`loop: quark0`): alpha step before the weight step, the clip on the weights only
    # (its alphas are not module parameters), the learning rate set once per epoch after
    # `scheduler.step()` (epoch e runs at the cosine's step e + 1).
    "darts-space": {"space": "darts", "loop": "quark0", "epochs": 50, "batch_size": 64, "channels": 16, "num_cells": 8, "w_lr": 0.025,
                    "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False, "w_wd": 0.0003, "grad_clip": 5.0,
                    "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001, "search_split": "darts"},
    # NAS-Bench-1Shot1 (automl/nasbench-1shot1 optimizers/darts/train_search.py): 50 epochs, batch 96, lr
    # 0.025 -> 0.001 (cosine, once per epoch after scheduler.step(): quark0's loop), momentum 0.9 without
    # Nesterov, wd 3e-4, clip 5 on the weights, C=16, 9 layers, arch Adam 3e-4 (0.5, 0.999) wd 1e-3,
    # train_portion 0.5. SS1 unless the config names nb1shot1-s2 / -s3.
    "nb1shot1": {"space": "nb1shot1-s1", "loop": "quark0", "epochs": 50, "batch_size": 96, "channels": 16,
                 "num_cells": 9, "w_lr": 0.025, "w_lr_min": 0.001, "w_momentum": 0.9, "w_nesterov": False,
                 "w_wd": 0.0003, "grad_clip": 5.0, "a_lr": 0.0003, "a_betas": (0.5, 0.999), "a_wd": 0.001,
                 "search_split": "darts"},
}

SOURCES = {
    "darts": "NAS-Bench-201 configs/nas-benchmark/algos/DARTS.config + DARTS-V1.sh (AutoDL-Projects)",
    "ex-darts": "SP-DARTS AutoDL-Projects_sp/setup/exchange/DARTS.config + DARTS-V1.sh",
    "darts-space": "quark0/darts cnn/train_search.py (RobustDARTS src/search/args.py agrees)",
    "nb1shot1": "automl/nasbench-1shot1 optimizers/darts/train_search.py defaults",
}
DARTS_V1 = MethodSpec("darts-v1", "darts_core.search.darts:DartsV1", presets=PRESETS, sources=SOURCES,
                      packed="darts_core.search.packed:PackedDartsV1")
DARTS_V2 = MethodSpec("darts-v2", "darts_core.search.darts:DartsV2", packed="darts_core.search.packed:PackedDartsV2")
