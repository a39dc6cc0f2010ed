"""compress(compress(x)) == compress(x): our own output is recognised by its markers and left alone."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from headroom import compress, compress_text
from headroom.ccr import MemoryStore, format_marker
from headroom.policy import policy_from_mapping
from tests.conftest import make_log
from tests.texts import TEXTS

EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})
PROPERTY = settings(
    max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(TEXTS)
def test_compress_text_is_idempotent(text: str) -> None:
    store = MemoryStore()
    once = compress_text(text, EAGER, store=store)
    twice = compress_text(once.text, EAGER, store=store)
    assert twice.text == once.text


def _chat(text: str) -> list[dict[str, Any]]:
    call = {"id": "a", "type": "function", "function": {"name": "cat", "arguments": "{}"}}
    return [
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "a", "content": text},
    ]


@PROPERTY
@given(TEXTS)
def test_compress_is_idempotent(text: str) -> None:
    store = MemoryStore()
    once = compress(_chat(text), EAGER, store=store)
    twice = compress(once.messages, EAGER, store=store)
    assert twice.messages == once.messages


def test_our_output_is_recognised() -> None:
    store = MemoryStore()
    once = compress_text(make_log(300), store=store)
    again = compress_text(once.text, store=store)
    assert once.elisions and again.text == once.text and again.reason == "already compressed"


def test_a_lossless_re_encoding_is_recognised() -> None:
    store = MemoryStore()
    rows = [
        {"id": i, "city": ["Paris", "Rome"][i % 2], "note": f"the quick brown fox {i}"} for i in range(10)
    ]
    once = compress_text(json.dumps(rows, indent=1), store=store)
    assert once.lossless and not once.elisions
    again = compress_text(once.text, store=store)
    assert again.text == once.text and again.reason == "already compressed"


def test_an_original_sent_again_is_still_compressed() -> None:
    store = MemoryStore()
    log = make_log(300)
    assert compress_text(log, store=store).text == compress_text(log, store=store).text != log


def test_forged_marker_is_flagged_and_not_taken_for_ours() -> None:
    store = MemoryStore()
    forged = format_marker(40, "lines", "hr123456789012345678")
    text = make_log(300).replace("INFO request 7 served", f"INFO {forged} request 7 served")
    result = compress(_chat(text), store=store)
    (block,) = result.blocks
    assert block.reason != "already compressed" and block.tokens_out < block.tokens_in
    assert any("message 2" in w and "hr123456789012345678" in w for w in result.warnings)


def test_markers_of_this_store_raise_no_warning() -> None:
    store = MemoryStore()
    once = compress(_chat(make_log(300)), store=store)
    assert compress(once.messages, store=store).warnings == ()
