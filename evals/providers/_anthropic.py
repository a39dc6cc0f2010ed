"""Anthropic Messages API client (``POST /v1/messages``), converting from OpenAI Chat shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evals.providers._base import Request, Response
from evals.providers._http import HttpConfig, JsonPoster, env_key, resolve_model
from evals.providers._openai import content_text
from evals.traces._model import ToolCall, Usage, arguments_text

ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1"
ANTHROPIC_KEY_VARIABLE = "ANTHROPIC_API_KEY"
ANTHROPIC_VERSION = "2023-06-01"

Block = dict[str, Any]


class AnthropicProvider:
    """Anthropic Messages; the key is ``api_key`` or ``ANTHROPIC_API_KEY``, read once here."""

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str = ANTHROPIC_BASE_URL,
        http: HttpConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if api_key is None:
            api_key = env_key(ANTHROPIC_KEY_VARIABLE, env)
        self.name = "anthropic"
        self.model = model
        headers = {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION}
        self._poster = JsonPoster(base_url, headers, http or HttpConfig())

    async def generate(self, request: Request) -> Response:
        """Send ``request`` as a Messages call and parse text, tool uses and usage."""
        body = await self._poster.post("messages", self.payload(request))
        return parse_messages_response(body)

    def payload(self, request: Request) -> dict[str, Any]:
        """The JSON body sent for ``request``."""
        system, messages = to_anthropic_messages(request.messages)
        payload: dict[str, Any] = {
            "model": resolve_model(self.model, request.model),
            "max_tokens": request.max_tokens,
            "messages": messages,
        }
        if system:
            payload["system"] = system
        if "thinking" not in request.extra:
            # Extended thinking only accepts the default temperature.
            payload["temperature"] = request.temperature
        if request.tools:
            payload["tools"] = [anthropic_tool(t) for t in request.tools]
        payload.update(request.extra)
        return payload

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()


def anthropic_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI Chat tool as ``{"name", "description", "input_schema"}``."""
    function = tool.get("function")
    if not isinstance(function, dict):
        return dict(tool)
    converted: dict[str, Any] = {
        "name": function.get("name", ""),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        converted["description"] = function["description"]
    return converted


def to_anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """``(system, messages)``: system text lifted out, tool traffic as blocks, same roles merged."""
    system: list[str] = []
    turns: list[tuple[str, list[Block]]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            text = content_text(message.get("content"))
            if text:
                system.append(text)
            continue
        wire_role = "assistant" if role == "assistant" else "user"
        blocks = _blocks(message)
        if not blocks:
            continue
        if turns and turns[-1][0] == wire_role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((wire_role, blocks))
    return "\n\n".join(system), [{"role": role, "content": blocks} for role, blocks in turns]


def _blocks(message: Mapping[str, Any]) -> list[Block]:
    text = content_text(message.get("content"))
    if message.get("role") == "tool":
        result: Block = {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id", ""),
            "content": text,
        }
        if message.get("is_error"):
            result["is_error"] = True
        return [result]
    blocks: list[Block] = [{"type": "text", "text": text}] if text else []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": function.get("name", ""),
                "input": _tool_input(function.get("arguments")),
            }
        )
    return blocks


def _tool_input(arguments: Any) -> dict[str, Any]:
    """Anthropic needs an object; text that is not a JSON object is kept under ``input``."""
    if isinstance(arguments, dict):
        return arguments
    if not arguments:
        return {}
    try:
        parsed = json.loads(arguments)
    except (TypeError, ValueError):
        return {"input": str(arguments)}
    return parsed if isinstance(parsed, dict) else {"input": parsed}


def parse_messages_response(body: Mapping[str, Any]) -> Response:
    """A :class:`Response` from a Messages body; ``input_tokens`` includes cached input."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in body.get("content") or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_use":
            arguments = arguments_text(block.get("input") or {})
            calls.append(ToolCall(str(block.get("id", "")), str(block.get("name", "")), arguments))
    stop = body.get("stop_reason")
    return Response(
        text="".join(texts),
        tool_calls=tuple(calls),
        usage=_usage(body.get("usage")),
        model=str(body.get("model", "")),
        stop_reason=str(stop) if stop is not None else None,
    )


def _count(usage: Mapping[str, Any], name: str) -> int | None:
    value = usage.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _usage(usage: Any) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    uncached = _count(usage, "input_tokens")
    read = _count(usage, "cache_read_input_tokens")
    write = _count(usage, "cache_creation_input_tokens")
    total = None if uncached is None else uncached + (read or 0) + (write or 0)
    return Usage(
        input_tokens=total,
        cache_read_tokens=read,
        cache_write_tokens=write,
        output_tokens=_count(usage, "output_tokens"),
    )
