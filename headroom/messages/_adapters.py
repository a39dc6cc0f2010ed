"""One adapter per provider shape: everything Headroom knows about a format, in one place.

The library (reading blocks, validating, finding the conversation in a request, the retrieval
tool it adds), output shaping (where the system prompt lives) and the proxy (whether the model
may call the retrieval tool under the request's ``tool_choice``) all ask the adapter of the
request's format instead of keeping their own per-format tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from headroom.ccr import anthropic_tool, openai_chat_tool, openai_responses_tool
from headroom.errors import MessageFormatError
from headroom.messages import _formats, _validate
from headroom.messages._model import Block, MessageFormat, Messages

_FREE_CHOICES = frozenset({"auto", "any", "required"})


@dataclass(frozen=True)
class FormatAdapter:
    """A provider shape: its conversation key, reader, checks, tool definitions and tool choices."""

    format: MessageFormat
    messages_keys: tuple[str, ...]
    """Request keys that may hold the conversation, the format's own first."""
    noun: str
    """What one entry of the conversation is called in error messages."""
    read: Callable[[Messages], Iterator[Block]]
    """Every text-bearing block, in conversation order."""
    check: Callable[[str, dict[str, Any]], None]
    """Structure checks of one entry (raises :class:`MessageFormatError` naming it)."""
    retrieval_tool: Callable[[], dict[str, Any]]
    """The ``headroom_retrieve`` definition in this shape."""
    tool_name: Callable[[Any], str | None]
    """The name of a tool definition (or of a tool named in ``tool_choice``) in this shape."""

    def messages_key(self, request: Mapping[str, Any]) -> str:
        """The key holding the conversation: the format's own when present, else the other one."""
        for key in self.messages_keys:
            if key in request:
                return key
        raise MessageFormatError("a request must hold 'messages' (chat, Anthropic) or 'input' (Responses)")

    def allows_tool(self, tool_choice: Any, name: str) -> bool:
        """Whether the model may call tool ``name`` under ``tool_choice``.

        ``none`` bars every tool; a choice that forces one tool, or an allow-list, bars the rest;
        a choice this adapter does not know bars it too (the safe answer).
        """
        if tool_choice is None or (isinstance(tool_choice, str) and tool_choice in _FREE_CHOICES):
            return True
        if not isinstance(tool_choice, Mapping) or tool_choice.get("type") == "none":
            return False
        kind = tool_choice.get("type")
        if kind in _FREE_CHOICES:
            return True
        if kind == "allowed_tools":
            listed = tool_choice.get("allowed_tools", tool_choice)
            tools = listed.get("tools") if isinstance(listed, Mapping) else None
            return name in self.tool_names(tools if isinstance(tools, list) else [])
        return self.tool_name(tool_choice) == name

    def tool_names(self, tools: Iterable[Any]) -> list[str]:
        """Names of the tool definitions this shape understands."""
        return [n for n in (self.tool_name(t) for t in tools) if n is not None]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _named(tool: Any) -> str | None:
    return _str(tool.get("name")) if isinstance(tool, Mapping) else None


def _chat_named(tool: Any) -> str | None:
    function = tool.get("function") if isinstance(tool, Mapping) else None
    return _named(function) if isinstance(function, Mapping) else None


ADAPTERS: Mapping[MessageFormat, FormatAdapter] = {
    MessageFormat.OPENAI_CHAT: FormatAdapter(
        MessageFormat.OPENAI_CHAT,
        ("messages", "input"),
        "message",
        _formats.read_chat,
        _validate.check_chat,
        openai_chat_tool,
        _chat_named,
    ),
    MessageFormat.OPENAI_RESPONSES: FormatAdapter(
        MessageFormat.OPENAI_RESPONSES,
        ("input", "messages"),
        "item",
        _formats.read_responses,
        _validate.check_responses,
        openai_responses_tool,
        _named,
    ),
    MessageFormat.ANTHROPIC: FormatAdapter(
        MessageFormat.ANTHROPIC,
        ("messages", "input"),
        "message",
        _formats.read_anthropic,
        _validate.check_anthropic,
        anthropic_tool,
        _named,
    ),
}


def adapter_for(fmt: MessageFormat | str) -> FormatAdapter:
    """The adapter of ``fmt``."""
    try:
        return ADAPTERS[MessageFormat(fmt)]
    except ValueError as exc:
        raise MessageFormatError(f"unknown message format {fmt!r}") from exc


def read_blocks(messages: Messages, fmt: MessageFormat) -> list[Block]:
    """Every text-bearing block in conversation order."""
    return list(adapter_for(fmt).read(messages))


def validate(messages: object, fmt: MessageFormat) -> Messages:
    """Check the structure every reader relies on; name the first problem found."""
    if not isinstance(messages, list):
        raise MessageFormatError(f"messages must be a list, got {type(messages).__name__}")
    adapter = adapter_for(fmt)
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise MessageFormatError(
                f"{adapter.noun} {index} must be an object, got {type(message).__name__}"
            )
        if fmt is not MessageFormat.OPENAI_RESPONSES or "role" in message:
            _validate.check_role(f"{adapter.noun} {index}", message)
        role = message.get("role")
        adapter.check(f"{adapter.noun} {index}" + (f" ({role})" if isinstance(role, str) else ""), message)
    return messages
