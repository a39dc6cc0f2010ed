"""The sentence encoder behind query relevance: a sentence-transformers style mean-pooled encoder.

Loaded from a local directory (the default: the all-MiniLM-L6-v2 base of the bundled model) and
run int8 on CPU — through ONNX Runtime when it is installed (pooling inside the exported graph,
the export cached like the classifier's), else PyTorch dynamic quantization — in length-sorted
batches; embeddings are cached per sentence, so a block re-compressed on every turn of a
conversation costs one encoder pass, not one per turn.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from headroom.kompress._budget import Throughput
from headroom.kompress._fastload import cached_encoder
from headroom.kompress._onnx import Backend, mean_pool, onnx_encoder, resolve_backend

BATCH_SIZE = 32
MAX_LENGTH = 128
"""Sentences are truncated here: relevance needs a sentence's gist, not its tail."""
CACHE_SIZE = 8192
log = logging.getLogger(__name__)

#: (input ids, attention mask) as int64 numpy arrays → unit-length embeddings, one row each.
EncodeBatch = Callable[[Any, Any], Any]


class SentenceEncoder:
    """Texts → L2-normalised mean-pooled embeddings (the :data:`Embedder` shape)."""

    def __init__(self, tokenizer: Any, encode_batch: EncodeBatch, cache_size: int = CACHE_SIZE) -> None:
        self._tokenizer = tokenizer
        self._encode_batch = encode_batch
        self._cache_size = cache_size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.throughput = Throughput()
        """Seconds per word of this machine's passes (the time budget reads it)."""

    def __call__(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        fresh = dict(zip(missing, self._encode(missing), strict=True))
        with self._lock:
            for text, vector in fresh.items():
                self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        found.update(fresh)  # answered from here: a call larger than the cache still gets them all
        return [found[t] for t in texts]

    def clear(self) -> None:
        """Forget every cached embedding (benchmarks time the uncached path with it)."""
        with self._lock:
            self._cache.clear()

    def probe(self, texts: list[str]) -> None:
        """Encode ``texts`` bypassing the cache, to measure this machine's rate."""
        self._encode(texts)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        started = time.perf_counter()
        out = self._encode_sorted(texts)
        self.throughput.record("encoder", sum(len(t.split()) for t in texts), time.perf_counter() - started)
        return out

    def _encode_sorted(self, texts: list[str]) -> list[list[float]]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            enc = self._tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="np",
            )
            ids, mask = enc["input_ids"].astype("int64"), enc["attention_mask"].astype("int64")
            for i, vector in zip(batch, self._encode_batch(ids, mask).tolist(), strict=True):
                out[i] = [float(v) for v in vector]
        return out


def _torch_batch(model: Any) -> EncodeBatch:
    def encode(ids: Any, mask: Any) -> Any:
        import torch

        input_ids, attention = torch.from_numpy(ids), torch.from_numpy(mask)
        with torch.inference_mode():
            hidden = model(input_ids=input_ids, attention_mask=attention).last_hidden_state
            return mean_pool(hidden, attention).numpy()

    return encode


@functools.lru_cache(maxsize=2)
def load_encoder(path: str, quantize: bool = True, backend: Backend = "torch") -> SentenceEncoder:
    """Load (once per directory and options) the encoder at ``path``, int8 when ``quantize``.

    ``backend`` as for the classifier: ``onnx`` (or ``auto`` with onnxruntime installed) exports
    once and runs the cached export; an export the exporter cannot handle falls back to torch.
    """
    from headroom.kompress._model import cpu_threads, quiet_loading

    if resolve_backend(backend) == "onnx":
        cached = cached_encoder(Path(path), quantize, cpu_threads())
        if cached is not None:  # the export exists: no torch or transformers to import
            return SentenceEncoder(*cached)
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    with quiet_loading():
        model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    if resolve_backend(backend) == "onnx":
        try:
            session = onnx_encoder(model, [Path(path)], quantize, cpu_threads())
            return SentenceEncoder(tokenizer, session)
        except Exception as exc:  # the torch path still works
            if backend == "onnx":
                raise
            log.warning("kompress: ONNX sentence encoder unavailable for %s (%s); using torch", path, exc)
    if quantize:
        quantize_dynamic: Any = torch.ao.quantization.quantize_dynamic
        with quiet_loading():
            model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return SentenceEncoder(tokenizer, _torch_batch(model))
