"""The sentence encoder behind query relevance: a sentence-transformers style mean-pooled encoder.

Loaded from a local directory (the default: the all-MiniLM-L6-v2 base of the bundled model),
int8-quantized for CPU, run in length-sorted batches; embeddings are cached per sentence so a
block re-compressed on every turn of a conversation costs one encoder pass, not one per turn.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

BATCH_SIZE = 32
MAX_LENGTH = 128
"""Sentences are truncated here: relevance needs a sentence's gist, not its tail."""
CACHE_SIZE = 8192


class SentenceEncoder:
    """Texts → L2-normalised mean-pooled embeddings (the :data:`Embedder` shape)."""

    def __init__(self, tokenizer: Any, model: Any) -> None:
        self._tokenizer = tokenizer
        self._model = model
        self._cache: OrderedDict[str, list[float]] = OrderedDict()

    def __call__(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for text, vector in zip(missing, self._encode(missing), strict=True):
            self._cache[text] = vector
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        out = []
        for text in texts:
            self._cache.move_to_end(text)
            out.append(self._cache[text])
        return out

    def _encode(self, texts: list[str]) -> list[list[float]]:
        import torch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            enc = self._tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self._model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                vectors = torch.nn.functional.normalize(pooled, dim=-1)
            for i, vector in zip(batch, vectors.tolist(), strict=True):
                out[i] = vector
        return out


@functools.lru_cache(maxsize=2)
def load_encoder(path: str, quantize: bool = True) -> SentenceEncoder:
    """Load (once per directory) the encoder at ``path``; int8 dynamic quantization when ``quantize``."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from headroom.kompress._model import quiet_loading

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    with quiet_loading():
        model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        if quantize:
            quantize_dynamic: Any = torch.ao.quantization.quantize_dynamic
            model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return SentenceEncoder(tokenizer, model)
