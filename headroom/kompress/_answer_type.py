"""The kind of word a question asks for: the expected answer type of classic QA pipelines.

"Who led the raid" is answered by a name, "when did it open" by a date, "how many episodes" by
a number. Lexical and dense relevance both reward a sentence for repeating the question; the
answer type rewards it for holding what the question lacks. Only English wh-words are read; any
other query has no expected type and changes nothing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from headroom.kompress._rules import MONTH_NAMES
from headroom.text import query_terms


class AnswerType(enum.Enum):
    """What an answer is made of."""

    NAME = "name"
    DATE = "date"
    NUMBER = "number"


_NAME_QUESTION = re.compile(r"\b(?:who|whom|whose)\b|^\s*where\b|\bin which (?:city|country|state|town)\b")
_DATE_QUESTION = re.compile(
    r"^\s*(?:when|since when)\b|\b(?:what|which) (?:year|date|decade|century|month)\b"
)
_NUMBER_QUESTION = re.compile(r"\bhow (?:many|much|long|old|far|tall|high|big|large|often)\b")
_YEAR = re.compile(r"(?<!\d)(?:1\d{3}|20\d{2})s?(?!\d)")
_MONTH = re.compile(rf"^(?:{'|'.join(MONTH_NAMES)})$")
_DIGIT = re.compile(r"\d")
_OPENERS = "\"'([{«“‘"
_SENTENCE_END = re.compile(r"[.!?:;][\"')\]»”’]*$")
_FUNCTION_WORDS = frozenset(
    "a an and as at but by for from he her his how i if in it its my no not of on or our she so "
    "that the their them then there these they this those to we what when where which who why "
    "with you your".split()
)


def expected_type(query: str | None) -> AnswerType | None:
    """The answer type ``query`` asks for, or ``None`` (not a recognised wh-question)."""
    if not query:
        return None
    text = query.lower()
    if _NUMBER_QUESTION.search(text):
        return AnswerType.NUMBER
    if _DATE_QUESTION.search(text):
        return AnswerType.DATE
    if _NAME_QUESTION.search(text):
        return AnswerType.NAME
    return None


def typed_words(lines: Sequence[Sequence[str]], kind: AnswerType, query: str) -> list[bool]:
    """Per flattened word: could it be (part of) an answer of ``kind`` that ``query`` does not already hold?

    A name is a capitalised word that does not open its line or sentence and is no query word
    and no function word; a date is a year or a month name; a number is any word with a digit.
    """
    asked = set(query_terms(query))
    flags: list[bool] = []
    for line in lines:
        previous = ""
        for word in line:
            flags.append(_is_typed(word, previous, kind, asked))
            previous = word
    return flags


def _is_typed(word: str, previous: str, kind: AnswerType, asked: set[str]) -> bool:
    core = word.strip(_OPENERS + "\"')]}»”’.,;:!?")
    if not core:
        return False
    if kind is AnswerType.NUMBER:
        return _DIGIT.search(core) is not None
    if kind is AnswerType.DATE:
        return _YEAR.search(core) is not None or _MONTH.match(core) is not None
    opens_sentence = not previous or _SENTENCE_END.search(previous) is not None
    lower = core.lower()
    return (
        core[0].isupper()
        and not opens_sentence
        and lower not in _FUNCTION_WORDS
        and not set(query_terms(core)) & asked
    )
