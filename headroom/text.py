"""Small text utilities shared by compressors: word tokenizing and BM25 scoring."""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

__all__ = ["BM25", "fold", "is_stopword", "query_terms", "words"]

# A word starts with a letter (any script) or ``_``; ``[^\W\d]`` is ``\w`` without digits.
_WORD = re.compile(r"[^\W\d]\w*|\d+(?:\.\d+)?")
# The combining diacritical-mark blocks: accents on Latin, Greek and Cyrillic letters.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STOPWORDS = frozenset(
    "a an and are as at be but by do does for from has have how i in is it its of on or "
    "that the their there this to was what when where which who why will with you your".split()
)


def fold(text: str) -> str:
    """``text`` without accents (``Sinéad`` → ``Sinead``), as search engines index it.

    People type names without their accents ("meaning of the name sinead"), so query and
    document only meet once both are folded. Marks are dropped from Latin, Greek and Cyrillic
    letters alike (``й`` reads as ``и``, as in most search engines); other scripts are untouched.
    """
    if text.isascii():
        return text
    bare = _DIACRITICS.sub("", unicodedata.normalize("NFKD", text))
    return unicodedata.normalize("NFC", bare)  # Hangul and other composed scripts back whole


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word and number tokens of any script; identifiers also split
    on ``_`` and camelCase."""
    return list(itertools.chain.from_iterable(map(_token_words, _WORD.findall(fold(text)))))


@functools.lru_cache(maxsize=131072)
def _token_words(token: str) -> tuple[str, ...]:
    lower = token.lower()
    if token.isdigit() or (token.isalpha() and (token.islower() or token.isupper())):
        return (lower,)
    parts = _PARTS.findall(token)
    if len(parts) > 1:
        return (lower, *(p.lower() for p in parts))
    return (lower,)


def is_stopword(word: str) -> bool:
    """A lower-case function word that carries no topic (``the``, ``of``, ``what``)."""
    return word in _STOPWORDS


def query_terms(query: str | None) -> list[str]:
    """Distinct content words of a query, stopwords removed."""
    if not query:
        return []
    seen: dict[str, None] = {}
    for word in words(query):
        if word not in _STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


class BM25:
    """Okapi BM25 over a fixed list of documents."""

    def __init__(
        self,
        documents: Sequence[str],
        k1: float = 1.2,
        b: float = 0.75,
        tokenized: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """``tokenized``: ``words(doc)`` of each document, when the caller has them already."""
        tokens = tokenized if tokenized is not None else [words(doc) for doc in documents]
        self._docs = [Counter(doc) for doc in tokens]
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._k1 = k1
        self._b = b

    def scores(self, query: str | None) -> list[float]:
        """One score per document; all zero when the query has no content words."""
        terms = query_terms(query)
        result = []
        for doc, length in zip(self._docs, self._lengths, strict=True):
            score = 0.0
            norm = self._k1 * (1 - self._b + self._b * length / self._avg) if self._avg else self._k1
            for term in terms:
                freq = doc.get(term, 0)
                if freq:
                    score += self._idf[term] * freq * (self._k1 + 1) / (freq + norm)
            result.append(score)
        return result
