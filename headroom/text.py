"""Small text utilities shared by compressors: word tokenizing and BM25 scoring."""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
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
    """Okapi BM25 over a fixed list of documents.

    Only the query's terms are counted, and documents are tokenized only when some query term
    occurs in their text at all: the scores are the same as counting every word of every document.
    """

    def __init__(
        self,
        documents: Sequence[str],
        k1: float = 1.2,
        b: float = 0.75,
        tokenized: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """``tokenized``: ``words(doc)`` of each document, when the caller has them already."""
        self._documents = documents
        self._tokenized = tokenized
        self._k1 = k1
        self._b = b

    def scores(self, query: str | None) -> list[float]:
        """One score per document; all zero when the query has no content words."""
        terms = query_terms(query)
        count = len(self._documents) if self._tokenized is None else len(self._tokenized)
        if not terms or (self._tokenized is None and not _may_hold(self._documents, terms)):
            return [0.0] * count
        if self._tokenized is not None:
            lengths = [len(doc) for doc in self._tokenized]
            freqs = [[doc.count(term) for term in terms] for doc in self._tokenized]
        else:
            lengths, freqs = _lengths_and_freqs(self._documents, terms)
        average = (sum(lengths) / len(lengths)) if lengths else 0.0
        idf = []
        for column in range(len(terms)):
            found = sum(1 for row in freqs if row[column])
            idf.append(math.log(1 + (count - found + 0.5) / (found + 0.5)))
        result = []
        for row, length in zip(freqs, lengths, strict=True):
            score = 0.0
            norm = self._k1 * (1 - self._b + self._b * length / average) if average else self._k1
            for column, freq in enumerate(row):
                if freq:
                    score += idf[column] * freq * (self._k1 + 1) / (freq + norm)
            result.append(score)
        return result


def _lengths_and_freqs(documents: Sequence[str], terms: list[str]) -> tuple[list[int], list[list[int]]]:
    """``len(words(doc))`` and each term's count in ``words(doc)``, per document.

    The word list is built only for a document whose text holds some term (the substring test
    of :func:`_may_hold`); for the others the count of words is enough.
    """
    folded_terms = [term.replace("\u03c2", "\u03c3") for term in terms]
    zeros = [0] * len(terms)
    lengths: list[int] = []
    freqs: list[list[int]] = []
    for doc in documents:
        folded = fold(doc)
        tokens = _WORD.findall(folded)
        lower = folded.lower().replace("\u03c2", "\u03c3")
        if any(term in lower for term in folded_terms):
            found = list(itertools.chain.from_iterable(map(_token_words, tokens)))
            lengths.append(len(found))
            freqs.append([found.count(term) for term in terms])
        else:
            lengths.append(sum(map(len, map(_token_words, tokens))))
            freqs.append(zeros)
    return lengths, freqs


def _may_hold(documents: Sequence[str], terms: list[str]) -> bool:
    """Whether any term could be a word of any document (a substring test; never a false no)."""
    # Words are folded and lower-cased pieces of the text; only the final sigma lower-cases by context.
    text = fold("\n".join(documents)).lower().replace("\u03c2", "\u03c3")
    return any(term.replace("\u03c2", "\u03c3") in text for term in terms)
