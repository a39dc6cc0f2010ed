"""Chunk planning with overlap, and merging per-token scores back into per-word scores."""

from __future__ import annotations

import itertools

import pytest

from headroom.kompress._chunking import plan_chunks, reduce_word, score_words, split_by_lines


def _covers(chunks: list[tuple[int, int]], n: int) -> bool:
    return {w for a, b in chunks for w in range(a, b)} == set(range(n))


def test_everything_fits_in_one_chunk() -> None:
    assert plan_chunks([1, 2, 1], [False, False, True], limit=10, overlap=2) == [(0, 3)]


def test_chunks_cut_at_sentence_ends_and_overlap() -> None:
    counts = [1] * 12
    ends = [i % 4 == 3 for i in range(12)]  # sentences of four words
    chunks = plan_chunks(counts, ends, limit=6, overlap=4)
    assert _covers(chunks, 12)
    assert all(sum(counts[a:b]) <= 6 for a, b in chunks)
    assert chunks[0] == (0, 4)  # the second sentence does not fit: cut after the first
    assert all(b2 > b1 for (_, b1), (_, b2) in itertools.pairwise(chunks))


def test_long_sentence_is_cut_mid_sentence_with_overlap() -> None:
    counts = [2] * 20
    chunks = plan_chunks(counts, [False] * 19 + [True], limit=8, overlap=2)
    assert _covers(chunks, 20)
    assert all(a2 < b1 for (_, b1), (a2, _) in itertools.pairwise(chunks)), "windows overlap"


def test_a_word_longer_than_the_limit_still_gets_a_chunk() -> None:
    chunks = plan_chunks([3, 50, 3], [False, False, True], limit=8, overlap=2)
    assert _covers(chunks, 3)


@pytest.mark.parametrize(("how", "expected"), [("max", 0.8), ("mean", 0.5), ("first", 0.2)])
def test_reduce_word(how: str, expected: float) -> None:
    assert reduce_word([0.2, 0.8, 0.5], how) == pytest.approx(expected)  # type: ignore[arg-type]


def test_score_words_maps_tokens_back_and_averages_overlaps() -> None:
    word_ids = [[10 + w, 100 + w] for w in range(10)]  # two sub-tokens per word
    seen: list[list[int]] = []

    def keep_probs(sequences: list[list[int]]) -> list[list[float]]:
        seen.extend(sequences)
        # Score each token by its word (second sub-token higher), so the mapping is checkable.
        return [
            [(t % 100 - 10 if t < 100 else t - 100) / 10 + (0.05 if t >= 100 else 0) for t in s]
            for s in sequences
        ]

    scores = score_words(word_ids, [False] * 9 + [True], keep_probs, limit=8, how="max")
    assert len(seen) > 1 and all(len(s) <= 8 for s in seen)
    assert scores == pytest.approx([w / 10 + 0.05 for w in range(10)])


def test_words_without_tokens_score_zero() -> None:
    scores = score_words([[1], [], [2]], [False, False, True], lambda s: [[0.7] * len(x) for x in s], limit=8)
    assert scores == [0.7, 0.0, 0.7]


def test_split_by_lines() -> None:
    assert split_by_lines([1.0, 2.0, 3.0], [["a"], [], ["b", "c"]]) == [[1.0], [], [2.0, 3.0]]
