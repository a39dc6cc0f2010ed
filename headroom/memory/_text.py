"""How a fact's text becomes an identity (for deduplication) and search terms (for ranking).

Both backends index the same terms, so a query ranks the same facts whichever backend holds them:
SQLite's FTS5 indexes the term string this module makes, and Redis keeps one posting set per term.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"[^\W_]+")
# Scripts written without spaces between words (Han, kana, Hangul): a run of them is read as its
# overlapping character pairs, as CJK search analysers do, so a question finds a fact that shares
# a two-character word with it.
_UNSPACED = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+)")
_SPACE = re.compile(r"\s+")
# Words that say nothing about which fact is meant; dropping them keeps postings small and lets
# the rare words of a question decide its ranking.
_STOPWORDS = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just let me more most my
    no nor not now of off on once only or other our ours out over own please same she should so some
    such than that the their theirs them then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours
    """.split()
)
FACT_ID_PREFIX = "m"


def normalise(content: str) -> str:
    """The form two saves of one fact share: NFKC, case-folded, whitespace collapsed, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", content).casefold()).strip()


def fact_id(content: str) -> str:
    """A fact's id: the hash of its normalised content (the same fact saved twice has one id)."""
    digest = hashlib.sha256(normalise(content).encode("utf-8", "surrogatepass")).hexdigest()
    return FACT_ID_PREFIX + digest[:16]


def terms(text: str) -> list[str]:
    """Search terms of ``text`` in order: lower-case letter/digit runs without accents, stop words
    and single letters; a light plural stem so that "tests" finds "test"; character pairs for
    scripts without spaces."""
    folded = unicodedata.normalize("NFKC", text.casefold())
    plain = "".join(ch if _UNSPACED.match(ch) else _without_accents(ch) for ch in folded)
    found: list[str] = []
    for word in _WORD.findall(plain):
        for piece in _UNSPACED.split(word):
            if not piece:
                continue
            if _UNSPACED.fullmatch(piece):
                found += [piece[i : i + 2] for i in range(max(1, len(piece) - 1))]
            elif len(piece) > 1 and piece not in _STOPWORDS:
                found.append(_stem(piece))
    return found


def term_counts(text: str) -> Counter[str]:
    """How often each search term occurs in ``text``."""
    return Counter(terms(text))


def _without_accents(ch: str) -> str:
    return "".join(part for part in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(part))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
