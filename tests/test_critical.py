"""The shared critical-content rule: units of a line, and whether an output holds them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.critical import (
    CRITICAL_STEMS,
    LONG_LINE_CHARS,
    SNIPPET_WORDS,
    KeptLines,
    critical_template,
    critical_units,
    line_words,
    needs_its_key,
)


def test_a_log_sized_line_is_its_own_unit() -> None:
    assert critical_units("ERROR disk full on /dev/sda1") == ["ERROR disk full on /dev/sda1"]
    assert critical_units("all good here") == []


def test_a_long_line_has_one_unit_per_error_word_with_six_words_either_side() -> None:
    pad = " ".join(f"w{i}" for i in range(80))
    line = f"{pad} the upload failed: connection refused by host {pad}"
    units = critical_units(line)
    assert units == [
        "w76 w77 w78 w79 the upload failed: connection refused by host w0 w1",
        "w78 w79 the upload failed: connection refused by host w0 w1 w2 w3",
    ]


def test_an_error_field_that_reports_no_error_makes_no_unit() -> None:
    line = '{"is_error": false, "text": "' + "fine " * 100 + '"}'
    assert critical_units(line) == []


def test_a_unit_is_held_only_by_one_line_with_three_quarters_of_its_words() -> None:
    kept = KeptLines(["worker 3 crashed", "ERROR disk full on /dev/sda1 at 10:02"])
    assert kept.holds(line_words("ERROR disk full on /dev/sda1 at 11:00"))
    assert not KeptLines(["ERROR disk full", "on /dev/sda1 at 10:02"]).holds(
        line_words("ERROR disk full on /dev/sda1")
    )


def test_only_a_short_error_value_needs_its_key() -> None:
    assert needs_its_key("error") and needs_its_key("should fail") and needs_its_key('["error-handling"]')
    assert not needs_its_key("warning") and not needs_its_key("the upload failed twice")


def test_colour_codes_are_no_words_of_a_unit() -> None:
    # A compressor that de-colours a line keeps it: "\x1b[31mError" is the word "error".
    coloured = "\x1b[31m|\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1moperation error DynamoDB\x1b[0m"
    plain = "| Error: operation error DynamoDB"
    assert line_words(coloured) == line_words(plain)
    assert critical_template(coloured) == critical_template(plain)
    pad = " ".join(f"w{i}" for i in range(80))
    units = critical_units(f"{pad} {coloured} {pad}")
    kept = KeptLines([f"{pad} {plain} {pad}"])
    assert len(units) == 2 and all("\x1b" not in unit and kept.holds(line_words(unit)) for unit in units)


def _units_by_full_window(line: str) -> list[str]:
    """The unit rule read the slow way: every word of each error word's window listed first."""
    spans: dict[tuple[int, int], None] = {}
    for hit in re.finditer("|".join(CRITICAL_STEMS), line.lower()):
        low, high = max(0, hit.start() - 200), hit.end() + 200
        found = [
            w
            for w in re.compile(r"\w+").finditer(line, low, high)
            if not (
                (w.start() == low > 0 or w.end() == high < len(line)) and hit.start() not in range(*w.span())
            )
        ]
        at = next(i for i, w in enumerate(found) if w.end() > hit.start())
        end = found[min(len(found) - 1, at + SNIPPET_WORDS)].end()
        spans[found[max(0, at - SNIPPET_WORDS)].start(), end] = None
    return [line[a:b] for a, b in spans]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(["error", "failed", "ok", "a", "disk_full", "x" * 30, "12", ",", " ", "Panic"]),
        min_size=60,
        max_size=200,
    )
)
def test_units_stop_scanning_at_their_last_word_and_match_the_full_window(parts: list[str]) -> None:
    line = " ".join(parts)
    if len(line) <= LONG_LINE_CHARS:
        line = line + " " + "y" * (LONG_LINE_CHARS + 1 - len(line))
    assert critical_units(line) == _units_by_full_window(line)
