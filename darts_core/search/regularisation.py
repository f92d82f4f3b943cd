"""R-DARTS regularisation as search options, for every method and space (Zeng/Zela et al., RobustDARTS,
automl/RobustDARTS src/search/train_search.py and args.py).

- L2: the weight decay of the weights is `w_wd` (RobustDARTS grid: 3e-4 x 3^k up to 243e-4,
  `WEIGHT_DECAY_GRID`).
- ScheduledDropPath: `drop_path_prob` p; in epoch e (0-based) the supernet drops each mixed edge's output
  with probability p * e / (epochs - 1) in training (`model.drop_path_prob = args.drop_path_prob * epoch /
  (args.epochs - 1)`); RobustDARTS grid 0.0, 0.2, 0.4, 0.6 (`DROP_PATH_GRID`).
- Scheduled cutout, on only when drop path is (args.py: `if drop_path_prob == 0: cutout = False`):
  `cutout_prob * e / (epochs - 1)` per image, length `cutout_length` (16), on both halves of every search
  batch (the train and valid queues share RobustDARTS's train_transform).
Both schedules are functions of the epoch, so a resumed run continues them exactly.
"""

from __future__ import annotations

from darts_core.errors import DartsCoreError

WEIGHT_DECAY_GRID = (3e-4, 9e-4, 27e-4, 81e-4, 243e-4)
DROP_PATH_GRID = (0.0, 0.2, 0.4, 0.6)


def scheduled(value: float, epoch: int, epochs: int) -> float:
    """value * epoch / (epochs - 1): 0 in the first epoch, `value` in the last (one epoch: 0)."""
    return float(value) * epoch / (epochs - 1) if epochs > 1 else 0.0


def drop_path_prob(cfg, epoch: int) -> float:
    return scheduled(cfg.drop_path_prob, epoch, cfg.epochs)


def cutout_prob(cfg, epoch: int) -> float:
    if cfg.drop_path_prob <= 0 or cfg.cutout_length <= 0:
        return 0.0
    return scheduled(cfg.cutout_prob, epoch, cfg.epochs)


def begin_epoch(cfg, model, search_loader, epoch: int) -> dict:
    """Set this epoch's drop-path probability on the supernet and cutout on the search loader; returns
    both (for the log). No-op when drop_path_prob is 0."""
    if cfg.drop_path_prob <= 0:
        return {}
    if not hasattr(model, "drop_path_prob"):
        raise DartsCoreError(f"drop_path_prob > 0, but the {cfg.space} supernet has no drop path")
    from darts_core.data.loaders import set_cutout

    model.drop_path_prob = drop_path_prob(cfg, epoch)
    prob = cutout_prob(cfg, epoch)
    set_cutout(search_loader, cfg.cutout_length if prob > 0 else 0, prob)
    return {"drop_path_prob": model.drop_path_prob, "cutout_prob": prob}
