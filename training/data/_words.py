"""Words, stopwords and the budgeted keep labels every weak-label source shares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_TERM = re.compile(r"[A-Za-z0-9_]+")
_IDENT = re.compile(r"[_/\\.:@#=]|[a-z][A-Z]|\d")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also may might must shall upon via per within without among however thus
    therefore although though whether either neither yet well one two""".split()
)

KEEP_SCORE = 10.0
PREFER_SCORE = 3.0


@dataclass(frozen=True)
class Row:
    """One labelled text: whitespace words, keep labels (1 keep, 0 drop), must-keep mask, source."""

    words: list[str]
    labels: list[int]
    must_keep: list[bool]
    source: str

    def as_dict(self) -> dict[str, object]:
        """The row as a ``datasets`` record."""
        return {
            "words": self.words,
            "labels": self.labels,
            "must_keep": self.must_keep,
            "source": self.source,
        }


def word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the whitespace-separated words of ``text``."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def normalise(word: str) -> str:
    """Lower-cased word without leading and trailing punctuation."""
    return _EDGE.sub("", word).lower()


def terms(text: str) -> set[str]:
    """Lower-cased alphanumeric terms of ``text`` that are not stopwords."""
    return {t.lower() for t in _TERM.findall(text) if t.lower() not in STOPWORDS}


def is_content(word: str) -> bool:
    """A word that carries information: not a stopword, not punctuation only."""
    core = normalise(word)
    return bool(core) and core not in STOPWORDS


def covered(spans: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the word spans overlapping the character range ``[start, end)``."""
    return [i for i, (s, e) in enumerate(spans) if s < end and e > start]


def informativeness(word: str) -> float:
    """A prior for how much a word is worth keeping: identifiers and numbers above plain words."""
    core = normalise(word)
    if not core or core in STOPWORDS:
        return 0.0
    if _IDENT.search(word):
        return 2.2
    if core[0].isalpha() and word.lstrip("\"'([{")[:1].isupper():
        return 2.0
    return 1.0 + min(len(core), 12) / 12.0


def budget_labels(
    words: Sequence[str], must_keep: Sequence[bool], budget: float, prefer: Sequence[bool] | None = None
) -> list[int]:
    """Keep every must-keep word, then the most informative words until ``budget`` of all words.

    Words with no information (stopwords, punctuation) are never kept to fill the budget, so a
    row may keep less than the budget but never more, unless its must-keep words alone exceed it.
    """
    scores = []
    for i, word in enumerate(words):
        base = informativeness(word)
        if must_keep[i]:
            base = KEEP_SCORE
        elif prefer is not None and prefer[i] and base > 0:
            base = PREFER_SCORE
        scores.append(base)
    quota = max(sum(must_keep), int(budget * len(words)))
    order = sorted(range(len(words)), key=lambda i: (-scores[i], i))
    chosen = {i for i in order[:quota] if scores[i] > 0}
    return [1 if i in chosen else 0 for i in range(len(words))]
