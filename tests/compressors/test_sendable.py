"""A compressed request can always be sent: no escaped lone surrogate comes out raw."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom import compress, compress_text
from headroom.ccr import MemoryStore
from headroom.policy import policy_from_mapping

EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})


def _truncated_api_output() -> str:
    # Emoji pairs cut in half, as a byte-limited API answer leaves them: escaped, so valid JSON.
    rows = [{"id": i, "title": f"release {i} \\ud83d", "body": "notes ok"} for i in range(60)]
    return json.dumps(rows, indent=2).replace("\\\\ud83d", "\\ud83d")


def test_escaped_lone_surrogates_stay_escaped() -> None:
    text = _truncated_api_output()
    assert "\\ud83d" in text
    out = compress_text(text, EAGER, store=MemoryStore())
    assert out.tokens_out < out.tokens_in
    out.text.encode("utf-8")


def test_the_whole_request_encodes() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "api", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "list the releases"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c", "content": _truncated_api_output()},
    ]
    result = compress({"model": "m", "messages": messages}, EAGER, store=MemoryStore())
    json.dumps(result.messages, ensure_ascii=False).encode("utf-8")


SURROGATE_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.sampled_from("ab 1")
)
VALUES = st.recursive(
    st.none() | st.integers() | SURROGATE_TEXT,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@settings(
    max_examples=600, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(st.lists(VALUES, min_size=2, max_size=8))
def test_output_encodes_whenever_the_input_did(values: list[object]) -> None:
    text = json.dumps(values, indent=1)  # ensure_ascii: surrogates escaped, the input is sendable
    out = compress_text(text, EAGER, store=MemoryStore())
    out.text.encode("utf-8")
