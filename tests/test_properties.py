"""Property-based tests: compress() never raises on content, never inflates, never loses data."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom import compress, compress_text
from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.policy import policy_from_mapping
from headroom.testing._compressor_contract import JSON_VALUES
from tests.texts import TEXTS

WORD = re.compile(r"\w+")
ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")  # JSON escapes may be re-encoded either way
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _unescape(match: re.Match[str]) -> str:
    body = match.group(1)
    return chr(int(body[1:], 16)) if len(body) == 5 else _SIMPLE.get(body, body)


def _words(text: str) -> set[str]:
    # Output may show a string raw or JSON-escaped; either reading counts.
    return set(WORD.findall(text)) | set(WORD.findall(ESCAPE.sub(_unescape, text)))


def _source_words(text: str) -> set[str]:
    """Words of the input; for JSON, of its decoded keys and values (escapes may be re-encoded)."""
    try:
        value = json.loads(text)
    except ValueError:
        return _words(text)
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            found |= set(WORD.findall(item))
    return found


# Compress everything, however small, so the properties exercise the compressors.
EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str, query: str | None = None) -> None:
    store = MemoryStore()
    out = compress_text(text, EAGER, query=query, store=store)
    assert out.tokens_out <= out.tokens_in
    if out.text != text and not out.elisions:
        # A change with no marker must be a lossless re-encoding: no word of the input may vanish.
        assert _source_words(text) <= _words(out.text)
    for elision in out.elisions:
        original = to_text(store.get(elision.key))
        assert original == text or original in text or json.dumps(original, ensure_ascii=False)[1:-1] in text


@SETTINGS
@given(st.text(max_size=4000), st.none() | st.text(max_size=30))
def test_random_text(text: str, query: str | None) -> None:
    _check(text, query)


@SETTINGS
@given(st.binary(max_size=4000))
def test_bytes_as_text(raw: bytes) -> None:
    _check(raw.decode("latin-1"))


@SETTINGS
@given(JSON_VALUES, st.booleans())
def test_random_json(value: object, indent: bool) -> None:
    _check(json.dumps(value, indent=1 if indent else None, ensure_ascii=False))


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), max_size=60))
def test_unicode_lines(lines: list[str]) -> None:
    _check("\n".join(lines))


@SETTINGS
@given(st.text(max_size=3000))
def test_compress_messages_round_trip(text: str) -> None:
    store = MemoryStore()
    messages = [
        {"role": "user", "content": "look"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "a", "type": "function", "function": {"name": "t", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "a", "content": text},
    ]
    result = compress(messages, EAGER, store=store)
    out = result.messages[-1]["content"]
    assert result.tokens_out <= result.tokens_in
    if out != text:
        assert any(to_text(store.get(k)) == text for b in result.blocks for k in b.keys)


UNMARKED = settings(
    max_examples=2000,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOOL_OUTPUTS = TEXTS | JSON_VALUES.map(json.dumps) | JSON_VALUES.map(lambda v: json.dumps(v, indent=2))


def _accounted(before: str, after: str, lossless: str | None, store: MemoryStore) -> bool:
    """Unchanged, or carrying a marker whose key resolves, or a declared lossless re-encoding."""
    if after == before or lossless:
        return True
    return any(store.contains(marker.key) for marker in parse_markers(after))


@UNMARKED
@given(TOOL_OUTPUTS)
def test_compress_text_never_changes_without_a_marker(text: str) -> None:
    store = MemoryStore()
    out = compress_text(text, EAGER, store=store)
    assert _accounted(text, out.text, out.lossless, store), (out.compressor, out.text[:400])


@settings(UNMARKED, max_examples=300)
@given(st.lists(TOOL_OUTPUTS, min_size=1, max_size=3))
def test_compress_never_changes_a_block_without_a_marker(texts: list[str]) -> None:
    store = MemoryStore()
    messages: list[dict[str, object]] = [{"role": "user", "content": "look"}]
    messages += [{"role": "tool", "tool_call_id": str(i), "content": text} for i, text in enumerate(texts)]
    result = compress(messages, EAGER, store=store)
    for block in result.blocks:
        before = messages[block.message_index]["content"]
        after = result.messages[block.message_index]["content"]
        assert isinstance(before, str) and isinstance(after, str)
        assert _accounted(before, after, block.lossless, store), (block.compressor, after[:400])
