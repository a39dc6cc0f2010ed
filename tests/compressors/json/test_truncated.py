"""Tool output cut at N bytes still compresses; unterminated JSONC constructs cost linear time."""

from __future__ import annotations

import json

import pytest

from headroom import compress_text
from headroom.ccr import MemoryStore, parse_markers, to_text

ROWS = [
    {"id": i, "status": "ok" if i % 97 else "error", "ms": i % 13, "path": f"/api/items/{i}"}
    for i in range(3000)
]


def _jsonl() -> str:
    return "\n".join(json.dumps(row) for row in ROWS)


@pytest.mark.parametrize("cut", [1, 17, 40])
def test_jsonl_cut_mid_line_compresses_and_keeps_the_torn_tail(cut: int) -> None:
    text = _jsonl()[:-cut]
    store = MemoryStore()
    out = compress_text(text, store=store)
    assert out.compressor == "json" and out.tokens_out < out.tokens_in / 20
    assert out.text.endswith(text.splitlines()[-1])
    assert all(to_text(store.get(m.key)) for m in parse_markers(out.text))


@pytest.mark.parametrize("cut", [5, 33, 61])
def test_json_array_cut_mid_item_compresses_its_complete_items(cut: int) -> None:
    text = json.dumps(ROWS, indent=2)[:-cut]
    out = compress_text(text, store=MemoryStore())
    assert out.compressor == "json" and out.tokens_out < out.tokens_in / 20
    torn = text[text.rindex("},") + 2 :].strip()
    assert out.text.endswith(torn)


@pytest.mark.parametrize(
    "tail",
    [
        '"\\' * 100_000,  # escaped quotes to the end, closed by nothing
        'x"y' * 100_000,  # a string opened and never closed on one line
        '/* "q" ' * 50_000,  # a comment opened and never closed
    ],
)
def test_unterminated_jsonc_is_linear(tail: str) -> None:
    # Before the scanner was linear, each of these took minutes (quadratic backtracking).
    text = '{"a": 1, // comment\n "b": ' + tail
    out = compress_text(text, store=MemoryStore())
    assert out.text == text
