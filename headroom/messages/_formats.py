"""Readers and writers for OpenAI Chat, OpenAI Responses and Anthropic Messages shapes (the adapters use the readers)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from headroom.messages._model import Block, BlockKind, Location, MessageFormat, Messages

_RESPONSES_ITEM_TYPES = frozenset(
    {"message", "function_call", "function_call_output", "reasoning", "custom_tool_call_output"}
)
_RESPONSES_PART_TYPES = frozenset({"input_text", "output_text"})
_ANTHROPIC_BLOCK_TYPES = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking", "document"})


def sniff_format(messages: object) -> MessageFormat:
    """Guess the provider shape of a message list (plain text-only chats read as OpenAI chat).

    Runs before validation (the format decides what is valid), so it reads anything.
    """
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping):
            continue
        if _str(message.get("type")) in _RESPONSES_ITEM_TYPES:
            return MessageFormat.OPENAI_RESPONSES
        if message.get("role") == "tool" or "tool_calls" in message:
            return MessageFormat.OPENAI_CHAT
        content = message.get("content")
        if isinstance(content, list):
            types = {_str(part.get("type")) for part in content if isinstance(part, Mapping)}
            if types & _RESPONSES_PART_TYPES:
                return MessageFormat.OPENAI_RESPONSES
            if types & _ANTHROPIC_BLOCK_TYPES:
                return MessageFormat.ANTHROPIC
    return MessageFormat.OPENAI_CHAT


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _text_parts(
    index: int, role: str, kind: BlockKind, content: Any, tool: str | None, arguments: str | None = None
) -> Iterator[Block]:
    if isinstance(content, str):
        yield Block(Location(index, None, "content"), role, kind, content, tool, tool_arguments=arguments)
        return
    if isinstance(content, list):
        for part_index, part in enumerate(content):
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str) and part.get("type") in {"text", "input_text", "output_text", None}:
                yield Block(
                    Location(index, part_index, "text"), role, kind, text, tool, tool_arguments=arguments
                )


def read_chat(messages: Messages) -> Iterator[Block]:
    tool_names: dict[str, str] = {}
    arguments: dict[str, str] = {}
    for index, message in enumerate(messages):
        role = message["role"]
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                tool_names[str(call.get("id"))] = str(call["function"].get("name"))
                arguments[str(call.get("id"))] = _argument_text(call["function"].get("arguments"))
        kind: BlockKind = "tool_result" if role in {"tool", "function"} else "text"
        call_id = str(message.get("tool_call_id"))
        tool = tool_names.get(call_id) if kind == "tool_result" else None
        given = arguments.get(call_id) if kind == "tool_result" else None
        yield from _text_parts(index, role, kind, message.get("content"), tool or message.get("name"), given)


def _argument_text(arguments: object) -> str:
    """A call's arguments as JSON text, whichever way the shape carries them."""
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return str(arguments)


def _with_arguments(blocks: Iterator[Block], arguments: str | None) -> Iterator[Block]:
    for block in blocks:
        yield block if arguments is None else replace(block, tool_arguments=arguments)


def read_responses(messages: Messages) -> Iterator[Block]:
    tool_names: dict[str, str] = {}
    arguments: dict[str, str] = {}
    for index, item in enumerate(messages):
        item_type = item.get("type", "message")
        if item_type in {"function_call", "custom_tool_call"}:
            tool_names[str(item.get("call_id"))] = str(item.get("name"))
            arguments[str(item.get("call_id"))] = _argument_text(item.get("arguments", item.get("input")))
        elif item_type in {"function_call_output", "custom_tool_call_output"}:
            tool = tool_names.get(str(item.get("call_id")))
            given = arguments.get(str(item.get("call_id")))
            output = item.get("output")
            if isinstance(output, str):
                yield Block(
                    Location(index, None, "output"), "tool", "tool_result", output, tool, tool_arguments=given
                )
            elif isinstance(output, list):
                for block in _text_parts(index, "tool", "tool_result", output, tool):
                    location = Location(index, block.location.part, "output.text")
                    yield Block(location, "tool", "tool_result", block.text, tool, tool_arguments=given)
        elif item_type == "message":
            yield from _text_parts(index, str(item.get("role")), "text", item.get("content"), None)


def read_anthropic(messages: Messages) -> Iterator[Block]:
    tool_names: dict[str, str] = {}
    arguments: dict[str, str] = {}
    for index, message in enumerate(messages):
        role = message["role"]
        content = message.get("content")
        if not isinstance(content, list):
            yield from _text_parts(index, role, "text", content, None)
            continue
        for part_index, part in enumerate(content):
            part_type = part.get("type")
            if part_type == "tool_use":
                tool_names[str(part.get("id"))] = str(part.get("name"))
                arguments[str(part.get("id"))] = _argument_text(part.get("input"))
            elif part_type == "text" and isinstance(part.get("text"), str):
                yield Block(Location(index, part_index, "text"), role, "text", part["text"])
            elif part_type == "tool_result":
                given = arguments.get(str(part.get("tool_use_id")))
                yield from _with_arguments(_anthropic_tool_result(index, part_index, part, tool_names), given)


def _anthropic_tool_result(
    index: int, part_index: int, part: dict[str, Any], tool_names: dict[str, str]
) -> Iterator[Block]:
    tool = tool_names.get(str(part.get("tool_use_id")))
    inner = part.get("content")
    if isinstance(inner, str):
        yield Block(Location(index, part_index, "content"), "user", "tool_result", inner, tool)
    elif isinstance(inner, list):
        for sub_index, sub in enumerate(inner):
            if isinstance(sub, dict) and sub.get("type") == "text" and isinstance(sub.get("text"), str):
                location = Location(index, part_index, "content.text", sub_index)
                yield Block(location, "user", "tool_result", sub["text"], tool)


def write_blocks(messages: Messages, replacements: Mapping[Location, str]) -> Messages:
    """A new message list with replaced texts; untouched messages are the same objects."""
    if not replacements:
        return list(messages)
    touched = {location.message for location in replacements}
    out = [copy.deepcopy(m) if i in touched else m for i, m in enumerate(messages)]
    for location, text in replacements.items():
        _assign(out[location.message], location, text)
    return out


def _assign(message: dict[str, Any], location: Location, text: str) -> None:
    if location.part is None:
        message[location.field] = text
        return
    if location.field == "output.text":
        message["output"][location.part]["text"] = text
    elif location.field == "content.text":
        message["content"][location.part]["content"][location.subpart]["text"] = text
    elif location.field == "content":
        message["content"][location.part]["content"] = text
    else:
        message["content"][location.part][location.field] = text
