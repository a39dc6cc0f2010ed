"""Chunk a word sequence into model-sized windows with overlap, and score words through them.

Windows end at sentence or line ends when one fits, and consecutive windows overlap by a few
sentences' worth of tokens, so no word is lost to truncation and words near a cut still see
context on both sides. A word scored in several windows gets the mean of its scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

WordReduce = Literal["max", "mean", "first"]

#: ``keep_probs(token id sequences)`` → per-token keep probabilities (special tokens excluded).
TokenScorer = Callable[[list[list[int]]], list[list[float]]]


def plan_chunks(
    counts: Sequence[int], ends: Sequence[bool], limit: int, overlap: int
) -> list[tuple[int, int]]:
    """Half-open word ranges covering every word, each within ``limit`` sub-tokens.

    ``counts`` are sub-tokens per word (a word longer than ``limit`` is truncated to it), ``ends``
    marks words after which a cut is natural; the next range starts up to ``overlap`` tokens back.
    """
    chunks: list[tuple[int, int]] = []
    start, end, n = 0, 0, len(counts)
    while end < n:
        end = _chunk_end(counts, ends, start, limit, floor=end)
        chunks.append((start, end))
        start = _next_start(counts, ends, start, end, min(overlap, limit // 2))
    return chunks


def _chunk_end(counts: Sequence[int], ends: Sequence[bool], start: int, limit: int, floor: int) -> int:
    used, end, last_cut = 0, start, 0
    while end < len(counts) and used + min(counts[end], limit) <= limit:
        used += min(counts[end], limit)
        end += 1
        if ends[end - 1]:
            last_cut = end
    # Cut at the last sentence/line end that fits and still makes progress past the previous
    # window (``floor``); mid-sentence only when no such end exists.
    return last_cut if end < len(counts) and last_cut > floor else end


def _next_start(counts: Sequence[int], ends: Sequence[bool], start: int, end: int, overlap: int) -> int:
    back, j = 0, end
    while j - 1 > start and back + counts[j - 1] <= overlap:
        back += counts[j - 1]
        j -= 1
    # Prefer starting the overlap at a sentence start inside the overlap window.
    for k in range(j, end):
        if k > start and ends[k - 1]:
            return k
    return j


def reduce_word(scores: Sequence[float], how: WordReduce) -> float:
    """One word's keep probability from its sub-token probabilities."""
    if how == "first":
        return scores[0]
    return max(scores) if how == "max" else sum(scores) / len(scores)


def score_words(
    word_ids: Sequence[Sequence[int]],
    ends: Sequence[bool],
    keep_probs: TokenScorer,
    limit: int,
    how: WordReduce = "max",
) -> list[float]:
    """Keep probability per word: chunk, run ``keep_probs`` on all windows at once, merge overlaps."""
    counts = [len(ids) for ids in word_ids]
    chunks = plan_chunks(counts, ends, limit, overlap=max(limit // 8, 1))
    sequences = [[t for w in range(a, b) for t in word_ids[w][:limit]] for a, b in chunks]
    probs = keep_probs(sequences)
    total = [0.0] * len(word_ids)
    seen = [0] * len(word_ids)
    for (a, b), token_probs in zip(chunks, probs, strict=True):
        pos = 0
        for w in range(a, b):
            width = min(counts[w], limit)
            if width:
                total[w] += reduce_word(token_probs[pos : pos + width], how)
                seen[w] += 1
            pos += width
    # A word with no sub-tokens at all (control characters) carries no signal: lowest score.
    return [t / s if s else 0.0 for t, s in zip(total, seen, strict=True)]


def split_by_lines(flat: Sequence[float], lines: Sequence[Sequence[str]]) -> list[list[float]]:
    """Cut a flat per-word list back into per-line lists."""
    out: list[list[float]] = []
    offset = 0
    for line in lines:
        out.append(list(flat[offset : offset + len(line)]))
        offset += len(line)
    return out
