"""The router's windowed JSON decode answers what decoding the whole rest of the text answers."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom import router

_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.sampled_from('ab\\"\n\u00e9\u20ac'), max_size=8),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text("ab", max_size=3), inner, max_size=4),
    max_leaves=40,
)


def _reference(text: str, begin: int) -> tuple[str, int]:
    try:
        return "ok", json.JSONDecoder().raw_decode(text, begin)[1] - begin
    except json.JSONDecodeError as exc:
        return "error", exc.pos - begin


def _windowed(text: str, begin: int) -> tuple[str, int]:
    try:
        return "ok", router._decoded_length(text, begin)
    except json.JSONDecodeError as exc:
        return "error", exc.pos


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=400), st.integers(min_value=0), st.text("x]}, \n", max_size=20))
def test_window_answers_what_the_whole_text_answers(values: list[object], cut: int, tail: str) -> None:
    body = json.dumps(values)  # often longer than the window; cut anywhere, so also mid-token
    text = "prose before\n" + body[: cut % (len(body) + 1)] + tail + "\nmore prose " * 500
    begin = len("prose before\n")
    assert _windowed(text, begin) == _reference(text, begin)


def test_a_value_longer_than_the_window_is_decoded_whole() -> None:
    body = json.dumps([{"id": i, "name": "x" * 20} for i in range(400)])
    assert len(body) > router._JSON_WINDOW
    text = "intro\n" + body + "\nend\n"
    assert router._decoded_length(text, len("intro\n")) == len(body)
    cut = text[: len("intro\n") + router._JSON_WINDOW + 3] + "\nend\n" * 2000  # the string is cut
    assert _windowed(cut, len("intro\n")) == _reference(cut, len("intro\n"))


def test_tokens_cut_by_the_window_end_are_decoded_from_the_rest() -> None:
    """Strings, escapes, numbers and literals straddling the window's end, closed later or never."""
    tokens = ['"a string"', '"\\u00e9\\n"', "12345.678e-9", "-Infinity", "true", "null", '{"k": [1, 2]}']
    tokens.append('"' + "a long string that starts well before the window ends " * 2 + '"')
    for token in tokens:
        for shift in range(-20, 21):
            start = router._JSON_WINDOW + shift - len(token) // 2  # where the token begins
            filler = "[" + "1, " * ((start - 1) // 3)
            filler += " " * (start - len(filler))
            for ending in ("]", ", 2]", "", ' "open'):
                text = filler + token + ending + "\nprose after\n" * 400
                assert _windowed(text, 0) == _reference(text, 0), (token, shift, ending)
