"""OpenAI Chat Completions: message conversion (shared by several agents) and request logs.

A request log holds request bodies ``{"model", "messages", ...}`` (one JSON object, a JSON array
or JSONL), each optionally with the ``response`` and ``usage`` it got, or wrapped as
``{"request": {...}, "response": {...}}``. Each record becomes one trace.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import Role, ToolCall, Trace, Turn, arguments_text
from headroom.errors import TraceFormatError

CHAT_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}
_MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
_ANTHROPIC = re.compile(r'"type"\s*:\s*"(tool_use|tool_result)"|"stop_reason"\s*:|"anthropic_version"')
_ROLE_KEY = re.compile(r'"role"\s*:\s*"(system|developer|user|assistant|tool)"')


def content_text(content: Any) -> str:
    """Plain text of a message's content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return content_text([content])
    if not isinstance(content, list):
        return ""
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict):
            text = part.get("text", part.get("content"))
            if isinstance(text, str | list):
                texts.append(content_text(text))
    return "\n".join(t for t in texts if t)


def chat_tool_calls(message: dict[str, Any]) -> tuple[ToolCall, ...]:
    """The ``tool_calls`` (or legacy ``function_call``) of an assistant message."""
    calls: list[ToolCall] = []
    raw_calls = message.get("tool_calls")
    for index, raw in enumerate(raw_calls if isinstance(raw_calls, list) else []):
        if not isinstance(raw, dict):
            continue
        function = raw.get("function")
        function = function if isinstance(function, dict) else {}
        name = function.get("name", raw.get("name", ""))
        arguments = function.get("arguments", raw.get("arguments", ""))
        call_id = shared.as_str(raw.get("id")) or f"call_{index}"
        calls.append(ToolCall(id=call_id, name=str(name), arguments=arguments_text(arguments)))
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        calls.append(
            ToolCall(
                id="function_call",
                name=str(legacy.get("name", "")),
                arguments=arguments_text(legacy.get("arguments", "")),
            )
        )
    return tuple(calls)


def chat_turns(path: Path, messages: list[Any], line: int | None = None) -> list[Turn]:
    """Turns for a list of OpenAI Chat messages; tool results learn their tool's name."""
    names: dict[str, str] = {}
    turns: list[Turn] = []
    for index, raw in enumerate(messages):
        message = shared.require_dict(path, raw, f"message {index}", line)
        turn = chat_turn(path, message, names, line)
        for call in turn.tool_calls:
            names[call.id] = call.name
        turns.append(turn)
    return turns


def chat_turn(path: Path, message: dict[str, Any], names: dict[str, str], line: int | None = None) -> Turn:
    """One OpenAI Chat message as a turn (``names`` maps tool-call ids to tool names seen so far)."""
    role = CHAT_ROLES.get(str(message.get("role")))
    if role is None:
        raise TraceFormatError(str(path), f"unknown message role {message.get('role')!r}", line)
    text = content_text(message.get("content"))
    if role == "tool":
        call_id = shared.as_str(message.get("tool_call_id"))
        name = (
            shared.as_str(message.get("name"))
            or shared.as_str(message.get("function"))
            or names.get(call_id or "")
        )
        return Turn(role="tool", text=text, tool_call_id=call_id, tool_name=name, is_error=_is_error(message))
    model = shared.as_str(message.get("model"))
    usage = shared.usage_from(message.get("usage"))
    if role != "assistant":
        return Turn(role=role, text=text)
    return Turn(role=role, text=text, tool_calls=chat_tool_calls(message), usage=usage, model=model)


def _is_error(message: dict[str, Any]) -> bool:
    return bool(message.get("error")) or message.get("is_error") is True


def _response_turn(path: Path, body: dict[str, Any], response: Any, line: int | None) -> Turn | None:
    if not isinstance(response, dict):
        return None
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = shared.require_dict(path, choices[0].get("message"), "response message", line)
    turn = chat_turn(path, {"role": "assistant", **message}, {}, line)
    usage = shared.usage_from(response.get("usage")) or shared.usage_from(body.get("usage"))
    model = shared.as_str(response.get("model")) or shared.as_str(body.get("model"))
    return Turn(role="assistant", text=turn.text, tool_calls=turn.tool_calls, usage=usage, model=model)


def request_body(record: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """``(request body, response)`` of a log record, whichever way it is wrapped."""
    request = record.get("request")
    if isinstance(request, dict):
        return request, record.get("response")
    return record, record.get("response")


class OpenAIChatImporter:
    """Plain OpenAI Chat request logs."""

    name = "openai-chat"

    def sniff(self, path: Path) -> bool:
        """A JSON/JSONL record with a ``messages`` array of role-tagged messages, or bare messages.

        Records with an agent format's top-level keys (``info``, ``eval``, ``traj``...) and
        Anthropic-only markers belong to other importers.
        """
        prefix = shared.read_prefix(path)
        if not shared.json_kind(prefix):
            return False
        keys = set(shared.first_record_keys(prefix))
        if keys & shared.AGENT_KEYS or _ANTHROPIC.search(prefix) or shared.MINI_SWE_MARKERS.search(prefix):
            # An agent's own format (mini-swe-agent, OpenCode, Inspect...) or Anthropic Messages.
            return False
        if keys & {"messages", "request"}:
            return bool(_MESSAGES_KEY.search(prefix) and _ROLE_KEY.search(prefix))
        return _bare_chat(prefix)

    def load(self, path: Path) -> list[Trace]:
        """One trace per request record (or one for a bare array of messages)."""
        warnings: list[str] = []
        records = shared.records_of(path, warnings)
        if records and all("role" in record for _, record in records):
            messages = [record for _, record in records]
            turns = tuple(chat_turns(path, messages))
            return [Trace(source=str(path), format=self.name, turns=turns, warnings=tuple(warnings))]
        return shared.per_record(path, self.name, self._turns, (records, warnings))

    def _turns(
        self, path: Path, line: int | None, record: dict[str, Any]
    ) -> tuple[list[Turn], dict[str, Any]]:
        body, response = request_body(record)
        messages = shared.require_list(path, body.get("messages"), "messages", line)
        turns = chat_turns(path, messages, line)
        reply = _response_turn(path, body, response, line)
        if reply is not None:
            turns.append(reply)
        return turns, body


def _bare_chat(prefix: str) -> bool:
    records = shared.head_records(prefix, 5)
    if records:
        # Every record a message: a stream whose other records are events is some agent's log.
        return all("role" in r and ("content" in r or "tool_calls" in r) for r in records)
    return shared.json_kind(prefix) == "[" and bool(re.match(r'\s*\[\s*\{\s*"(role|content)"', prefix))
