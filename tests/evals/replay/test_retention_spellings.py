"""A fact quoted with JSON escapes is still kept when the context shows it unescaped."""

from __future__ import annotations

import pytest

from evals.replay._retention import unescaped_spellings

BACKSLASH = "\\"


@pytest.mark.parametrize(
    ("fact", "shown"),
    [
        ("next build" + BACKSLASH * 3, "next build"),
        ("Initial commit: the viewer" + BACKSLASH, "Initial commit: the viewer"),
        ('say \\"hi\\" to \\\\\\"them\\\\\\"', 'say "hi" to "them"'),
    ],
)
def test_escaped_facts_read_as_their_words(fact: str, shown: str) -> None:
    assert shown in unescaped_spellings(fact)


def test_plain_and_tiny_facts_are_only_themselves() -> None:
    assert unescaped_spellings("plain fact") == ("plain fact",)
    assert unescaped_spellings("ab" + BACKSLASH * 2) == ("ab" + BACKSLASH * 2,)
