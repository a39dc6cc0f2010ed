"""Shapes that made a scanner rescan the rest of the text: each must grow linearly with its size.

Each case builds its input at n and 4n characters and asserts the larger run stays under a
generous absolute bound and under 8x the smaller one (linear is 4x, quadratic 16x). The time
budget is off here, so a slow compressor cannot hide behind a fail-open pass-through.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.compressors._html import _title
from headroom.compressors._prose.units import build_units
from headroom.policy import policy_from_mapping

UNTIMED = policy_from_mapping(
    {
        "live_zone": {"min_block_tokens": 0, "block_budget_ms": 0, "block_budget_ms_per_10k_tokens": 0},
        "prose": {"engine": "extractive"},
    }
)
SENTENCE = "The worker read the queue and wrote one more record to the index. "
SMALL = 75_000
BOUND_SECONDS = 2.0


def prose_with(line: str, size: int) -> str:
    """Paragraphs of prose with ``line`` between them, about ``size`` characters."""
    unit = SENTENCE * 3 + "\n" + line + "\n"
    return unit * (size // len(unit) + 1)


def _seconds(run: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        run(text)
        best = min(best, time.perf_counter() - start)
    return best


def assert_linear(build: Callable[[int], str], run: Callable[[str], object]) -> None:
    run(build(2000))  # lazy set-up is not the thing measured
    small, large = _seconds(run, build(SMALL)), _seconds(run, build(4 * SMALL))
    assert large < BOUND_SECONDS, f"{large:.2f} s for {4 * SMALL} characters"
    assert large < 0.05 or large < 8 * small, f"{small:.3f} s -> {large:.3f} s for 4x the input"


def pipeline(text: str) -> object:
    return compress_text(text, UNTIMED, store=MemoryStore())


CASES: dict[str, tuple[Callable[[int], str], Callable[[str], object]]] = {
    # The router looked for each opener's closer in every later line.
    "unclosed fence openers (router)": (lambda n: prose_with("```python", n), pipeline),
    # The prose parser did the same for a long opener that shorter runs never close.
    "unclosed long fence (prose units)": (lambda n: "````\n" + prose_with("```", n), build_units),
    # Each unclosed <title> ran a lazy match to the end of the scanned window.
    "unclosed titles (html)": (lambda n: "<html><head>" + "<title>t <b>x</b>\n" * (n // 18), _title),
    # Each line opening a JSON array that never closes was decoded to the end of the text, joined anew.
    "unclosed json arrays in prose (router)": (lambda n: prose_with("[1, 2, 3,", n), pipeline),
    "json-looking lines in prose (router)": (lambda n: prose_with("[note] read it", n), pipeline),
    # A tag pattern ran to the next ">" from every "<a"; the URL pattern rescanned long words.
    "unclosed tags (html)": (lambda n: "<html><body><p>page</p>" + "<a " * (n // 3), pipeline),
    "a long word in a json value (json)": (
        lambda n: json.dumps([{"id": i, "v": "x" * (n // 40)} for i in range(40)]),
        pipeline,
    ),
    # Log shapes were searched over whole sample lines: a line of colons took seconds to detect.
    "a long line of colons (log detection)": (lambda n: ":" * n, pipeline),
    # The table-separator pattern had two blank runs around an optional pipe.
    "a table row over a long blank line (prose units)": (
        lambda n: "| a | b |\n" + " " * n + "x\n",
        build_units,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_grows_linearly(name: str) -> None:
    build, run = CASES[name]
    assert_linear(build, run)


def _nested(depth: int, opener: str, closer: str) -> str:
    return opener * depth + "1" + closer * depth


DEEP = {
    "list": lambda d: _nested(d, "[", "]"),
    "dict": lambda d: _nested(d, '{"a": ', "}"),
    "truncated": lambda d: '{"a": [' * d,
    "in prose": lambda d: prose_with("", 3000) + _nested(d, "[", "]") + "\n" + prose_with("", 3000),
    "in json lines": lambda d: "\n".join([json.dumps({"id": i}) for i in range(40)] + [_nested(d, "[", "]")]),
    "in a json value": lambda d: json.dumps({"rows": [{"id": i} for i in range(40)], "x": None}).replace(
        "null", _nested(d, "[", "]")
    ),
}


@pytest.mark.parametrize("shape", sorted(DEEP))
@pytest.mark.parametrize("depth", [50, 400, 900, 2_000, 10_000])
def test_deep_nesting_never_raises(shape: str, depth: int) -> None:
    text = DEEP[shape](depth)
    out = compress_text(text, UNTIMED, store=MemoryStore())
    assert out.tokens_out <= out.tokens_in
