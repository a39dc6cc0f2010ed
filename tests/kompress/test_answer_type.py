"""Expected answer types: which questions ask for a name, a date or a number, and which words fit."""

from __future__ import annotations

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import KompressCompressor
from headroom.kompress._answer_type import AnswerType, expected_type, typed_words
from headroom.kompress._compressor import answer_words
from headroom.kompress._relevance import ranked_sentences
from headroom.kompress._words import layout
from headroom.policy import Policy, ProsePolicy

from .test_compressor import _prose


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("who led the soldiers in ending the raid", AnswerType.NAME),
        ("Whose idea was the garden city?", AnswerType.NAME),
        ("where do they grow hops in the us", AnswerType.NAME),
        ("when did the resort open", AnswerType.DATE),
        ("In what year was the club founded?", AnswerType.DATE),
        ("how many episodes are there", AnswerType.NUMBER),
        ("How long is the quarantine period?", AnswerType.NUMBER),
        ("what does hp mean in the game", None),
        ("summarise the failing tests", None),
        ("", None),
        (None, None),
    ],
)
def test_expected_type(query: str | None, kind: AnswerType | None) -> None:
    assert expected_type(query) is kind


def _typed(text: str, kind: AnswerType, query: str) -> list[str]:
    lines = [line.split() for line in text.splitlines()]
    flat = [w for line in lines for w in line]
    return [w for w, t in zip(flat, typed_words(lines, kind, query), strict=True) if t]


def test_names_are_capitals_inside_a_sentence_that_the_question_does_not_hold() -> None:
    text = 'The raid was ended by Marines led by Israel Greene. "When it fell, Lee was there."'
    # "The" opens the text, "When" opens a quoted sentence, "Marines" is asked about already.
    assert _typed(text, AnswerType.NAME, "who led the marines") == ["Israel", "Greene.", "Lee"]


def test_dates_and_numbers() -> None:
    text = "It opened on May 31, 2012 with 2,864 rooms in the 1990s style"
    assert _typed(text, AnswerType.DATE, "when did it open") == ["May", "2012", "1990s"]
    assert _typed(text, AnswerType.NUMBER, "how many rooms") == ["31,", "2012", "2,864", "1990s"]


def test_title_lines_hold_no_answer_words() -> None:
    words = layout("United States Mint\nThe post is held by Acting Director David Motl today.\n")
    typed = answer_words(words, "who is the current director of the us mint")
    assert typed is not None
    assert [w for w, t in zip(words.flat, typed, strict=True) if t] == ["Acting", "David", "Motl"]
    assert answer_words(words, "summarise this") is None


def test_a_sentence_holding_the_asked_for_type_ranks_first() -> None:
    text = (
        "The harbour pier was rebuilt after the great storm. "
        "The harbour pier was later run by Jonas Berg. "
        "Apples grew in the orchard behind the sheds. "
        "Boats were painted every spring."
    )
    words = layout(text)
    query = "who ran the harbour pier"
    flat = words.flat
    untyped = ranked_sentences(words.raw, words.lines, query, None)
    typed = ranked_sentences(words.raw, words.lines, query, None, answer_words(words, query))
    assert "Jonas" not in flat[untyped[0][0] : untyped[0][1]]
    assert "Jonas" in flat[typed[0][0] : typed[0][1]]


def test_a_who_question_keeps_the_name_under_a_tight_budget() -> None:
    def flat_scores(lines: list[list[str]]) -> list[list[float]]:
        return [[0.5] * len(line) for line in lines]

    answer = "The lighthouse keeper for the last decade has been Maren Holt of the northern cape."
    text = _prose(3) + answer + " " + _prose(3)
    policy = Policy(prose=ProsePolicy(keep_rate=0.2, min_tokens=0))
    keep = KompressCompressor(scorer=flat_scores).decide(
        text, policy, CompressContext(store=MemoryStore(), query="who is the lighthouse keeper")
    )
    kept = {w for w, k in zip(text.split(), keep, strict=True) if k}
    assert {"Maren", "Holt"} <= kept
