"""Odd message shapes are a MessageFormatError naming the message, never a crash from a reader."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from headroom import compress
from headroom.ccr import MemoryStore
from headroom.errors import HeadroomError, MessageFormatError
from headroom.messages import MessageFormat, sniff_format
from headroom.policy import policy_from_mapping
from tests.messages.shapes import FORMATS, JSON, MESSAGE_LISTS, REQUESTS

# Small blocks compressed, shaping and masking on: every code path that reads a message runs.
EAGER = policy_from_mapping(
    {
        "live_zone": {"min_block_tokens": 0},
        "history": {"enabled": True, "keep_last_observations": 1, "min_tokens": 0},
        "shaping": {"verbosity": "concise", "effort_routing": True},
    }
)
FUZZ = settings(
    max_examples=2000,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CHAT, RESPONSES, ANTHROPIC = (
    MessageFormat.OPENAI_CHAT,
    MessageFormat.OPENAI_RESPONSES,
    MessageFormat.ANTHROPIC,
)


@pytest.mark.parametrize(
    ("messages", "fmt", "expected"),
    [
        ([{"role": "assistant", "tool_calls": 5}], None, r"message 0 \(assistant\): 'tool_calls'"),
        ([{"role": "assistant", "tool_calls": [3]}], CHAT, r"message 0 \(assistant\): tool call 0"),
        ([{"role": "user", "content": [{"type": {"a": 1}, "text": "x"}]}], None, "message 0.*part 0.*'type'"),
        (
            [{"role": "user", "content": [{"type": ["a"], "text": "x"}]}],
            ANTHROPIC,
            "message 0.*part 0.*'type'",
        ),
        (
            [{"role": "user", "content": "x"}, {"type": ["message"], "role": "user"}],
            RESPONSES,
            "item 1.*'type'",
        ),
        ([{"type": {"x": 1}}], RESPONSES, "item 0.*'type'"),
        ([{"type": "function_call_output", "output": [{"type": []}]}], RESPONSES, "item 0.*part 0.*'type'"),
        ([{"type": "message", "role": 3}], RESPONSES, "item 0.*'role'"),
        ([{"role": "tool", "content": "x", "name": ["n"]}], CHAT, r"message 0 \(tool\): 'name'"),
        (
            [{"role": "user", "content": [{"type": "tool_result", "content": 7}]}],
            ANTHROPIC,
            "message 0.*part 0.*'content'",
        ),
    ],
)
def test_odd_shapes_are_a_format_error(messages: Any, fmt: MessageFormat | None, expected: str) -> None:
    with pytest.raises(MessageFormatError, match=expected):
        compress(messages, EAGER, store=MemoryStore(), format=fmt)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"messages": [{"role": "user", "content": "x"}], "tools": 3}, "'tools' must be a list"),
        ({"input": 5}, "must be a list"),
        ({"system": {"text": "x"}, "messages": []}, "request: 'system' must be a string or a list"),
        ({"instructions": ["x"], "input": []}, "request: 'instructions' must be a string"),
    ],
)
def test_odd_requests_are_a_format_error(request_: dict[str, Any], expected: str) -> None:
    with pytest.raises(MessageFormatError, match=expected):
        compress(request_, EAGER, store=MemoryStore())


def test_a_bare_responses_list_is_sniffed_before_it_is_checked() -> None:
    items = [{"type": "function_call", "call_id": "a", "name": "ls", "arguments": "{}"}]
    assert compress(items, EAGER, store=MemoryStore()).format is RESPONSES


@FUZZ
@given(JSON)
def test_sniff_never_raises(value: Any) -> None:
    sniff_format(value if isinstance(value, list) else [value])


def _only_headroom_errors(messages: Any, fmt: str | None) -> None:
    with contextlib.suppress(HeadroomError):
        compress(messages, EAGER, store=MemoryStore(), format=fmt)


@FUZZ
@given(MESSAGE_LISTS, FORMATS)
def test_random_message_lists_raise_only_headroom_errors(messages: Any, fmt: str | None) -> None:
    _only_headroom_errors(messages, fmt)


@FUZZ
@given(REQUESTS, FORMATS)
def test_random_requests_raise_only_headroom_errors(request_: Any, fmt: str | None) -> None:
    _only_headroom_errors(request_, fmt)
