"""Query acronyms matched to the words that spell them out."""

from __future__ import annotations

import pytest

from headroom.kompress._acronyms import acronym_runs
from headroom.kompress._compressor import answer_words
from headroom.kompress._relevance import ranked_sentences
from headroom.kompress._words import layout


@pytest.mark.parametrize(
    ("text", "terms", "runs"),
    [
        ("head of the United States Mint", ["us"], [(3, 5, "us")]),
        ("measured in hit points, shortened", ["hp"], [(2, 4, "hp")]),
        ("the job ran out of memory again", ["oom"], [(3, 6, "oom")]),  # a stopword inside is fine
        ("they told us about it", ["us"], []),  # "us" alone is no run; "told us" does not spell it
        ("then went to sleep", ["ts"], []),  # a stopword may not open a run
        ("snow is falling", ["si"], []),  # nor close one
        ("the United States", ["u", "unitedstates", "u2"], []),  # too short, too long, not letters
        ("", ["us"], []),
    ],
)
def test_acronym_runs(text: str, terms: list[str], runs: list[tuple[int, int, str]]) -> None:
    assert acronym_runs(text.split(), terms) == runs


def test_a_sentence_spelling_out_the_query_acronym_ranks_first() -> None:
    text = (
        "Health (gaming)\n"
        "When the HP of a player reaches zero, the player may lose a life. "
        "Health is usually measured in hit points or health points in most of the classic "
        "role-playing games of the eighties, shortened to HP. "
        "When the HP of an enemy reaches zero, it may be defeated."
    )
    words = layout(text)
    ranked = ranked_sentences(words.raw, words.lines, "what does hp mean", None)
    assert "hit" in words.flat[ranked[0][0] : ranked[0][1]]


def test_words_spelling_out_the_query_are_not_answer_words() -> None:
    words = layout("The post at the United States Mint is held by David Motl.")
    typed = answer_words(words, "who runs the us mint")
    assert typed is not None
    assert [w for w, t in zip(words.flat, typed, strict=True) if t] == ["David", "Motl."]
