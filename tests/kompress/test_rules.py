"""Force-keep rules: literal words, code spans and whole lines."""

from __future__ import annotations

import pytest

from headroom.kompress._rules import code_span_words, force_keep, is_literal, whole_lines


@pytest.mark.parametrize(
    ("word", "literal"),
    [
        ("42", True),
        ("3.14,", True),
        ("v2", True),
        ("https://example.org/a", True),
        ("www.example.org", True),
        ("/etc/hosts", True),
        ("./run.sh", True),
        ("src/app.py", True),
        ("C:\\temp", True),
        ("snake_case_name", True),
        ("camelCase", True),
        ("HTTPServer", True),
        ("os.path.join", True),
        ("ada@example.org", True),
        ("@maintainer", True),
        ("(parse_args)", True),
        ("the", False),
        ("Meanwhile,", False),
        ("end.", False),
        ("COVID", False),
        ("", False),
    ],
)
def test_literal_words(word: str, literal: bool) -> None:
    assert is_literal(word) is literal


def test_code_spans_cover_every_word_inside() -> None:
    words = "run `pip install -e .` then rest".split()
    assert code_span_words(words) == [False, True, True, True, True, False, False]


def test_whole_lines_errors_headings_tables_and_fences() -> None:
    raw = [
        "# Title",
        "plain words here",
        "The job failed with a timeout",
        "| a | b |",
        "```",
        "some code line",
        "```",
        "after the fence",
    ]
    assert whole_lines(raw) == [True, False, True, True, True, True, True, False]


def test_force_keep_flattens_per_word() -> None:
    raw = ["call parse_args now", "Error: disk full"]
    forced = force_keep(raw, [line.split() for line in raw])
    assert forced.words == [False, True, False, True, True, True]
    assert forced.lines == [False, True]
