"""What ``headroom train`` does, kept here so the CLI module stays free of heavy imports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from training._train import RunResult, train
from training.config import config_hash, load_config

__all__ = ["DEFAULT_OUT", "DEFAULT_RECIPE", "run_training", "summary"]

DEFAULT_OUT = Path(".runs") / "kompress"
DEFAULT_RECIPE = Path(__file__).parent / "recipes" / "default.yaml"
"""The packaged recipe (a copy of configs/training/default.yaml, installed with the package)."""


def run_training(
    config_path: str | None, overrides: Sequence[str], out: str | None, progress: bool = True
) -> RunResult:
    """Load the config (default: the packaged recipe) with overrides, train into ``out``.

    ``out`` defaults to ``.runs/kompress/<name>-<hash>``.
    """
    config = load_config(config_path or DEFAULT_RECIPE, overrides)
    folder = Path(out) if out else DEFAULT_OUT / f"{config.name}-{config_hash(config)}"
    return train(config, folder, progress=progress)


def summary(result: RunResult) -> str:
    """A short human-readable report of a finished run."""
    lines = [
        f"model: {result.model_dir}",
        f"config hash: {result.config_hash}  steps: {result.steps}  "
        f"examples/s: {result.examples_per_second:.2f}",
        json.dumps(result.metrics, indent=2, sort_keys=True),
    ]
    return "\n".join(lines)
