"""Claude Managed Agents session transcripts (the session's event stream as JSONL).

Each line is one session event, bare (``{"type": "agent.message", ...}``) or wrapped by the
exporter as ``{"role", "kind", "content", "time", "raw": <event>}``. Event types are dotted:
``user.message`` / ``user.define_outcome`` (what the user asked), ``agent.message`` (text
blocks), ``agent.tool_use`` / ``agent.mcp_tool_use`` / ``agent.custom_tool_use`` (``id``,
``name``, ``input``) answered by ``agent.tool_result`` / ``agent.mcp_tool_result`` /
``user.custom_tool_result`` (``tool_use_id``, ``content``, ``is_error``),
``span.model_request_start`` / ``span.model_request_end`` (the latter with ``model_usage``
for that model call), ``session.usage`` (session totals) and status bookkeeping. Everything an
agent emits between two model requests is one assistant turn.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage, arguments_text
from evals.traces._openai_chat import content_text
from headroom.errors import TraceFormatError

_EVENT_TYPE = re.compile(r"^(session|span|agent|user)\.[a-z_]+$")
_CALLS = {"agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use"}
_RESULTS = {"agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result"}
_RESULT_ID_KEYS = ("tool_use_id", "mcp_tool_use_id", "custom_tool_use_id")
_SNIFF_RECORDS = 20


def _event(record: dict[str, Any]) -> dict[str, Any]:
    raw = record.get("raw")
    return raw if isinstance(raw, dict) and "type" in raw else record


def _is_event(record: dict[str, Any]) -> bool:
    kind = _event(record).get("type")
    return isinstance(kind, str) and bool(_EVENT_TYPE.match(kind))


class _Stream:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.names: dict[str, str] = {}
        self.open = False
        self.usage: Usage | None = None
        self.metadata: dict[str, Any] = {}

    def user(self, event: dict[str, Any], timestamp: str | None) -> None:
        text = content_text(event.get("content")) or str(event.get("description") or "")
        if text:
            self.turns.append(Turn(role="user", text=text, timestamp=timestamp))
            self.open = False

    def text(self, event: dict[str, Any], timestamp: str | None) -> None:
        text = content_text(event.get("content"))
        last = self.turns[-1] if self.turns else None
        if self.open and last is not None and last.role == "assistant":
            self.turns[-1] = replace(last, text="\n".join(t for t in (last.text, text) if t))
        else:
            self.turns.append(Turn(role="assistant", text=text, timestamp=timestamp))
            self.open = True

    def call(self, event: dict[str, Any], timestamp: str | None) -> None:
        call_id = str(event.get("id", ""))
        name = str(event.get("name", ""))
        server = shared.as_str(event.get("mcp_server_name"))
        name = f"{server}.{name}" if server else name
        self.names[call_id] = name
        call = ToolCall(id=call_id, name=name, arguments=arguments_text(event.get("input", {})))
        last = self.turns[-1] if self.turns else None
        if self.open and last is not None and last.role == "assistant":
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
        else:
            self.turns.append(Turn(role="assistant", tool_calls=(call,), timestamp=timestamp))
            self.open = True

    def result(self, event: dict[str, Any], timestamp: str | None) -> None:
        call_id = next(
            (shared.as_str(event.get(k)) for k in _RESULT_ID_KEYS if shared.as_str(event.get(k))), None
        )
        self.turns.append(
            Turn(
                role="tool",
                text=content_text(event.get("content")),
                tool_call_id=call_id,
                tool_name=self.names.get(call_id or ""),
                is_error=event.get("is_error") is True,
                timestamp=timestamp,
            )
        )

    def model_end(self, event: dict[str, Any]) -> None:
        usage = shared.usage_from(event.get("model_usage"))
        for index in range(len(self.turns) - 1, -1, -1):
            turn = self.turns[index]
            if turn.role == "assistant":
                if turn.usage is None:
                    self.turns[index] = replace(turn, usage=usage)
                return
            if turn.role == "user":
                return

    def session_usage(self, event: dict[str, Any]) -> None:
        raw = event.get("usage")
        if not isinstance(raw, dict):
            return
        creation = raw.get("cache_creation")
        writes = (
            sum(v for v in creation.values() if isinstance(v, int)) if isinstance(creation, dict) else None
        )
        usage = shared.usage_from(raw)
        if usage is not None:
            write = usage.cache_write_tokens if usage.cache_write_tokens is not None else writes
            inputs = shared.total(
                usage.input_tokens, None if usage.cache_write_tokens is not None else writes
            )
            self.usage = replace(usage, input_tokens=inputs, cache_write_tokens=write)


class ManagedAgentsImporter:
    """Claude Managed Agents session event transcripts."""

    name = "claude-managed-agents"

    def sniff(self, path: Path) -> bool:
        """JSONL of events with dotted ``session.``/``span.``/``agent.``/``user.`` types.

        One record of another kind (an exporter's header line) may open the file.
        """
        records = shared.head_records(shared.read_prefix(path), limit=_SNIFF_RECORDS)
        events = sum(_is_event(r) for r in records)
        return events >= 1 and events >= len(records) - 1 and _is_event(records[-1])

    def load(self, path: Path) -> list[Trace]:
        """The one session the transcript records."""
        warnings: list[str] = []
        stream = _Stream()
        session_id: str | None = None
        for _, record in shared.iter_jsonl(path, warnings):
            event = _event(record)
            session_id = session_id or shared.as_str(event.get("session_id"))
            self._dispatch(
                stream, event, shared.as_str(record.get("time")) or shared.as_str(event.get("processed_at"))
            )
        if not stream.turns:
            raise TraceFormatError(str(path), "no Managed Agents messages or tool calls found", 1)
        trace = Trace(
            source=shared.session_source(path, 0, 1),
            format=self.name,
            turns=tuple(stream.turns),
            session_id=session_id,
            metadata=stream.metadata,
            usage=stream.usage,
            warnings=tuple(warnings),
        )
        return [trace]

    def _dispatch(self, stream: _Stream, event: dict[str, Any], timestamp: str | None) -> None:
        kind = str(event.get("type"))
        if kind in ("user.message", "user.define_outcome"):
            stream.user(event, timestamp)
        elif kind == "agent.message":
            stream.text(event, timestamp)
        elif kind in _CALLS:
            stream.call(event, timestamp)
        elif kind in _RESULTS:
            stream.result(event, timestamp)
        elif kind == "span.model_request_start":
            stream.open = False
        elif kind == "span.model_request_end":
            stream.model_end(event)
        elif kind == "session.usage":
            stream.session_usage(event)
        elif kind == "span.outcome_evaluation_end":
            stream.metadata.setdefault("outcome_evaluations", []).append(event.get("result"))
