"""The provider-neutral trace model every importer produces."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """A tool invocation made by the assistant."""

    id: str
    name: str
    arguments: str
    """The arguments as the agent sent them (JSON text when they were structured)."""


@dataclass(frozen=True)
class Usage:
    """Token usage a provider reported for one call (None where the trace does not say)."""

    input_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class Turn:
    """One message of a session.

    ``role == "tool"`` turns carry one tool result in ``text``, answering ``tool_call_id``.
    """

    role: Role
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None
    is_error: bool = False
    usage: Usage | None = None
    model: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class Trace:
    """One agent session, whatever agent recorded it."""

    source: str
    """The file it came from (with a ``#n`` suffix when one file holds several sessions)."""
    format: str
    """The importer's name, e.g. ``claude-code``."""
    turns: tuple[Turn, ...]
    model: str | None = None
    session_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    usage: Usage | None = None
    """The session's total usage where the agent records only totals (per-call usage is on turns)."""
    warnings: tuple[str, ...] = ()
    """What the importer skipped, each naming the file and line (``path:12: invalid JSON: ...``)."""

    @property
    def tool_calls(self) -> int:
        """Number of tool calls the assistant made."""
        return sum(len(t.tool_calls) for t in self.turns)

    def to_openai_messages(self) -> list[dict[str, Any]]:
        """The session as OpenAI Chat messages (tool results as ``role: tool``).

        A tool result with no announcing call gets a synthetic assistant call just before it.
        """
        messages: list[dict[str, Any]] = []
        for index, turn in enumerate(self.turns):
            if turn.role == "tool":
                call_id = turn.tool_call_id
                if call_id is None:
                    # Output no call announced (an aider command, a shell echo) gets a call of its
                    # own, so the conversation stays valid for every provider.
                    call_id = f"synthetic_{index}"
                    call = {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": turn.tool_name or "tool", "arguments": "{}"},
                    }
                    messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
                messages.append({"role": "tool", "tool_call_id": call_id, "content": turn.text})
                continue
            message: dict[str, Any] = {"role": turn.role, "content": turn.text or None}
            if turn.tool_calls:
                message["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in turn.tool_calls
                ]
            messages.append(message)
        return messages


def arguments_text(arguments: Any) -> str:
    """Tool-call arguments as text: JSON for structured values, unchanged for strings."""
    return (
        arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False, sort_keys=True)
    )


def block_call(block: Mapping[str, Any], arguments: str, names: dict[str, str]) -> ToolCall:
    """The tool call of a content block holding ``id``, ``name`` and its ``arguments`` key; the
    call's name is remembered under its id (results name only the id)."""
    call = ToolCall(
        id=str(block.get("id", "")),
        name=str(block.get("name", "")),
        arguments=arguments_text(block.get(arguments, {})),
    )
    names[call.id] = call.name
    return call
