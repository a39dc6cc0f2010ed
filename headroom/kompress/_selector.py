"""The query-conditioned segment selector: Kompress's path when the request asks a question.

The word classifier does not see the question, so with a query it keeps informative words
everywhere and the answer is often among the words it drops. Here the question decides: each
sentence of the text gets features that relate it to the question — BM25 against it (as a
z-score, a share of the best, a rank), the share of the question's terms it holds (exactly and by
a five-letter stem, alone and with its neighbours), its neighbours' BM25, whether it holds a word
of the expected answer type, digits, position and length — and a logistic regression trained on
``tune`` QA sets (labels: the sentence holds every content word of a gold answer) turns them into
a keep probability. The most probable sentences are kept, in their original order, until the
budget is spent (``training.selector`` fits the weights; the artefact is ``query_selector.json``
beside the model's ``kompress.json``).

Every feature is lexical and linear in the text (about 45-90 ms of CPU per 10K tokens on a
2-core EPYC, first seen; probabilities are memoised per text and question), and it needs neither
torch nor onnxruntime. With ``rules`` the force-keep rules of
:mod:`headroom.kompress._rules` are paid for first (whether they earn their place is measured by
``benchmarks/kompress_budgets.py``; the artefact records the choice).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from headroom.errors import ConfigError
from headroom.kompress._answer_type import expected_type, typed_words
from headroom.kompress._relevance import sentence_ranges
from headroom.kompress._words import Layout
from headroom.text import BM25, query_terms, words

_ASCII_DIGIT = re.compile("[0-9]")

SELECTOR_FILE = "query_selector.json"
FORMAT = "headroom-query-selector/1"
STEM = 5
"""Letters two words share to count as one term ("elected" / "election")."""

FEATURES = (
    "bm25_z",
    "bm25_share",
    "bm25_rank",
    "cover",
    "cover_stem",
    "cover_window",
    "prev_z",
    "next_z",
    "typed",
    "typed_cover",
    "digits",
    "position",
    "first",
    "log_tokens",
    "only_query",
)


def _zscores(values: Sequence[float]) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    return [0.0] * n if spread == 0.0 else [(v - mean) / spread for v in values]


def _has_digit(text: str) -> bool:
    """``any(c.isdigit() for c in text)``, without a Python step per character of ASCII text."""
    return _ASCII_DIGIT.search(text) is not None if text.isascii() else any(map(str.isdigit, text))


def _stems(terms: Sequence[str]) -> set[str]:
    return {t[:STEM] for t in terms}


def segment_features(segments: Sequence[str], query: str, typed: Sequence[bool]) -> list[list[float]]:
    """One feature vector (in :data:`FEATURES` order) per segment, relating it to ``query``.

    ``typed`` flags the segments holding a word of the question's expected answer type.
    """
    n = len(segments)
    asked = query_terms(query)
    asked_set, asked_stems = set(asked), _stems(asked)
    tokenized = [words(s) for s in segments]
    raw = BM25(list(segments), tokenized=tokenized).scores(query) if asked else [0.0] * n
    z = _zscores(raw) if n else []
    best = max(raw, default=0.0)
    order = sorted(range(n), key=lambda i: (-raw[i], i))
    rank = [0] * n
    for r, i in enumerate(order):
        rank[i] = r
    terms = [set(t) for t in tokenized]
    hits = [terms[i] & asked_set for i in range(n)]
    stem_hits = [_stems(list(terms[i])) & asked_stems for i in range(n)]
    size = max(len(asked_set), 1)
    out = []
    for i, segment in enumerate(segments):
        window = hits[i] | (hits[i - 1] if i > 0 else set()) | (hits[i + 1] if i + 1 < n else set())
        cover = len(hits[i]) / size
        content = {t for t in terms[i] if len(t) > 1}
        out.append(
            [
                z[i],
                raw[i] / best if best > 0 else 0.0,
                1.0 / (1.0 + rank[i]),
                cover,
                len(stem_hits[i]) / max(len(asked_stems), 1),
                len(window) / size,
                z[i - 1] if i > 0 else 0.0,
                z[i + 1] if i + 1 < n else 0.0,
                float(typed[i]),
                float(typed[i]) * cover,
                float(_has_digit(segment)),
                i / max(n - 1, 1),
                float(i == 0),
                math.log1p(len(segment.split())),
                float(bool(content) and content <= asked_set),
            ]
        )
    return out


@dataclass(frozen=True)
class QuerySelector:
    """A logistic regression over :data:`FEATURES` (standardised), and whether the rules go first."""

    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    rules: bool = True
    features: tuple[str, ...] = FEATURES

    def __post_init__(self) -> None:
        """Refuse a selector whose vectors do not match its feature list."""
        sizes = {len(self.coef), len(self.mean), len(self.scale), len(self.features)}
        if len(sizes) != 1:
            raise ConfigError(
                f"query selector: feature, coef, mean and scale lengths differ ({sorted(sizes)})"
            )
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ConfigError(f"query selector: unknown features {sorted(unknown)}")

    def probabilities(self, vectors: Sequence[Sequence[float]]) -> list[float]:
        """Keep probability of each segment from its :data:`FEATURES` vector."""
        index = [FEATURES.index(f) for f in self.features]
        out = []
        for v in vectors:
            logit = self.intercept + sum(
                c * (v[j] - m) / s for c, j, m, s in zip(self.coef, index, self.mean, self.scale, strict=True)
            )
            out.append(1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0))))
        return out

    def to_json(self) -> dict[str, object]:
        """The artefact's content (``from_json`` reads it back)."""
        return {
            "format": FORMAT,
            "features": list(self.features),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "rules": self.rules,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "query selector") -> QuerySelector:
        """Read an artefact's content; a clear error when it is not one."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ConfigError(f"{where}: not a {FORMAT} file")
        try:
            return cls(
                coef=tuple(float(x) for x in data["coef"]),
                intercept=float(data["intercept"]),
                mean=tuple(float(x) for x in data["mean"]),
                scale=tuple(float(x) or 1.0 for x in data["scale"]),
                rules=bool(data.get("rules", True)),
                features=tuple(str(f) for f in data["features"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: malformed: {exc}") from exc


def load_selector(model_dir: Path) -> QuerySelector | None:
    """The selector beside a model (``None`` when the directory has none)."""
    path = model_dir / SELECTOR_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable: {exc}") from exc
    return QuerySelector.from_json(data, str(path))


def segments_of(words_: Layout) -> tuple[list[tuple[int, int]], list[str]]:
    """The sentence ranges (flat word indices) of a layout and their texts."""
    ranges = sentence_ranges(words_.raw, words_.lines)
    flat = words_.flat
    return ranges, [" ".join(flat[a:b]) for a, b in ranges]


def typed_segments(words_: Layout, ranges: Sequence[tuple[int, int]], query: str) -> list[bool]:
    """Per segment: does it hold a word of the type the question asks for (a name, date, number)?"""
    kind = expected_type(query)
    if kind is None:
        return [False] * len(ranges)
    typed = typed_words(words_.lines, kind, query)
    return [any(typed[a:b]) for a, b in ranges]


def select_segments(
    ranges: Sequence[tuple[int, int]],
    probs: Sequence[float],
    costs: Sequence[int],
    kept: Sequence[bool],
    limit: float,
) -> list[bool]:
    """Keep words: ``kept`` (paid first), then whole segments by probability while they fit ``limit``.

    When not even the most probable segment fits, its words are kept from its start as far as the
    budget goes, so a question is never left without the passage that best answers it.
    """
    keep = list(kept)
    spent = sum(c for c, k in zip(costs, keep, strict=True) if k)
    order = sorted(range(len(ranges)), key=lambda i: (-probs[i], i))
    chosen = 0
    for i in order:
        a, b = ranges[i]
        cost = sum(costs[j] for j in range(a, b) if not keep[j])
        if spent + cost <= limit:
            keep[a:b] = [True] * (b - a)
            spent += cost
            chosen += 1
    if chosen == 0 and order:
        a, b = ranges[order[0]]
        for j in range(a, b):
            if not keep[j] and spent + costs[j] <= limit:
                keep[j] = True
                spent += costs[j]
    return keep


def word_probabilities(ranges: Sequence[tuple[int, int]], probs: Sequence[float], count: int) -> list[float]:
    """Each word gets its segment's probability (what the final trim drops first)."""
    out = [0.0] * count
    for (a, b), p in zip(ranges, probs, strict=True):
        out[a:b] = [p] * (b - a)
    return out
