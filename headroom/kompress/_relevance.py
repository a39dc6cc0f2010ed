"""Query relevance of sentences: the coarse step of Kompress's coarse-to-fine compression.

With a query, the word classifier alone cannot know which facts will be asked about: it keeps
informative words everywhere. So, as in LongLLMLingua, the sentences most relevant to the query
are ranked first and the sentences filling ``query_share`` of the token budget are protected
(their words outrank every other word); the classifier then prunes the rest with what is left.

Relevance fuses BM25 (lexical) with dense similarity from a sentence encoder — by default the
base the model was built on (all-MiniLM-L6-v2 is a sentence-transformers model, trained on
question/answer pairs) — by a weighted z-score sum (the policy's ``dense_weight``). Without an
encoder, BM25 alone decides. Each sentence
is scored as read under its title or heading (a pronoun's referent is often only there), with
the query acronyms it spells out added to it, plus a bonus when it holds a word of the question's
expected answer type; title lines are never protected themselves, and a sentence opening with a
pronoun is protected together with the sentence before it, which names what the pronoun means.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Sequence

from headroom.compressors._prose.units import split_sentences
from headroom.kompress._acronyms import acronym_runs
from headroom.text import BM25, query_terms

_WORD = re.compile(r"\S+")

#: Texts → unit-length embedding vectors (same order). The sentence encoder, or an injected fake.
Embedder = Callable[[list[str]], list[list[float]]]

NEIGHBOUR_WEIGHT = 0.25
DENSE_WEIGHT = 2.0
"""Weight of the encoder's z-score against BM25's: one sentence holds too few words for BM25 alone."""
TYPE_WEIGHT = 1.5
"""Added to the relevance (a sum of z-scores) of a sentence holding a word of the expected answer type."""
TITLE_WORDS = 8
_TITLE_END = re.compile(r"[.!?…;,][\"')\]»”’*_`]*$")
_KEY_VALUE = re.compile(r"[:=]")
ANAPHORS = frozenset("it its he his him she her they their them this these those".split())
"""Sentence openers that point back to the sentence before for their referent."""
_OPENERS = "\"'([{«“‘*_"
PROTECTED = 10.0
"""Added to a protected sentence's words: above any probability plus query boost, so they go first."""


def sentence_ranges(raw_lines: Sequence[str], lines: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """Half-open flat word ranges of the sentences: split within each line, abbreviations respected."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    for raw, line in zip(raw_lines, lines, strict=True):
        starts = [m.start() for m in _WORD.finditer(raw)]
        if len(starts) != len(line):  # exotic whitespace the two splitters read differently
            starts = []
        first = 0
        for _, end in split_sentences(raw) if starts else []:
            last = first
            while last < len(line) and starts[last] < end:
                last += 1
            if last > first:
                ranges.append((offset + first, offset + last))
            first = last
        if first < len(line):
            ranges.append((offset + first, offset + len(line)))
        offset += len(line)
    return ranges


def _zscores(values: Sequence[float]) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    return [0.0] * n if spread == 0.0 else [(v - mean) / spread for v in values]


def relevance(
    sentences: Sequence[str], query: str, embed: Embedder | None, dense_weight: float = DENSE_WEIGHT
) -> list[float]:
    """Relevance of each sentence to ``query``: z(BM25) + w·z(cosine) with an encoder, z(BM25) without."""
    lexical = _zscores(BM25(sentences).scores(query))
    if embed is None:
        return lexical
    vectors = embed([query, *sentences])
    question, rest = vectors[0], vectors[1:]
    dense = _zscores([sum(a * b for a, b in zip(question, v, strict=True)) for v in rest])
    return [a + dense_weight * b for a, b in zip(lexical, dense, strict=True)]


def spread(scores: Sequence[float], weight: float = NEIGHBOUR_WEIGHT) -> list[float]:
    """Add ``weight`` × the neighbours' relevance: answers often run into the next sentence."""
    n = len(scores)
    return [
        s + weight * ((scores[i - 1] if i > 0 else 0.0) + (scores[i + 1] if i + 1 < n else 0.0))
        for i, s in enumerate(scores)
    ]


def ranked_sentences(
    raw_lines: Sequence[str],
    lines: Sequence[Sequence[str]],
    query: str | None,
    embed: Embedder | None,
    typed: Sequence[bool] | None = None,
    dense_weight: float = DENSE_WEIGHT,
) -> list[tuple[int, int]]:
    """Word ranges of the sentences worth protecting for ``query``, most relevant first.

    ``typed`` flags the words that could answer the query's question type (see
    :mod:`headroom.kompress._answer_type`); a sentence holding one gains :data:`TYPE_WEIGHT`.
    Left out: sentences scoring below average, those that only repeat the query's own words, and
    title lines. A title names the topic, so it scores high, but it answers nothing; its score
    still spreads to the sentences beside it. A sentence opening with a pronoun comes with the
    sentence before it (:func:`with_antecedent`), so ranges may overlap.
    """
    asked = set(query_terms(query))
    ranges = sentence_ranges(raw_lines, lines)
    if not asked or len(ranges) < 2:
        return []
    flat = [w for line in lines for w in line]
    texts = [" ".join(flat[a:b]) for a, b in ranges]
    whole = whole_line_ranges(lines)
    titles = [r in whole and is_title(t) for r, t in zip(ranges, texts, strict=True)]
    spelled = spelled_out(flat, ranges, asked)
    contexts = [f"{t} {' '.join(extra)}" if extra else t for t, extra in zip(texts, spelled, strict=True)]
    scores = relevance(under_titles(contexts, titles), query or "", embed, dense_weight)
    if typed is not None:
        scores = [s + TYPE_WEIGHT * any(typed[a:b]) for s, (a, b) in zip(scores, ranges, strict=True)]
    scores = spread(scores)
    order = sorted(range(len(ranges)), key=lambda i: (-scores[i], i))
    return [
        with_antecedent(ranges, i, flat, titles)
        for i in order
        if scores[i] > 0.0 and not set(query_terms(texts[i])) <= asked and not titles[i]
    ]


def with_antecedent(
    ranges: Sequence[tuple[int, int]], index: int, flat: Sequence[str], titles: Sequence[bool]
) -> tuple[int, int]:
    """Sentence ``index``'s range, reaching back over the sentence before when it opens with a pronoun.

    "It was Federer's 20th Grand Slam singles title" matches a question about the title best, but
    only "Roger Federer was the defending champion …" before it says who "it" was: kept alone,
    the sentence answers nothing. A title is no antecedent (it is never protected).
    """
    start, end = ranges[index]
    opener = flat[start].strip(_OPENERS).lower()
    if index == 0 or opener not in ANAPHORS or titles[index - 1]:
        return start, end
    return ranges[index - 1][0], end


def spelled_out(flat: Sequence[str], ranges: Sequence[tuple[int, int]], terms: set[str]) -> list[list[str]]:
    """Per sentence range: the query acronyms it spells out ("United States" gives ``us``)."""
    out: list[list[str]] = [[] for _ in ranges]
    starts = [a for a, _ in ranges]
    for start, _, term in acronym_runs(flat, terms):
        i = bisect.bisect_right(starts, start) - 1
        if term not in out[i]:
            out[i].append(term)
    return out


def under_titles(texts: Sequence[str], titles: Sequence[bool]) -> list[str]:
    """Each sentence prefixed with the title or heading it sits under, as retrievers index passages.

    "It houses the temporal lobes" says nothing of the cranial fossa until its title is read
    with it.
    """
    out: list[str] = []
    current = ""
    for text, title in zip(texts, titles, strict=True):
        if title:
            current = text.lstrip("#").strip()
            out.append(text)
        else:
            out.append(f"{current}: {text}" if current else text)
    return out


def whole_line_ranges(lines: Sequence[Sequence[str]]) -> set[tuple[int, int]]:
    """The flat word range of every non-empty line."""
    out: set[tuple[int, int]] = set()
    offset = 0
    for line in lines:
        if line:
            out.add((offset, offset + len(line)))
        offset += len(line)
    return out


def is_title(text: str) -> bool:
    """A short line that is no sentence and no ``key: value`` pair: ``The Outsiders (novel)``, ``Hops``."""
    return (
        len(text.split()) <= TITLE_WORDS and _TITLE_END.search(text) is None and not _KEY_VALUE.search(text)
    )


def sentence_boost(
    ranked: Sequence[tuple[int, int]], words: int, costs: Sequence[int], allowance: float
) -> list[float]:
    """Per word: :data:`PROTECTED` for the ``ranked`` sentences taken until ``allowance`` tokens.

    The last sentence taken may overshoot the allowance: the budget then keeps its most probable
    words.
    """
    boost = [0.0] * words
    used = 0.0
    for a, b in ranked:
        if used >= allowance:
            break
        # Ranges can overlap (a sentence read with its antecedent): words are paid for once.
        used += sum(c for c, protected in zip(costs[a:b], boost[a:b], strict=True) if not protected)
        boost[a:b] = [PROTECTED] * (b - a)
    return boost
