"""Inspect AI eval logs (the ``.json`` log format).

A log is ``{"version", "status", "eval": {task, model...}, "samples": [...]}``; each sample has
``messages`` (role system/user/assistant/tool; content a string or a list of content parts;
assistant ``tool_calls`` as ``{id, function, arguments}``; tool messages with ``tool_call_id``,
``function`` and an optional ``error``) and ``output`` with the final call's ``usage``. Long
strings may be stored once under ``attachments`` and referenced as ``attachment://<hash>``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, arguments_text
from evals.traces._openai_chat import content_text
from headroom.errors import TraceFormatError

_EVAL_KEY = re.compile(r'"eval"\s*:\s*\{')
_ATTACHMENT = "attachment://"


def _resolve(value: Any, attachments: dict[str, Any]) -> Any:
    """Replace ``attachment://`` references (anywhere in the value) by the stored text."""
    if isinstance(value, str):
        if value.startswith(_ATTACHMENT):
            stored = attachments.get(value[len(_ATTACHMENT) :])
            return stored if isinstance(stored, str) else value
        return value
    if isinstance(value, list):
        return [_resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, attachments) for k, v in value.items()}
    return value


def _parts_text(content: Any) -> str:
    if isinstance(content, list):
        content = [p for p in content if not (isinstance(p, dict) and p.get("type") == "reasoning")]
    return content_text(content)


def _tool_calls(message: dict[str, Any]) -> tuple[ToolCall, ...]:
    calls = message.get("tool_calls")
    return tuple(
        ToolCall(
            id=str(call.get("id", "")),
            name=str(call.get("function", "")),
            arguments=arguments_text(call.get("arguments", {})),
        )
        for call in (calls if isinstance(calls, list) else [])
        if isinstance(call, dict)
    )


def _turn(path: Path, message: dict[str, Any]) -> Turn:
    role = message.get("role")
    text = _parts_text(message.get("content"))
    if role == "tool":
        error = message.get("error")
        if isinstance(error, dict) and not text:
            text = str(error.get("message", ""))
        return Turn(
            role="tool",
            text=text,
            tool_call_id=shared.as_str(message.get("tool_call_id")),
            tool_name=shared.as_str(message.get("function")),
            is_error=bool(error),
        )
    if role == "assistant":
        return Turn(
            role="assistant",
            text=text,
            tool_calls=_tool_calls(message),
            model=shared.as_str(message.get("model")),
        )
    if role in ("system", "user"):
        return Turn(role=role, text=text)
    raise TraceFormatError(str(path), f"unknown message role {role!r}")


class InspectImporter:
    """Inspect AI JSON eval logs."""

    name = "inspect-ai"

    def sniff(self, path: Path) -> bool:
        """A JSON object with an ``eval`` header and ``samples`` or ``status``."""
        prefix = shared.read_prefix(path)
        return (
            shared.json_kind(prefix) == "{"
            and bool(_EVAL_KEY.search(prefix))
            and ('"samples"' in prefix or '"status"' in prefix)
        )

    def load(self, path: Path) -> list[Trace]:
        """One trace per sample (a log without samples holds no sessions)."""
        log = shared.require_dict(path, shared.read_json(path), "document")
        header = shared.sub_dict(log, "eval")
        samples = shared.require_list(path, log.get("samples", []), "samples")
        return [self._trace(path, header, raw, i, len(samples)) for i, raw in enumerate(samples)]

    def _trace(self, path: Path, header: dict[str, Any], raw: Any, index: int, count: int) -> Trace:
        sample = shared.require_dict(path, raw, f"sample {index}")
        attachments = shared.sub_dict(sample, "attachments")
        messages = shared.require_list(
            path, _resolve(sample.get("messages", []), attachments), f"sample {index} messages"
        )
        turns = [
            _turn(path, shared.require_dict(path, m, f"sample {index} message {j}"))
            for j, m in enumerate(messages)
        ]
        output = shared.sub_dict(sample, "output")
        _attach_usage(turns, shared.usage_from(output.get("usage")))
        task = shared.as_str(header.get("task")) or "sample"
        return Trace(
            source=shared.session_source(path, index, count),
            format=self.name,
            turns=tuple(turns),
            model=shared.as_str(header.get("model")),
            session_id=f"{task}/{sample.get('id')}/{sample.get('epoch', 1)}",
            metadata={"model_usage": sample.get("model_usage"), "scores": sample.get("scores"), "task": task},
        )


def _attach_usage(turns: list[Turn], usage: Any) -> None:
    # The sample's output is the last model call, so its usage belongs to the last assistant turn.
    if usage is None:
        return
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].role == "assistant":
            turns[index] = replace(turns[index], usage=usage)
            return
