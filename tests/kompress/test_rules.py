"""Force-keep rules: literal words, code spans and whole lines."""

from __future__ import annotations

import pytest

from headroom.kompress._rules import (
    bounds,
    code_span_words,
    force_keep,
    is_critical_word,
    is_literal,
    literal_words,
    whole_lines,
)


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
        ("(/beɪˈdʒɪŋ/;", False),  # a pronunciation, not a path
        ("[pèi.tɕíŋ]", False),
        ("/home/josé/notes.txt", True),  # one accented letter does not make a path prose
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


@pytest.mark.parametrize(
    ("line", "whole"),
    [
        ("12│            content = file.read()", True),  # aider's excerpts
        ("52█        print(json.dumps(results, indent=4))", True),
        ("   7 | from x import y", True),  # compilers' excerpts
        ("     3\tdef main():", True),  # cat -n
        ("testsr.py:8:1: F401 'os' imported but unused", True),  # linters and compilers
        ("src/app.py:12:    return value", True),  # grep -n
        ("Note: 3 items remain", False),
        ("2012 was the year the harbour reopened", False),
        ("1. first step of the list", False),
    ],
)
def test_numbered_source_listings_are_kept_whole(line: str, whole: bool) -> None:
    assert whole_lines([line]) == [whole]


def test_force_keep_flattens_per_word() -> None:
    raw = ["call parse_args now", "Error: disk full"]
    forced = force_keep(raw, [line.split() for line in raw])
    assert forced.words == [False, True, False, True, True, True]
    assert forced.lines == [False, True]


def test_a_long_critical_paragraph_keeps_the_words_around_the_critical_word_not_the_whole_line() -> None:
    filler = "the quiet harbour was busy with boats and gulls all through the long summer days " * 3
    line = filler + "until the main crane failed under load and the whole pier closed early " + filler
    assert len(line) > 400
    raw = ["Status", line]
    lines = [r.split() for r in raw]
    assert whole_lines(raw) == [False, False]
    forced = force_keep(raw, lines)
    kept = [w for w, k in zip(lines[1], forced.words[1:], strict=True) if k]
    assert kept == "summer days until the main crane failed under load and the whole pier".split()
    assert whole_lines(["the main crane failed under load"]) == [True]  # a short line is a log line


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("opened on May 31, 2012 and", [False, False, True, True, True, False]),
        ("in Sept. 2015 the", [False, True, True, False]),
        ("you may 3 times", [False, False, True, False]),  # lower-case "may" is a verb
        ("May the best win", [False, False, False, False]),  # no number beside it
    ],
)
def test_month_names_beside_a_number_are_part_of_the_date(words: str, expected: list[bool]) -> None:
    assert literal_words(words.split()) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("black - exit code: 123 error", [False, False, False, True, True, False]),
        ("listening on port=8080 now", [False, False, True, False]),
        ("the ratio: was 3", [False, False, False, True]),  # the label must touch the number
        ("see: 4.2 and note:", [True, True, False, False]),  # a label with nothing after it stays free
        ("build-id: 77", [True, True]),
    ],
)
def test_a_label_right_before_a_number_is_kept_with_it(words: str, expected: list[bool]) -> None:
    assert literal_words(words.split()) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("open until 2031 today", [False, True, True, False]),
        ("serves more than 40 boats", [False, True, True, True, False]),
        ("from (1990) onwards", [True, True, False]),
        ("lasts till September", [False, False, False]),  # no number: a budget unit, not forced
        ("the more 40", [False, False, True]),  # "more" alone bounds nothing
    ],
)
def test_a_bound_before_a_number_is_kept_with_it(words: str, expected: list[bool]) -> None:
    assert literal_words(words.split()) == expected


def test_bounds_span_a_bound_and_the_date_or_quantity_after_it() -> None:
    line = "rain till September, then at least ~5 storms by hand".split()
    assert bounds(line) == [(1, 3), (4, 7)]


@pytest.mark.parametrize(
    ("word", "critical"),
    [
        ("failed", True),
        ("ValueError:", True),
        ("NullPointerException", True),
        ("ERR_CONNECTION_REFUSED", True),
        ("non-fatal", True),
        ("-Werror=return-type", True),  # the line rule's substring test, word by word
        ("Hispanic", True),
        ("harbour", False),
    ],
)
def test_critical_words_follow_the_line_rule(word: str, critical: bool) -> None:
    assert is_critical_word(word) is critical
