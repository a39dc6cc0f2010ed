"""Structure checks that every reader relies on, per format; each problem names its message.

Readers index, iterate and hash what these checks let through, so a field a reader touches
is checked here for the type the reader assumes. Fields no reader touches are left alone:
unknown keys are forwarded as they are.
"""

from __future__ import annotations

from typing import Any

from headroom.errors import MessageFormatError


def validate_request(request: dict[str, Any]) -> None:
    """Request-level fields that ``compress()`` reads besides the messages."""
    tools = request.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise MessageFormatError(f"request 'tools' must be a list, got {type(tools).__name__}")
    # Output shaping appends to these; any other type would be overwritten.
    _content("request", request, "system")
    _optional_str("request", request, "instructions")


def check_role(where: str, message: dict[str, Any]) -> None:
    if not isinstance(message.get("role"), str):
        raise MessageFormatError(f"{where} has no string 'role'")


def _fail(where: str, field: str, expected: str, value: object) -> MessageFormatError:
    return MessageFormatError(f"{where}: {field!r} must be {expected}, got {type(value).__name__}")


def _optional_str(where: str, message: dict[str, Any], field: str) -> None:
    value = message.get(field)
    if value is not None and not isinstance(value, str):
        raise _fail(where, field, "a string", value)


def _content(where: str, message: dict[str, Any], field: str = "content") -> None:
    """``None``, a string, or a list of part objects each with an optional string ``type``."""
    content = message.get(field)
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _fail(where, field, "a string or a list", content)
    for part_index, part in enumerate(content):
        if not isinstance(part, dict):
            raise MessageFormatError(f"{where} {field} part {part_index} must be an object")
        _optional_str(f"{where} {field} part {part_index}", part, "type")


def check_chat(where: str, message: dict[str, Any]) -> None:
    _content(where, message)
    _optional_str(where, message, "name")
    calls = message.get("tool_calls")
    if calls is None:
        return
    if not isinstance(calls, list):
        raise _fail(where, "tool_calls", "a list", calls)
    for call_index, call in enumerate(calls):
        if not isinstance(call, dict):
            raise MessageFormatError(f"{where}: tool call {call_index} must be an object")


def check_responses(where: str, item: dict[str, Any]) -> None:
    if "role" not in item and "type" not in item:
        raise MessageFormatError(f"{where} has neither 'role' nor 'type'")
    _optional_str(where, item, "type")
    if item.get("type", "message") == "message":
        _optional_str(where, item, "role")
        _content(where, item)
    if item.get("type") in {"function_call_output", "custom_tool_call_output"}:
        _content(where, {"output": item["output"]} if isinstance(item.get("output"), list) else {}, "output")


def check_anthropic(where: str, message: dict[str, Any]) -> None:
    _content(where, message)
    content = message.get("content")
    for part_index, part in enumerate(content if isinstance(content, list) else []):
        if part.get("type") == "tool_result":
            _content(f"{where} content part {part_index}", part)
