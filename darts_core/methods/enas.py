"""ENAS, efficient NAS by parameter sharing (Pham et al., ICML 2018; darts_core.search.enas) as run on
NAS-Bench-201: an LSTM controller samples one op per edge (hard_forward), trained by REINFORCE; settings
`enas_*`, preset `enas`.

ENAS has no architecture parameters (arch_parameters False): its alpha log holds the controller's exact
per-edge marginal op probabilities (darts_core.search.enas.edge_marginals), so magnitudes, `final`,
`best` and DARTS+ sc_k apply; the Hessian w.r.t. alphas and the criteria built on alpha dynamics
(SS-peak/residual, DARTS+ rt_k, DARTS-ES) do not, as for RSPS."""

from darts_core.errors import DartsCoreError
from darts_core.methods.base import MethodSpec, Setting, as_float, as_int

SETTINGS = {
    "enas_ctl_train_steps": Setting(50, "ENAS: controller updates per epoch (ENAS.sh --controller_train_steps)"),
    "enas_ctl_num_aggregate": Setting(20, "ENAS: sampled architectures averaged per update (--controller_num_aggregate)"),
    "enas_entropy_weight": Setting(0.0001, "ENAS: entropy bonus in the reward (--controller_entropy_weight)"),
    "enas_bl_dec": Setting(0.99, "ENAS: baseline decay (--controller_bl_dec)"),
    "enas_num_samples": Setting(100, "ENAS: architectures sampled and scored for the final pick (--controller_num_samples)"),
    "enas_epoch_samples": Setting(10, "ENAS: architectures sampled and scored per epoch (get_best_arch's default)"),
    "enas_ctl_lr": Setting(0.001, "ENAS: controller Adam lr, constant (ENAS.config controller_lr)"),
    "enas_ctl_betas": Setting((0.0, 0.999), "ENAS: controller Adam betas (controller_betas)", type=tuple[float, float]),
    "enas_ctl_eps": Setting(0.001, "ENAS: controller Adam eps (controller_eps)"),
    "enas_ctl_grad_clip": Setting(5.0, "ENAS: controller gradient-norm clip (ENAS.py train_controller)"),
    "enas_tanh_constant": Setting(2.5, "ENAS: logits = c * tanh(logits / temperature) (Controller tanh_constant)"),
    "enas_temperature": Setting(5.0, "ENAS: controller logit temperature (Controller temperature)"),
    "enas_lstm_size": Setting(32, "ENAS: controller LSTM width (Controller lstm_size)"),
    "enas_lstm_layers": Setting(2, "ENAS: controller LSTM layers (Controller lstm_num_layers)"),
}
PRESETS: dict[str, dict] = {
    # ENAS (D-X-Y/AutoDL-Projects @ f46486e configs/nas-benchmark/algos/ENAS.config: cos LR 0.05 ->
    # eta_min 0.0005 with T_max 10 (periodic over the 250 epochs), warmup 0, SGD decay 2.5e-4, momentum 0.9,
    # nesterov, batch 128, controller Adam lr 1e-3, betas (0, 0.999), eps 1e-3;
    # scripts-search/NAS-Bench-201-algos/ENAS.sh: C=16, N=5, --controller_entropy_weight 0.0001
    # --controller_bl_dec 0.99 --controller_train_steps 50 --controller_num_aggregate 20
    # --controller_num_samples 100; ENAS.py: clip 5 on the shared CNN and on the controller;
    # xautodl search_model_enas_utils.py Controller: lstm_size 32, 2 layers, tanh 2.5, temperature 5).
    "enas": {"method": "enas", "epochs": 250, "batch_size": 128, "channels": 16, "num_cells": 5, "w_lr": 0.05,
             "w_lr_min": 0.0005, "w_lr_t_max": 10, "w_momentum": 0.9, "w_nesterov": True, "w_wd": 0.00025,
             "grad_clip": 5.0, **{k: s.default for k, s in SETTINGS.items()}},
}


class EnasSpec(MethodSpec):
    def check(self, v: dict) -> None:
        for key in ("enas_ctl_train_steps", "enas_ctl_num_aggregate", "enas_num_samples", "enas_epoch_samples",
                    "enas_lstm_size", "enas_lstm_layers"):
            v[key] = as_int(key, v[key], 1)
        for key in ("enas_entropy_weight", "enas_ctl_grad_clip"):
            v[key] = as_float(key, v[key])
        for key in ("enas_ctl_lr", "enas_ctl_eps", "enas_tanh_constant", "enas_temperature"):
            v[key] = as_float(key, v[key], strict=True)
        v["enas_bl_dec"] = as_float("enas_bl_dec", v["enas_bl_dec"], high=1.0)
        betas = v["enas_ctl_betas"]
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise DartsCoreError(f"enas_ctl_betas must be two numbers, got {betas!r}")
        v["enas_ctl_betas"] = tuple(as_float("enas_ctl_betas", b, high=1.0) for b in betas)


SOURCES = {"enas": "AutoDL-Projects configs/nas-benchmark/algos/ENAS.config + scripts-search/NAS-Bench-201-algos/"
                   "ENAS.sh (the NB201 scripts, not NATS-Bench's later ones)"}
ENAS = EnasSpec("enas", "darts_core.search.enas:Enas", settings=SETTINGS, presets=PRESETS, sources=SOURCES,
                arch_parameters=False, hard_forward=True)
