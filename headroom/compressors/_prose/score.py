"""Extractive relevance scores for prose units: BM25 against the query, else a content prior.

The prior rewards what readers of technical text reach for first: the lead sentence of each
paragraph and section, dense content (numbers, names, identifiers, words rare in this
document) and cue words that flag a claim, a rule or a result.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from headroom.compressors._prose.units import CODE_BLOCKS, Unit
from headroom.text import _STOPWORDS, BM25, query_terms, words

_CUES = re.compile(
    r"\b(?:important|note|must|never|always|should|required?|warning|caution|key|main|conclusions?|"
    r"in summary|summary|we (?:found|show|propose|present)|results? (?:show|suggest)|significant(?:ly)?|"
    r"recommend(?:ed)?|default|instead|because|therefore|however)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d+(?:[.,]\d+)*%?")
_IDENT = re.compile(r"`[^`\n]+`|\b\w+_\w+\b|\b[a-z]+[A-Z]\w*\b|(?<!\w)--?[a-z][\w-]+|\b\w+\.\w{1,4}\b")
# A capitalised name after a word or a comma: the look-behind sits after the first letter (the same
# matches as before it), so the scan skips to capitals instead of trying every position.
_NAME = re.compile(r"[A-Z](?<=[\w,;:)] .)[\w-]*[A-Za-z0-9]")
# Every _IDENT match holds one of these; a unit without any has none, and the costlier scan is skipped.
_IDENT_MAY = re.compile(r"[`_]|-[-a-z]|[a-z][A-Z]|\.\w")
# Every _CUES match in ASCII text holds one of these, lower-cased: most units hold none.
_CUE_STEMS = (
    "important",
    "note",
    "must",
    "never",
    "always",
    "should",
    "require",
    "warning",
    "caution",
    "key",
    "main",
    "conclusion",
    "summary",
    "found",
    "show",
    "propose",
    "present",
    "suggest",
    "significant",
    "recommend",
    "default",
    "instead",
    "because",
    "therefore",
    "however",
)
_NEIGHBOUR_WEIGHT = 0.25


@dataclass(frozen=True)
class Weights:
    """Scoring knobs taken from the policy."""

    query: float = 3.0
    """Weight of BM25 relevance (scaled to [0, 1]) against the prior (also scaled to [0, 1])."""
    short_code_tokens: float = 60.0
    """Code blocks at or below this size get a bonus: cheap and usually the point of the passage."""


def contents(text: str, units: Sequence[Unit]) -> list[str]:
    """Each unit's text without its trailing whitespace."""
    return [text[u.start : u.content_end] for u in units]


def prior_scores(
    texts: Sequence[str],
    units: Sequence[Unit],
    weights: Weights = Weights(),
    tokenized: Sequence[list[str]] | None = None,
) -> list[float]:
    """Query-free importance of every unit (position, density, rarity, cue words);
    ``tokenized``: ``words()`` of each text, when the caller has them already."""
    if tokenized is None:
        tokenized = [words(t) for t in texts]
    idf = _idf(tokenized)
    top = max(idf.values(), default=1.0) or 1.0
    # The vocabulary's content words, once: each unit's are then one set intersection.
    content_idf = {t: v for t, v in idf.items() if t not in _STOPWORDS and len(t) > 2}
    vocabulary = content_idf.keys()
    return [
        _position(unit)
        + _rarity(vocabulary & set(tokens), content_idf, top)
        + _density(text, tokens)
        + _cue(text)
        + _code(unit, weights)
        for text, tokens, unit in zip(texts, tokenized, units, strict=True)
    ]


def _idf(tokenized: Sequence[list[str]]) -> dict[str, float]:
    """Inverse document frequency of every term (one set per unit at a time: sets are large)."""
    df: Counter[str] = Counter(itertools.chain.from_iterable(map(set, tokenized)))
    n = len(tokenized)
    return {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}


def _position(unit: Unit) -> float:
    lead = 1.0 if unit.index_in_block == 0 else 0.35 if unit.index_in_block == 1 else 0.0
    return lead + (0.5 if unit.section_lead and unit.index_in_block == 0 else 0.0)


def _rarity(content: set[str], idf: dict[str, float], top: float) -> float:
    """Mean idf of the unit's distinct content words (no stopwords, over two letters), scaled by ``top``."""
    if not content:
        return 0.0
    # fsum: exact, so the set's iteration order (it varies with PYTHONHASHSEED) cannot tip a tie.
    return math.fsum(map(idf.__getitem__, content)) / (len(content) * top)


def _density(text: str, tokens: list[str]) -> float:
    if not tokens:
        return 0.0
    idents = len(_IDENT.findall(text)) if _IDENT_MAY.search(text) else 0
    hits = len(_DIGIT.findall(text)) + idents + len(_NAME.findall(text))
    return min(1.0, 2.0 * hits / len(tokens))


def _cue(text: str) -> float:
    if text.isascii():  # outside ASCII, case-insensitive matching folds more than lower() does
        lowered = text.lower()
        for stem in _CUE_STEMS:  # a plain loop: a generator per unit cost more than the tests
            if stem in lowered:
                break
        else:
            return 0.0
    return 0.5 if _CUES.search(text) else 0.0


def _code(unit: Unit, weights: Weights) -> float:
    return 1.5 if unit.kind == CODE_BLOCKS and unit.tokens <= weights.short_code_tokens else 0.0


def query_scores(
    texts: Sequence[str], units: Sequence[Unit], query: str | None, weights: Weights = Weights()
) -> list[float]:
    """BM25 relevance to ``query`` (spread a little to block neighbours) on top of the prior."""
    tokenized = [words(t) for t in texts]
    prior = prior_scores(texts, units, weights, tokenized)
    relevance = BM25(texts, tokenized=tokenized).scores(query) if query_terms(query) else [0.0] * len(texts)
    best = max(relevance, default=0.0)
    if best <= 0.0:
        return prior
    scaled = [r / best for r in relevance]
    top_prior = max(prior, default=1.0) or 1.0
    return [
        weights.query * (scaled[k] + _NEIGHBOUR_WEIGHT * _neighbours(scaled, units, k)) + prior[k] / top_prior
        for k in range(len(units))
    ]


def _neighbours(scaled: Sequence[float], units: Sequence[Unit], k: int) -> float:
    total = 0.0
    for j in (k - 1, k + 1):
        if 0 <= j < len(units) and units[j].block == units[k].block:
            total += scaled[j]
    return total
