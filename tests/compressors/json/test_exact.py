"""Lossless means lossless: number text and every key's value survive the JSON re-encoding."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.compressors._json.exact import ExactNumber, exact_float
from headroom.policy import policy_from_mapping

EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})
TRICKY = ["1e400", "-1E-7", "1.50", "0.1000000000000000055511151231257827", "2.0E+3", "-0.0", "1e-07", "3.25"]
NUMBER_TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.builds(
        lambda i, d, z: f"{i}.{d}{'0' * z}", st.integers(0, 999), st.integers(0, 99), st.integers(0, 3)
    ),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(1, 9), st.integers(-400, 400)),
)


def _rows(numbers: list[str]) -> str:
    rows = [f'{{"id": {i}, "name": "row {i}", "value": {text}}}' for i, text in enumerate(numbers)]
    return "[\n  " + ",\n  ".join(rows) + "\n]"


def test_numbers_float_cannot_reproduce_keep_their_text() -> None:
    assert type(exact_float("3.25")) is float
    for text in ["1e400", "-1E-7", "1.50", "0.1000000000000000055511151231257827", "2.0E+3"]:
        number = exact_float(text)
        assert isinstance(number, ExactNumber) and number.text == text
    assert exact_float("1.50") != exact_float("1.5")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(NUMBER_TEXT, min_size=6, max_size=12))
def test_reencoded_numbers_keep_their_text(numbers: list[str]) -> None:
    text = _rows(numbers)
    out = compress_text(text, EAGER, store=MemoryStore())
    if out.text == text:
        return
    assert "Infinity" not in out.text and "NaN" not in out.text
    if out.elisions:  # rows may be cut (with a marker); the ones shown keep their text
        shown = [n for i, n in enumerate(numbers) if re.search(rf"(^|\D){i}\|row {i}\|", out.text, re.M)]
    else:
        shown = numbers
    for number in shown:
        assert re.search(rf"(?<![\w.+-]){re.escape(number)}(?![\w.])", out.text), (number, out.text)


def test_a_document_that_repeats_a_key_is_not_reencoded() -> None:
    items = ",".join(f'{{"id": {i}, "state": "ok", "state": "failed"}}' for i in range(40))
    text = f'{{"query": "x", "query": "y", "items": [{items}]}}'
    out = compress_text(text, EAGER, store=MemoryStore())
    assert out.text == text
    assert "duplicate key" in (out.reason or "")


def test_json_lines_and_torn_arrays_keep_number_text() -> None:
    lines = "\n".join(json.dumps({"n": i, "tag": "x"}).replace("}", f', "v": 1.{i}0}}') for i in range(30))
    out = compress_text(lines, EAGER, store=MemoryStore())
    shown = re.findall(r"^(\d+)\|(\S+)$", out.text, re.M)
    assert out.text != lines and len(shown) >= 5
    assert all(value == f"1.{n}0" for n, value in shown)
    torn = "[" + ", ".join(f'{{"n": {i}, "v": 2.{i}00}}' for i in range(30)) + ', {"n": 30, "v'
    out = compress_text(torn, EAGER, store=MemoryStore())
    assert out.text != torn and "2.100" in out.text and 'v": 2.1,' not in out.text
