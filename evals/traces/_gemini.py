"""Gemini CLI headless ``--output-format stream-json`` transcripts.

One JSON object per line, each with a ``type``: ``init`` (``session_id``, ``model``) opens a run;
``message`` carries ``role`` user/assistant and ``content`` (assistant replies stream as many
``delta: true`` chunks that join into one turn); ``tool_use`` (``tool_name``, ``tool_id``,
``parameters``) and ``tool_result`` (``tool_id``, ``status``, ``output``, ``error``) are the
agent's calls; ``result`` closes the run with its ``status`` and session ``stats`` (token totals).
A file that holds several runs (a harness that resumed) becomes one trace per ``init``; lines
before the first ``init`` (the prompt a harness logged) belong to the first run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces._model import Role, ToolCall, Trace, Turn, Usage, arguments_text
from evals.traces._openai_chat import content_text
from evals.traces._registry import as_int, as_str, head_records, iter_jsonl, read_prefix, session_source
from headroom.errors import TraceFormatError

_TYPES = {"init", "message", "tool_use", "tool_result", "result", "error"}
_SNIFF_RECORDS = 20


class _Run:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.names: dict[str, str] = {}
        self.session_id: str | None = None
        self.model: str | None = None
        self.usage: Usage | None = None
        self.metadata: dict[str, Any] = {}
        self.started = False

    def message(self, record: dict[str, Any], timestamp: str | None) -> None:
        text = content_text(record.get("content"))
        last = self.turns[-1] if self.turns else None
        if record.get("role") == "assistant":
            if last is not None and last.role == "assistant" and not last.tool_calls:
                self.turns[-1] = replace(last, text=last.text + text)
                return
            self.turns.append(Turn(role="assistant", text=text, model=self.model, timestamp=timestamp))
            return
        role: Role = "system" if record.get("role") == "system" else "user"
        self.turns.append(Turn(role=role, text=text, timestamp=timestamp))

    def tool_use(self, record: dict[str, Any], timestamp: str | None) -> None:
        call_id = as_str(record.get("tool_id")) or f"tool_{len(self.names)}"
        name = str(record.get("tool_name", ""))
        call = ToolCall(id=call_id, name=name, arguments=arguments_text(record.get("parameters", {})))
        self.names[call_id] = name
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant":
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
        else:
            self.turns.append(
                Turn(role="assistant", tool_calls=(call,), model=self.model, timestamp=timestamp)
            )

    def tool_result(self, record: dict[str, Any], timestamp: str | None) -> None:
        call_id = as_str(record.get("tool_id"))
        error = record.get("error")
        text = content_text(record.get("output"))
        if not text and isinstance(error, dict):
            text = str(error.get("message", ""))
        self.turns.append(
            Turn(
                role="tool",
                text=text,
                tool_call_id=call_id,
                tool_name=self.names.get(call_id or ""),
                is_error=record.get("status") == "error",
                timestamp=timestamp,
            )
        )

    def result(self, record: dict[str, Any]) -> None:
        stats = record.get("stats")
        stats = stats if isinstance(stats, dict) else {}
        cached = as_int(stats.get("cached"))
        self.usage = Usage(
            input_tokens=as_int(stats.get("input_tokens")),
            cache_read_tokens=cached,
            output_tokens=as_int(stats.get("output_tokens")),
        )
        self.metadata["status"] = record.get("status")
        if isinstance(record.get("error"), dict):
            self.metadata["error"] = record["error"].get("message")


class GeminiCLIImporter:
    """Gemini CLI stream-json output."""

    name = "gemini-cli"

    def sniff(self, path: Path) -> bool:
        """JSONL of typed events, among them an ``init`` with a ``session_id`` or ``tool_use`` with ``tool_id``."""
        records = head_records(read_prefix(path), limit=_SNIFF_RECORDS)
        if not records or not all(r.get("type") in _TYPES for r in records):
            return False
        return any(
            (r["type"] == "init" and "session_id" in r) or (r["type"] == "tool_use" and "tool_id" in r)
            for r in records
        )

    def load(self, path: Path) -> list[Trace]:
        """One trace per run (``init``), with the runs' warnings on each."""
        warnings: list[str] = []
        runs = [_Run()]
        for _, record in iter_jsonl(path, warnings):
            self._dispatch(runs, record)
        kept = [r for r in runs if r.turns]
        if not kept:
            raise TraceFormatError(str(path), "no Gemini CLI messages or tool calls found", 1)
        return [self._trace(path, run, i, len(kept), warnings) for i, run in enumerate(kept)]

    def _dispatch(self, runs: list[_Run], record: dict[str, Any]) -> None:
        kind, timestamp = record.get("type"), as_str(record.get("timestamp"))
        run = runs[-1]
        if kind == "init":
            if run.started:
                run = _Run()
                runs.append(run)
            run.started = True
            run.session_id = as_str(record.get("session_id"))
            run.model = as_str(record.get("model"))
        elif kind == "message":
            run.message(record, timestamp)
        elif kind == "tool_use":
            run.tool_use(record, timestamp)
        elif kind == "tool_result":
            run.tool_result(record, timestamp)
        elif kind == "result":
            run.result(record)

    def _trace(self, path: Path, run: _Run, index: int, count: int, warnings: list[str]) -> Trace:
        return Trace(
            source=session_source(path, index, count),
            format=self.name,
            turns=tuple(run.turns),
            model=run.model,
            session_id=run.session_id,
            metadata=run.metadata,
            usage=run.usage,
            warnings=tuple(warnings),
        )
