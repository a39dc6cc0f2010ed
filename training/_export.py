"""Export a trained adapter to the runtime's ``kompress/1`` model directory (and optionally merged)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from training._model import KEEP_LABEL, LABELS
from training.config import TrainConfig

FORMAT = "kompress/1"
ADAPTER_DIR = "adapter"
WORD_SCORE = "first"
"""Training labels each word on its first sub-token, so the runtime reads that one."""


def kompress_json(
    config: TrainConfig, metrics: Mapping[str, Any], training: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``kompress.json`` descriptor the runtime reads."""
    descriptor = {
        "format": FORMAT,
        "base": config.base,
        "keep_label": KEEP_LABEL,
        "labels": list(LABELS),
        "max_length": config.max_length,
        "adapter": ADAPTER_DIR,
        "word_score": WORD_SCORE,
        "metrics": dict(metrics),
        "training": dict(training),
    }
    if config.encoder is not None:
        descriptor["encoder"] = config.encoder
    return descriptor


def export_model(
    model: Any, config: TrainConfig, target: Path, metrics: Mapping[str, Any], training: Mapping[str, Any]
) -> Path:
    """Write ``target/kompress.json`` and ``target/adapter/`` (LoRA weights plus the classifier head)."""
    target.mkdir(parents=True, exist_ok=True)
    adapter = target / ADAPTER_DIR
    if adapter.exists():
        shutil.rmtree(adapter)
    model.save_pretrained(str(adapter))
    # peft's generated README names the machine-specific base path; MODEL_CARD.md is the card.
    (adapter / "README.md").unlink(missing_ok=True)
    _portable_adapter_config(adapter / "adapter_config.json", config.base)
    descriptor = kompress_json(config, metrics, training)
    (target / "kompress.json").write_text(
        json.dumps(descriptor, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return target


def _portable_adapter_config(path: Path, base: str) -> None:
    # peft records the absolute path the base was loaded from; the descriptor names the base instead,
    # so a machine-specific path never ships with the model.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["base_model_name_or_path"] = base
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def export_merged(model: Any, tokenizer: Any, target: Path) -> Path:
    """A full token-classification checkpoint (adapter merged in); keep label 1 in its config."""
    import copy

    merged = copy.deepcopy(model).merge_and_unload()
    merged.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))
    return target
