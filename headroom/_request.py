"""Whole request bodies around a message list: which key holds the messages, and the tools."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from headroom.ccr._markers import RETRIEVE_TOOL_NAME
from headroom.compressors import CompressContext
from headroom.errors import MessageFormatError
from headroom.messages import MessageFormat, adapter_for, sniff_format, validate, validate_request


def unwrap(
    messages: Any, fmt: MessageFormat | str | None
) -> tuple[dict[str, Any] | None, Any, MessageFormat]:
    """``(request or None, validated message list, format)`` for a message list or a request."""
    chosen = _format(fmt)
    if not isinstance(messages, Mapping):
        chosen = chosen or sniff_format(messages)
        return None, validate(messages, chosen), chosen
    request = dict(messages)
    validate_request(request)
    chosen = chosen or _request_format(request)
    items = request[_key(request, chosen)]
    # A string ``input`` is one user turn with nothing to compress.
    return request, validate([] if isinstance(items, str) else items, chosen), chosen


def _format(fmt: MessageFormat | str | None) -> MessageFormat | None:
    try:
        return MessageFormat(fmt) if fmt is not None else None
    except ValueError as exc:
        raise MessageFormatError(f"unknown message format {fmt!r}") from exc


def _request_format(request: dict[str, Any]) -> MessageFormat:
    if "input" in request:
        return MessageFormat.OPENAI_RESPONSES
    if "messages" in request and "system" in request:
        return MessageFormat.ANTHROPIC
    return sniff_format(request.get("messages"))


def _key(request: Mapping[str, Any], fmt: MessageFormat) -> str:
    """The format's own key when present (the one output shaping reads), else the other one."""
    return adapter_for(fmt).messages_key(request)


def rewrap(
    request: dict[str, Any] | None, items: Any, fmt: MessageFormat, tools: tuple[dict[str, Any], ...]
) -> Any:
    """The request (or bare list) with compressed messages and any added tools."""
    if request is None:
        return items
    out = dict(request)
    key = _key(request, fmt)
    if isinstance(request[key], str):
        return out
    out[key] = items
    if tools:
        out["tools"] = [*(request.get("tools") or []), *tools]
    return out


def retrieval_tools(fmt: MessageFormat, request: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    """The retrieval tool to add, unless the request already offers it."""
    existing = (request or {}).get("tools") or []
    # Any mention counts: an MCP server's ``mcp__headroom__headroom_retrieve`` is the client's own.
    if any(RETRIEVE_TOOL_NAME in json.dumps(tool, default=str) for tool in existing):
        return ()
    return (adapter_for(fmt).retrieval_tool(),)


def tool_tokens(tools: tuple[dict[str, Any], ...], ctx: CompressContext) -> int:
    """What the added tool definitions cost."""
    return sum(ctx.tokens(json.dumps(tool)) for tool in tools)
