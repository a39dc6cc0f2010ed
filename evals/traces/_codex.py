"""Codex CLI rollout JSONL (``~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl``).

Current files wrap every line as ``{"timestamp", "type", "payload"}``: ``session_meta`` (id,
cwd, cli version), ``turn_context`` (the model), ``response_item`` (a Responses API item:
message, function_call, function_call_output, reasoning...) and ``event_msg`` (UI events; the
``token_count`` ones carry the usage of the last model call). Older files start with a bare
``{"id", "timestamp", "instructions"}`` line followed by bare Responses items.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces._model import Trace
from evals.traces._registry import as_str, head_records, iter_jsonl, read_prefix, session_source, usage_from
from evals.traces._responses import ITEM_TYPES, ItemBuilder

_WRAPPED = {"session_meta", "response_item", "event_msg", "turn_context", "compacted"}


def _is_wrapped(record: dict[str, Any]) -> bool:
    return record.get("type") in _WRAPPED and isinstance(record.get("payload"), dict)


def _is_legacy_meta(record: dict[str, Any]) -> bool:
    return "type" not in record and "id" in record and "timestamp" in record and "instructions" in record


def _is_bare_item(record: dict[str, Any]) -> bool:
    # A Responses item: messages carry content parts (a list), never a plain string with a
    # timestamp beside it (Gemini CLI's stream-json ``message`` events look like that).
    kind = record.get("type")
    if kind not in ITEM_TYPES:
        return False
    return kind != "message" or isinstance(record.get("content"), list)


class _Rollout:
    def __init__(self, path: Path) -> None:
        self.builder = ItemBuilder(path)
        self.session_id: str | None = None
        self.model: str | None = None
        self.metadata: dict[str, Any] = {}

    def meta(self, payload: dict[str, Any]) -> None:
        self.session_id = self.session_id or as_str(payload.get("id"))
        for key in ("cwd", "cli_version", "originator", "model_provider"):
            if key in payload:
                self.metadata[key] = payload[key]
        instructions = as_str(payload.get("instructions"))
        if instructions and not self.builder.turns:
            self.builder.add({"type": "message", "role": "system", "content": instructions})

    def item(self, payload: dict[str, Any], line: int, timestamp: str | None) -> None:
        self.builder.add(payload, line, timestamp)
        turns = self.builder.turns
        if turns and turns[-1].role == "assistant" and turns[-1].model is None and self.model:
            turns[-1] = replace(turns[-1], model=self.model)

    def event(self, payload: dict[str, Any]) -> None:
        info = payload.get("info")
        if payload.get("type") == "token_count" and isinstance(info, dict):
            self.builder.attach_usage(usage_from(info.get("last_token_usage")))


class CodexImporter:
    """Codex CLI session rollouts."""

    name = "codex"

    def sniff(self, path: Path) -> bool:
        """JSONL starting with a wrapped rollout line, or the legacy session header."""
        records = head_records(read_prefix(path), 2)
        if not records:
            return False
        first = records[0]
        if _is_wrapped(first) or _is_legacy_meta(first):
            return True
        return "payload" not in first and "input" not in first and _is_bare_item(first)

    def load(self, path: Path) -> list[Trace]:
        """The session the rollout records."""
        rollout = _Rollout(path)
        warnings: list[str] = []
        for line, record in iter_jsonl(path, warnings):
            self._dispatch(rollout, line, record)
        trace = Trace(
            source=session_source(path, 0, 1),
            format=self.name,
            turns=tuple(rollout.builder.turns),
            model=rollout.model,
            session_id=rollout.session_id,
            metadata=rollout.metadata,
            warnings=tuple(warnings),
        )
        return [trace]

    def _dispatch(self, rollout: _Rollout, line: int, record: dict[str, Any]) -> None:
        if not _is_wrapped(record):
            if _is_legacy_meta(record):
                rollout.meta(record)
            elif record.get("type") in ITEM_TYPES:
                rollout.item(record, line, None)
            return
        kind, payload, timestamp = record["type"], record["payload"], as_str(record.get("timestamp"))
        if kind == "session_meta":
            rollout.meta(payload.get("meta", payload) if isinstance(payload.get("meta"), dict) else payload)
        elif kind == "turn_context":
            rollout.model = as_str(payload.get("model")) or rollout.model
        elif kind == "response_item":
            rollout.item(payload, line, timestamp)
        elif kind == "event_msg":
            rollout.event(payload)
