"""Supervised training from scratch: protocol presets (protocols), the checkpointed trainer (trainer),
DARTS-genotype retraining (retrain), loaders incl. an ImageNet folder reader (data, imagenet), the `retrain`
CLI subcommand (cli)."""
