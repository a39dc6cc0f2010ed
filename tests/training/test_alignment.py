"""Pairs aligned back to the original, and the filters for bad alignments."""

from __future__ import annotations

from training.data import AlignStats, Pair, align, pair_row, pair_rows


def test_exact_subsequence_aligns_every_word() -> None:
    labels, score = align("the quick brown fox jumps".split(), "quick fox jumps".split())
    assert labels == [0, 1, 0, 1, 1]
    assert score == 1.0


def test_alignment_ignores_case_and_punctuation() -> None:
    labels, score = align("Hello, World! It is 2024.".split(), "hello world 2024".split())
    assert labels == [1, 1, 0, 0, 1]
    assert score == 1.0


def test_repeated_words_align_in_order() -> None:
    labels, _ = align("a b a b a".split(), "b a".split())
    assert labels == [0, 1, 1, 0, 0]


def test_word_beyond_the_window_does_not_align() -> None:
    original = ["x"] * 100 + ["needle"]
    labels, score = align(original, ["needle"], window=10)
    assert sum(labels) == 0
    assert score == 0.0


def test_paraphrase_is_dropped_as_misaligned() -> None:
    stats = AlignStats()
    row = pair_row(Pair("the cat sat on the mat today", "a feline rested"), 0.8, stats)
    assert row is None
    assert stats.dropped == {"misaligned": 1}


def test_empty_and_not_shorter_pairs_are_dropped() -> None:
    stats = AlignStats()
    pairs = [Pair("", "x"), Pair("a b", "a b"), Pair("a b c", "a c")]
    rows = list(pair_rows(pairs, 0.8, stats))
    assert len(rows) == 1
    assert stats.kept == 1
    assert stats.dropped == {"empty": 1, "not_shorter": 1}


def test_must_keep_strings_mark_and_keep_words() -> None:
    row = pair_row(Pair("error code 42 in module alpha", "error alpha", must_keep=("42",)), 0.8, AlignStats())
    assert row is not None
    assert row.must_keep == [False, False, True, False, False, False]
    assert row.labels == [1, 0, 1, 0, 0, 1]
