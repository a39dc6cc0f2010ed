"""Hypothesis strategies for message lists and requests: plausible keys, any JSON-shaped values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=12)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)

_ROLES = st.sampled_from(["user", "assistant", "system", "developer", "tool", "function"])
_TYPES = st.sampled_from(
    [
        "text",
        "input_text",
        "output_text",
        "message",
        "function_call",
        "function_call_output",
        "custom_tool_call_output",
        "tool_use",
        "tool_result",
        "image",
    ]
)
_NAMES = st.sampled_from(["headroom_retrieve", "read_logs", "ls"])
_IDS = st.sampled_from(["a", "b"])


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value most of the time, any JSON value sometimes."""
    return st.one_of(value, value, JSON)


def _fields(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={k: _maybe(v) for k, v in keys.items()})


def _text() -> st.SearchStrategy[str]:
    return st.text(max_size=40) | st.just("[12 lines omitted; retrieve: hr000000000000000001]")


PARTS = st.deferred(
    lambda: _fields(
        {
            "type": _TYPES,
            "text": _text(),
            "id": _IDS,
            "name": _NAMES,
            "tool_use_id": _IDS,
            "content": _text() | st.lists(PARTS, max_size=2),
            "cache_control": st.just({"type": "ephemeral"}),
        }
    )
)
_CALLS = _fields({"id": _IDS, "type": st.just("function"), "function": _fields({"name": _NAMES})})
MESSAGES = _fields(
    {
        "role": _ROLES,
        "type": _TYPES,
        "content": _text() | st.lists(PARTS, max_size=3),
        "tool_calls": st.lists(_CALLS, max_size=2),
        "tool_call_id": _IDS,
        "name": _NAMES,
        "call_id": _IDS,
        "output": _text() | st.lists(PARTS, max_size=2),
    }
)
MESSAGE_LISTS = st.lists(MESSAGES | JSON, max_size=5)
_TOOLS = st.lists(
    st.dictionaries(st.sampled_from(["name", "type", "function"]), JSON, max_size=2), max_size=2
)
REQUESTS = _fields(
    {
        "model": st.just("m"),
        "messages": MESSAGE_LISTS,
        "input": MESSAGE_LISTS | st.text(max_size=10),
        "system": _text() | st.lists(PARTS, max_size=2),
        "instructions": _text(),
        "tools": _TOOLS,
        "reasoning_effort": st.just("high"),
        "thinking": st.just({"type": "enabled", "budget_tokens": 4096}),
    }
)
FORMATS = st.sampled_from([None, "openai_chat", "openai_responses", "anthropic"])
