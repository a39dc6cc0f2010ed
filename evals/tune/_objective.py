"""The objective: compress every file of a study with a trial's policy and score it.

Results are cached per block, keyed by (content hash, query, the section's parameters), so a
trial that repeats parameters another trial already tried costs nothing, and the enqueued
baseline trial reuses the baseline measurement.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.tune._corpus import KEEP_SHARE, CorpusFile, Fact, words
from evals.tune._space import apply
from headroom import compress_text
from headroom.ccr import MemoryStore, Store, parse_markers, to_text
from headroom.critical import critical_template, is_critical
from headroom.errors import StoreError
from headroom.policy import Policy

KEPT, RETRIEVABLE, LOST = 1.0, 0.5, 0.0
# The token pattern of evals.replay._facts, so a fact found there is found here.
_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?![\w,])|[\w./\-]+")
Params = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class FileScore:
    """One file compressed under one parameter set."""

    tokens_in: int
    tokens_out: int
    seconds: float
    retention: float
    """Mean fact score: kept 1, retrievable through a marker 0.5, lost 0."""


@dataclass(frozen=True)
class Totals:
    """A parameter set's objectives over a list of files."""

    savings: float
    """Tokens saved / tokens in, pooled over files."""
    retention: float
    """Mean per-file retention."""
    latency: float
    """Milliseconds of compression per 10K input tokens."""

    @staticmethod
    def of(scores: Sequence[FileScore]) -> Totals:
        """Pool per-file scores."""
        tokens_in = sum(s.tokens_in for s in scores)
        tokens_out = sum(s.tokens_out for s in scores)
        seconds = sum(s.seconds for s in scores)
        return Totals(
            savings=1 - tokens_out / tokens_in if tokens_in else 0.0,
            retention=sum(s.retention for s in scores) / len(scores) if scores else 1.0,
            latency=1e7 * seconds / tokens_in if tokens_in else 0.0,
        )


class Evaluator:
    """Scores parameter sets of one policy section on a fixed list of files, with a cache."""

    def __init__(self, files: Sequence[CorpusFile], base: Policy) -> None:
        self.files = list(files)
        self.base = base
        self.hits = 0
        self.misses = 0
        self._cache: dict[tuple[str, str, Params], FileScore] = {}
        self._policies: dict[Params, Policy] = {}

    def score(self, file: CorpusFile, params: Mapping[str, Any]) -> FileScore:
        """``file`` compressed under ``params`` (cached)."""
        frozen = freeze(params)
        key = (file.digest, file.query, frozen)
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        result = self._cache[key] = measure(file, self.policy(frozen))
        return result

    def clear(self) -> None:
        """Forget cached scores (counters too)."""
        self._cache.clear()
        self.hits = self.misses = 0

    def totals(self, params: Mapping[str, Any]) -> tuple[Totals, list[FileScore]]:
        """Objectives of ``params`` over every file, with the per-file scores."""
        scores = [self.score(f, params) for f in self.files]
        return Totals.of(scores), scores

    def policy(self, frozen: Params) -> Policy:
        """The base policy with ``frozen`` parameters applied (validated once per set)."""
        policy = self._policies.get(frozen)
        if policy is None:
            policy = self._policies[frozen] = apply(self.base, dict(frozen))
        return policy


def freeze(params: Mapping[str, Any]) -> Params:
    """Hashable, order-independent form of a parameter mapping."""
    return tuple(sorted(params.items()))


def measure(file: CorpusFile, policy: Policy) -> FileScore:
    """Compress ``file`` as one tool result and score its facts."""
    store = MemoryStore()
    started = time.perf_counter()
    out = compress_text(file.text, policy, query=file.query or None, store=store)
    seconds = time.perf_counter() - started
    return FileScore(out.tokens_in, out.tokens_out, seconds, retention(file.facts, out.text, store))


def retention(facts: Sequence[Fact], output: str, store: Store) -> float:
    """Mean score of ``facts`` against ``output`` and the originals its markers lead to."""
    if not facts:
        return 1.0
    judge = _Judge(output, store)
    return sum(judge.score(f) for f in facts) / len(facts)


class _Judge:
    """Scores facts against one output; every index is built lazily, only when a fact needs it."""

    def __init__(self, output: str, store: Store) -> None:
        self._output = output
        self._store = store
        self._tokens = raw_tokens(output)
        self._lines: list[frozenset[str]] | None = None
        self._templates: set[str] | None = None
        self._restored: str | None = None

    def score(self, fact: Fact) -> float:
        if fact.kind == "critical":
            return self._critical(fact)
        if fact.text in self._tokens:
            return KEPT
        return RETRIEVABLE if fact.text in raw_tokens(self.restored()) else LOST

    def restored(self) -> str:
        if self._restored is None:
            self._restored = _restored(self._output, self._store)
        return self._restored

    def _critical(self, fact: Fact) -> float:
        if self._templates is None:
            lines = [line.strip() for line in self._output.splitlines() if is_critical(line)]
            self._templates = {critical_template(line) for line in lines}
        if fact.template in self._templates:
            return KEPT
        if self._lines is None:
            self._lines = [words(line) for line in self._output.splitlines() if line.strip()]
        need = KEEP_SHARE * len(fact.words)
        if any(len(fact.words & line) >= need for line in self._lines):
            return KEPT
        return RETRIEVABLE if fact.text in self.restored() else LOST


@functools.lru_cache(maxsize=256)
def raw_tokens(text: str) -> frozenset[str]:
    """Every token of ``text`` as fact extraction splits it, unfiltered (facts are already facts)."""
    return frozenset(m.group(0).strip("./-") for m in _TOKEN.finditer(text))


def _restored(output: str, store: Store) -> str:
    """The originals behind every marker of ``output``, joined."""
    texts = []
    for key in dict.fromkeys(m.key for m in parse_markers(output)):
        try:
            texts.append(to_text(store.get(key)))
        except StoreError:
            continue
    return "\n".join(texts)
