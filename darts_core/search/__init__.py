"""Differentiable architecture search: config, methods, the generic loop and its run products.

Entry points: `config.resolve_config(mapping) -> SearchConfig`, `loop.run_search(cfg, out_dir,
on_epoch_end=None) -> Path`, and `python -m darts_core search ...` (cli.py). Run products: see
darts_core.runlog (accuracies in metrics.csv are percentages; epoch 0 of the alpha log and genotypes is
the initialisation, epoch k the state after k finished epochs, warm-up included).

Supernet protocol (what the loop needs from a space; `darts_core.nn.nb201_supernet.NB201Supernet` is the
reference implementation). A supernet is an `nn.Module` with:
- `forward(x) -> logits`;
- `arch_parameters() -> list[Tensor]`: the alphas, one tensor per cell type (`cell_types`, e.g.
  ("normal",) for NB201, ("normal", "reduce") for the DARTS space), ordered like `cell_types`;
- `weight_parameters() -> list[Tensor]`: everything else that SGD trains, in `parameters()` order;
- `alpha_log(epoch) -> pd.DataFrame`: tidy rows (runlog.ALPHA_COLUMNS) of all cells, built with
  runlog.alpha_rows; `weight` = the mixer's deterministic weights;
- `genotype() -> str`: the architecture derived from the current alphas, in the space's string format;
- a `mixer` (darts_core.nn.mixing): alphas -> mixing weights; softmax for DARTS, swapped by methods such
  as DrNAS (Dirichlet) or GAEA (simplex) without touching the supernet.
A space is a darts_core.spaces.Space registered in darts_core.spaces.SPACES; its `supernet` names a
factory `factory(cfg, num_classes, input_shape, mixer=None) -> supernet`.

Method protocol (the class a darts_core.methods declaration names as `impl`; darts.DartsV1 / DartsV2 are
the references): a class with `make_mixer(cfg)`, `make_alpha_optimizer(params, cfg)`, a constructor
`(model, criterion, w_optimizer, a_optimizer, grad_clip)` and
`step(x_train, y_train, x_valid, y_valid, update_alphas) -> (train loss, train logits)`. The loop owns
the weight optimiser (SGD), the learning-rate schedule, warm-up (update_alphas=False), logging,
checkpoints and stop callbacks. Optional hooks the loop calls when a method defines them:
`configure(cfg)` once after construction, `begin_epoch(epoch)` before an epoch's steps (GDAS's
temperature), `end_epoch(epoch, valid_loader, device)` after the epoch's validation and before its alphas
are logged (RSPS picks its architecture), `genotype()` the architecture the method picked that epoch
(genotypes.csv; SETN, ENAS: the best of the candidates scored after the epoch; else the supernet's),
`state_dict()` / `load_state_dict(state)` its own state beyond the supernet and the two optimisers
(checkpointed; ENAS: the controller, its optimiser and the baseline; loaded before the supernet's state, so
it may first reshape the supernet: DrNAS progressive's later stages), `supernet_options(cfg)` (static)
keyword arguments for the space's supernet factory (DrNAS progressive: partial channels, bias-free convs).
A declaration may pick another class per config (MethodSpec.impl_for) and declare its own weight-lr and
frozen-alpha epochs (MethodSpec.weight_lr / .alphas_frozen, read through darts_core.search.schedule).
Methods: darts.py (DARTS-V1/V2), gaea.py, drnas.py, drnas_progressive.py, gdas.py, rsps.py, setn.py, enas.py; R-DARTS regularisation for all of them in regularisation.py. A hard mixer (`mixer.hard`, GDAS,
RSPS, SETN's weight step, ENAS) needs a supernet with a one-op forward (NB201Supernet.forward_hard).
"""
