"""OpenHands event streams: saved trajectories and evaluation ``output.jsonl``.

A trajectory is a JSON array of events (or ``{"events"|"history": [...]}``). Each event has
``source`` (user/agent/environment) and either ``action`` or ``observation``. Agent actions
made through a tool carry ``tool_call_metadata`` (function name, tool call id and the LLM
``model_response`` with its usage); observations answering them carry the same id. Evaluation
``output.jsonl`` lines hold one instance each with its events under ``history`` (older runs
store ``[action, observation]`` pairs there).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces._model import ToolCall, Trace, Turn, arguments_text
from evals.traces._openai_chat import content_text
from evals.traces._registry import (
    as_str,
    json_kind,
    read_json,
    read_prefix,
    records_of,
    require_dict,
    require_list,
    session_source,
    sub_dict,
    usage_from,
)

_EVENT = re.compile(r'"source"\s*:\s*"(agent|user|environment)"')
_KIND = re.compile(r'"(action|observation)"\s*:\s*"')
_SKIPPED_OBSERVATIONS = {"null", "agent_state_changed", "agent_condensation", "recall"}
_SKIPPED_ACTIONS = {"change_agent_state", "recall", "condensation"}


def _flatten(history: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for entry in history:
        flat.extend(entry if isinstance(entry, list) else [entry])
    return flat


class _Stream:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.response_id: str | None = None
        self.model: str | None = None

    def action(self, event: dict[str, Any]) -> None:
        kind, source = event.get("action"), event.get("source")
        if kind in _SKIPPED_ACTIONS or source == "environment":
            return
        timestamp = as_str(event.get("timestamp"))
        metadata = event.get("tool_call_metadata")
        if isinstance(metadata, dict) and source == "agent":
            self._tool_action(event, metadata, timestamp)
            return
        args = sub_dict(event, "args")
        text = str(args.get("content") or event.get("message") or "")
        if kind == "system":
            self.turns.append(Turn(role="system", text=text, timestamp=timestamp))
        else:
            self.turns.append(
                Turn(role="user" if source == "user" else "assistant", text=text, timestamp=timestamp)
            )
        self.response_id = None

    def _tool_action(self, event: dict[str, Any], metadata: dict[str, Any], timestamp: str | None) -> None:
        call_id = str(metadata.get("tool_call_id", ""))
        name = str(metadata.get("function_name", event.get("action", "")))
        response = sub_dict(metadata, "model_response")
        message = _response_message(response)
        call = ToolCall(id=call_id, name=name, arguments=_arguments(message, call_id, event))
        response_id = as_str(response.get("id"))
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant" and response_id and response_id == self.response_id:
            # One LLM response with several tool calls becomes several consecutive actions.
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
            return
        model = as_str(response.get("model"))
        self.model = self.model or model
        text = content_text(message.get("content")) or str(_args(event).get("thought") or "")
        usage = usage_from(response.get("usage"))
        self.turns.append(
            Turn(
                role="assistant", text=text, tool_calls=(call,), usage=usage, model=model, timestamp=timestamp
            )
        )
        self.response_id = response_id

    def observation(self, event: dict[str, Any]) -> None:
        if event.get("observation") in _SKIPPED_OBSERVATIONS:
            return
        metadata = event.get("tool_call_metadata")
        content = event.get("content")
        text = content if isinstance(content, str) and content else str(event.get("message") or "")
        is_error = event.get("observation") == "error" or event.get("success") is False
        timestamp = as_str(event.get("timestamp"))
        if isinstance(metadata, dict):
            turn = Turn(
                role="tool",
                text=text,
                tool_call_id=as_str(metadata.get("tool_call_id")),
                tool_name=as_str(metadata.get("function_name")),
                is_error=is_error,
                timestamp=timestamp,
            )
        else:
            turn = Turn(role="user", text=text, is_error=is_error, timestamp=timestamp)
        self.turns.append(turn)


def _args(event: dict[str, Any]) -> dict[str, Any]:
    args = event.get("args")
    return args if isinstance(args, dict) else {}


def _response_message(response: dict[str, Any]) -> dict[str, Any]:
    choices = response.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict):
            return message
    return {}


def _arguments(message: dict[str, Any], call_id: str, event: dict[str, Any]) -> str:
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict) and call.get("id") == call_id and isinstance(call.get("function"), dict):
            return arguments_text(call["function"].get("arguments", ""))
    args = {k: v for k, v in _args(event).items() if k not in ("thought", "impl_source")}
    return arguments_text(args)


class OpenHandsImporter:
    """OpenHands trajectories and evaluation outputs."""

    name = "openhands"

    def sniff(self, path: Path) -> bool:
        """Events tagged with an OpenHands ``source`` and an ``action``/``observation`` kind."""
        prefix = read_prefix(path)
        return bool(json_kind(prefix) and _EVENT.search(prefix) and _KIND.search(prefix))

    def load(self, path: Path) -> list[Trace]:
        """One trace per trajectory (per line of an ``output.jsonl``)."""
        records: list[tuple[int | None, Any]]
        if json_kind(read_prefix(path, 4096)) == "[":
            records = [(None, {"history": read_json(path)})]
        else:
            records = list(records_of(path))
        return [self._trace(path, line, record, i, len(records)) for i, (line, record) in enumerate(records)]

    def _trace(self, path: Path, line: int | None, record: Any, index: int, count: int) -> Trace:
        record = require_dict(path, record, "record", line)
        events = record.get("history", record.get("events"))
        stream = _Stream()
        for i, raw in enumerate(_flatten(require_list(path, events, "history", line))):
            event = require_dict(path, raw, f"event {i}", line)
            if "action" in event:
                stream.action(event)
            elif "observation" in event:
                stream.observation(event)
        metadata = {k: record[k] for k in ("instance_id", "test_result", "error") if k in record}
        config = sub_dict(record, "metadata")
        llm = sub_dict(config, "llm_config")
        return Trace(
            source=session_source(path, index, count),
            format=self.name,
            turns=tuple(stream.turns),
            model=stream.model or as_str(llm.get("model")),
            session_id=as_str(record.get("instance_id")),
            metadata=metadata,
        )
