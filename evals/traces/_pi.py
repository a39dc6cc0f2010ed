"""pi (pi-mono ``pi-coding-agent``) session JSONL, also written by tools built on it.

The first line is the header ``{"type": "session", "version", "id", "cwd", "timestamp"}``; then
entries with ``id``/``parentId`` (a tree: a branch that was left keeps its entries):
``message`` (``message.role`` user / assistant / toolResult / bashExecution; assistant content
blocks ``text`` / ``thinking`` / ``toolCall {id, name, arguments}``, with ``model``,
``provider`` and ``usage {input, output, cacheRead, cacheWrite}``; a ``toolResult`` names its
``toolCallId`` and ``toolName``), ``custom_message`` (extension text put into the context),
``compaction`` / ``branch_summary`` (summaries that replace earlier context) and bookkeeping
(``model_change``, ``thinking_level_change``, ``custom``, ``label``). Where the tree branches,
the conversation is the path from the last entry back to the root, as pi rebuilds it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage, block_call
from evals.traces._openai_chat import content_text
from headroom.errors import TraceFormatError

_ENTRY_TYPES = {
    "message",
    "custom_message",
    "custom",
    "model_change",
    "thinking_level_change",
    "compaction",
    "branch_summary",
    "label",
    "session_info",
}


def _usage(raw: Any) -> Usage | None:
    # pi reports input without the cache; the model's input_tokens includes it.
    if not isinstance(raw, dict):
        return None
    read, write = shared.as_int(raw.get("cacheRead")), shared.as_int(raw.get("cacheWrite"))
    return shared.uncached_usage(
        shared.as_int(raw.get("input")), shared.as_int(raw.get("output")), read, write
    )


def _text(content: Any) -> str:
    if isinstance(content, list):
        content = [b for b in content if isinstance(b, dict) and b.get("type") == "text"]
    return content_text(content)


def _assistant(message: dict[str, Any], names: dict[str, str], timestamp: str | None) -> Turn:
    content = message.get("content")
    calls: list[ToolCall] = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get("type") == "toolCall":
            calls.append(block_call(block, "arguments", names))
    return Turn(
        role="assistant",
        text=_text(content),
        tool_calls=tuple(calls),
        usage=_usage(message.get("usage")),
        model=shared.as_str(message.get("model")),
        timestamp=timestamp,
    )


def _message_turn(message: dict[str, Any], names: dict[str, str], timestamp: str | None) -> Turn | None:
    role = message.get("role")
    if role == "assistant":
        return _assistant(message, names, timestamp)
    if role == "toolResult":
        call_id = shared.as_str(message.get("toolCallId"))
        name = shared.as_str(message.get("toolName")) or names.get(call_id or "")
        text = _text(message.get("content"))
        error = message.get("isError") is True
        return Turn(
            role="tool", text=text, tool_call_id=call_id, tool_name=name, is_error=error, timestamp=timestamp
        )
    if role == "bashExecution":
        text = "\n".join(str(message.get(k) or "") for k in ("command", "output")).strip()
        return Turn(role="tool", text=text, tool_name="bash", timestamp=timestamp)
    if role == "user":
        return Turn(role="user", text=_text(message.get("content")), timestamp=timestamp)
    return None


def _active_path(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries on the path from the last one to the root, where the tree branches."""
    parents = Counter(shared.as_str(e.get("parentId")) for e in entries if e.get("parentId"))
    if not parents or max(parents.values()) < 2:
        return entries
    by_id = {shared.as_str(e.get("id")): e for e in entries if shared.as_str(e.get("id"))}
    keep: set[str] = set()
    current = shared.as_str(entries[-1].get("id"))
    while current is not None and current in by_id and current not in keep:
        keep.add(current)
        current = shared.as_str(by_id[current].get("parentId"))
    return [e for e in entries if shared.as_str(e.get("id")) in keep or not shared.as_str(e.get("id"))]


class PiImporter:
    """pi coding agent sessions."""

    name = "pi"

    def sniff(self, path: Path) -> bool:
        """JSONL opening with a ``session`` header (``version``, ``id``) and then pi entry types."""
        records = shared.head_records(shared.read_prefix(path), limit=10)
        if not records:
            return False
        header = records[0]
        if header.get("type") != "session" or "version" not in header or "id" not in header:
            return False
        return len(records) == 1 or any(r.get("type") in _ENTRY_TYPES for r in records[1:])

    def load(self, path: Path) -> list[Trace]:
        """The one session the file records."""
        warnings: list[str] = []
        records = [record for _, record in shared.iter_jsonl(path, warnings)]
        header = records[0] if records and records[0].get("type") == "session" else {}
        entries = _active_path([r for r in records if r is not header])
        names: dict[str, str] = {}
        turns: list[Turn] = []
        model: str | None = None
        for entry in entries:
            turn = self._turn(entry, names)
            if turn is not None:
                turns.append(turn)
            if entry.get("type") == "model_change":
                model = model or shared.as_str(entry.get("modelId"))
        if not turns:
            raise TraceFormatError(str(path), "no pi messages found", 1)
        model = next((t.model for t in turns if t.model), model)
        metadata: dict[str, Any] = {k: header[k] for k in ("cwd", "version") if k in header}
        return [
            Trace(
                source=shared.session_source(path, 0, 1),
                format=self.name,
                turns=tuple(turns),
                model=model,
                session_id=shared.as_str(header.get("id")),
                metadata=metadata,
                warnings=tuple(warnings),
            )
        ]

    def _turn(self, entry: dict[str, Any], names: dict[str, str]) -> Turn | None:
        kind, timestamp = entry.get("type"), shared.as_str(entry.get("timestamp"))
        if kind == "message" and isinstance(entry.get("message"), dict):
            return _message_turn(entry["message"], names, timestamp)
        if kind == "custom_message":
            text = _text(entry.get("content"))
            return Turn(role="user", text=text, timestamp=timestamp) if text else None
        if kind in ("compaction", "branch_summary"):
            summary = shared.as_str(entry.get("summary"))
            return Turn(role="user", text=summary, timestamp=timestamp) if summary else None
        return None
