"""The shared critical-content rule: units of a line, and whether an output holds them."""

from __future__ import annotations

from headroom.critical import KeptLines, critical_template, critical_units, line_words, needs_its_key


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
