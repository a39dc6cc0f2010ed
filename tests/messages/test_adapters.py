"""Format adapters: one per provider shape, answering for the library, shaping and the proxy."""

from __future__ import annotations

from typing import Any

import pytest

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.errors import MessageFormatError
from headroom.messages import ADAPTERS, MessageFormat, adapter_for

CHAT, RESPONSES, ANTHROPIC = (
    MessageFormat.OPENAI_CHAT,
    MessageFormat.OPENAI_RESPONSES,
    MessageFormat.ANTHROPIC,
)
OURS = RETRIEVE_TOOL_NAME


@pytest.mark.parametrize(
    ("fmt", "choice", "allowed"),
    [
        (ANTHROPIC, None, True),
        (ANTHROPIC, {"type": "auto"}, True),
        (ANTHROPIC, {"type": "any"}, True),
        (ANTHROPIC, {"type": "none"}, False),
        (ANTHROPIC, {"type": "tool", "name": "bash"}, False),
        (ANTHROPIC, {"type": "tool", "name": OURS}, True),
        (CHAT, "auto", True),
        (CHAT, "required", True),
        (CHAT, "none", False),
        (CHAT, {"type": "function", "function": {"name": "bash"}}, False),
        (
            CHAT,
            {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": "bash"}}],
                },
            },
            False,
        ),
        (
            CHAT,
            {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": OURS}}],
                },
            },
            True,
        ),
        (RESPONSES, "auto", True),
        (RESPONSES, {"type": "function", "name": "shell"}, False),
        (RESPONSES, {"type": "file_search"}, False),
        (
            RESPONSES,
            {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": OURS}]},
            True,
        ),
        (CHAT, "something new", False),
    ],
)
def test_tool_choice_decides_whether_the_model_may_call_a_tool(
    fmt: MessageFormat, choice: Any, allowed: bool
) -> None:
    assert adapter_for(fmt).allows_tool(choice, OURS) is allowed


@pytest.mark.parametrize("fmt", list(MessageFormat))
def test_each_adapter_names_its_own_retrieval_tool(fmt: MessageFormat) -> None:
    adapter = ADAPTERS[fmt]
    assert adapter.tool_names([adapter.retrieval_tool(), {"unrelated": 1}]) == [OURS]


def test_the_conversation_key_prefers_the_formats_own() -> None:
    both = {"messages": [], "input": []}
    assert (
        adapter_for(RESPONSES).messages_key(both) == "input"
        and adapter_for(CHAT).messages_key(both) == "messages"
    )
    assert adapter_for(RESPONSES).messages_key({"messages": []}) == "messages"
    with pytest.raises(MessageFormatError):
        adapter_for(ANTHROPIC).messages_key({"model": "m"})
    with pytest.raises(MessageFormatError):
        adapter_for("gemini")
