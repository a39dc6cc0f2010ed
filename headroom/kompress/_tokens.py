"""A tokenizer on the ``tokenizers`` library alone: what Kompress needs, without importing transformers.

Importing transformers costs seconds; the Rust tokenizer behind every Hugging Face "fast"
tokenizer loads from ``tokenizer.json`` in tens of milliseconds and gives the same ids. The
file's own truncation and padding settings (sentence-transformers ships 128, fixed) are turned
off: Kompress chunks words itself, and the sentence encoder truncates and pads per call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOKENIZER_FILE = "tokenizer.json"
_SPECIAL = ("cls_token", "sep_token", "pad_token", "bos_token", "eos_token")


class FastTokenizer:
    """Word and sentence tokenization over one ``tokenizers.Tokenizer``."""

    def __init__(self, backend: Any, special: dict[str, int | None]) -> None:
        backend.no_truncation()
        backend.no_padding()
        self._backend = backend
        self.cls_token_id = _first(special, "cls_token", "bos_token")
        self.sep_token_id = _first(special, "sep_token", "eos_token")
        self.pad_token_id = _first(special, "pad_token") or 0

    def word_token_ids(self, words: list[str]) -> list[list[int]]:
        """Sub-token ids of each word (no special tokens)."""
        enc = self._backend.encode(words, is_pretokenized=True, add_special_tokens=False)
        out: list[list[int]] = [[] for _ in words]
        for token_id, word in zip(enc.ids, enc.word_ids, strict=True):
            if word is not None:
                out[word].append(int(token_id))
        return out

    def __call__(self, texts: list[str], *, max_length: int, **_: Any) -> dict[str, Any]:
        """Padded, truncated ``input_ids`` and ``attention_mask`` (int64 numpy) for whole texts."""
        import numpy as np

        encoded = self._backend.encode_batch(texts, add_special_tokens=True)
        rows = [e.ids[: max_length - 1] + e.ids[-1:] if len(e.ids) > max_length else e.ids for e in encoded]
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), self.pad_token_id, dtype="int64")
        mask = np.zeros((len(rows), width), dtype="int64")
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return {"input_ids": ids, "attention_mask": mask}


def _first(ids: dict[str, int | None], *names: str) -> int | None:
    return next((ids[n] for n in names if ids.get(n) is not None), None)


def fast_tokenizer(folder: Path) -> FastTokenizer | None:
    """The tokenizer of ``folder`` from its ``tokenizer.json``, or ``None`` when it has none."""
    file = folder / TOKENIZER_FILE
    if not file.is_file():
        return None
    from tokenizers import Tokenizer

    backend = Tokenizer.from_file(str(file))
    return FastTokenizer(backend, _special_ids(folder, backend))


def from_hf(tokenizer: Any) -> Any:
    """A loaded Hugging Face tokenizer as a :class:`FastTokenizer` when it is a fast one (else itself)."""
    if not getattr(tokenizer, "is_fast", False):
        return tokenizer
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    ids = {name: getattr(tokenizer, f"{name}_id", None) for name in _SPECIAL}
    return FastTokenizer(backend, ids)


def _special_ids(folder: Path, backend: Any) -> dict[str, int | None]:
    names: dict[str, Any] = {}
    for file in ("special_tokens_map.json", "tokenizer_config.json"):
        path = folder / file
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            names.update({k: v for k, v in data.items() if k in _SPECIAL and k not in names})
    ids: dict[str, int | None] = {}
    for name, value in names.items():
        token = value.get("content") if isinstance(value, dict) else value
        ids[name] = backend.token_to_id(token) if isinstance(token, str) else None
    return ids
