"""Anthropic Messages: content-block conversion (shared with Claude Code) and request logs.

A request log holds bodies ``{"model", "system", "messages", ...}`` optionally with the
``response`` (a Messages response: ``content`` blocks, ``usage``) or wrapped as
``{"request": {...}, "response": {...}}``. Each record becomes one trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Turn, Usage, block_call
from evals.traces._openai_chat import content_text, request_body
from headroom.errors import TraceFormatError

_MARKERS = re.compile(
    r'"type"\s*:\s*"(tool_use|tool_result)"|"system"\s*:|"stop_reason"\s*:|"anthropic_version"'
)
_MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')


@dataclass(frozen=True)
class Meta:
    """What a message carries besides its content (usage and model on assistant turns)."""

    usage: Usage | None = None
    model: str | None = None
    timestamp: str | None = None


def message_turns(
    path: Path, message: dict[str, Any], names: dict[str, str], meta: Meta, line: int | None = None
) -> list[Turn]:
    """One Anthropic message as turns: tool results each become a ``tool`` turn."""
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise TraceFormatError(str(path), f"unknown message role {role!r}", line)
    content = message.get("content")
    blocks: list[Any] = (
        content if isinstance(content, list) else [{"type": "text", "text": content_text(content)}]
    )
    if role == "assistant":
        return [_assistant_turn(blocks, names, meta)]
    return _user_turns(blocks, names, meta)


def _assistant_turn(blocks: list[Any], names: dict[str, str], meta: Meta) -> Turn:
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use":
            calls.append(block_call(block, "input", names))
        elif block.get("type") == "text":
            texts.append(str(block.get("text", "")))
    return Turn(
        role="assistant",
        text="\n".join(t for t in texts if t),
        tool_calls=tuple(calls),
        usage=meta.usage,
        model=meta.model,
        timestamp=meta.timestamp,
    )


def _user_turns(blocks: list[Any], names: dict[str, str], meta: Meta) -> list[Turn]:
    turns: list[Turn] = []
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            call_id = shared.as_str(block.get("tool_use_id"))
            turns.append(
                Turn(
                    role="tool",
                    text=content_text(block.get("content")),
                    tool_call_id=call_id,
                    tool_name=names.get(call_id or ""),
                    is_error=block.get("is_error") is True,
                    timestamp=meta.timestamp,
                )
            )
        else:
            texts.append(content_text([block]))
    text = "\n".join(t for t in texts if t)
    if text or not turns:
        turns.append(Turn(role="user", text=text, timestamp=meta.timestamp))
    return turns


def system_text(system: Any) -> str:
    """The top-level ``system`` prompt (a string or text blocks)."""
    return content_text(system)


class AnthropicMessagesImporter(shared.PerRequestImporter):
    """Plain Anthropic Messages request logs."""

    name = "anthropic-messages"

    def sniff(self, path: Path) -> bool:
        """A JSON/JSONL record with ``messages`` and an Anthropic-only marker (system, tool_use...).

        The record itself must hold ``messages`` (or a ``request``): an agent log that embeds
        Messages calls deeper down (an Inspect eval log) belongs to its own importer.
        """
        prefix = shared.read_prefix(path)
        if not shared.json_kind(prefix):
            return False
        keys = set(shared.first_record_keys(prefix))
        if not keys & {"messages", "request"} or keys & shared.AGENT_KEYS:
            return False
        return bool(_MESSAGES_KEY.search(prefix) and _MARKERS.search(prefix))

    def _turns(
        self, path: Path, line: int | None, record: dict[str, Any]
    ) -> tuple[list[Turn], dict[str, Any]]:
        body, response = request_body(record)
        messages = shared.require_list(path, body.get("messages"), "messages", line)
        names: dict[str, str] = {}
        turns: list[Turn] = []
        system = system_text(body.get("system"))
        if system:
            turns.append(Turn(role="system", text=system))
        for i, raw in enumerate(messages):
            turns.extend(
                message_turns(path, shared.require_dict(path, raw, f"message {i}", line), names, Meta(), line)
            )
        if isinstance(response, dict) and isinstance(response.get("content"), list):
            meta = Meta(
                usage=shared.usage_from(response.get("usage")), model=shared.as_str(response.get("model"))
            )
            turns.append(_assistant_turn(response["content"], names, meta))
        return turns, body
