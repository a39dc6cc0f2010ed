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

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage, arguments_text
from evals.traces._openai_chat import content_text

_EVENT = re.compile(r'"source"\s*:\s*"(agent|user|environment)"')
_KIND = re.compile(r'"(action|observation)"\s*:\s*"')
_SKIPPED_OBSERVATIONS = {"null", "agent_state_changed", "agent_condensation", "recall"}
_SKIPPED_ACTIONS = {"change_agent_state", "recall", "condensation"}
_EVENT_KEYS = {
    "id",
    "timestamp",
    "source",
    "action",
    "message",
    "cause",
    "hidden",
    "is_input",
    "blocking",
    "confirmation_state",
    "security_risk",
    "impl_source",
    "llm_metrics",
    "tool_call_metadata",
}
_RESOLVER_KEYS = {"issue", "issue_type", "instruction"}


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
        self.pending: ToolCall | None = None

    def action(self, event: dict[str, Any]) -> None:
        kind, source = event.get("action"), event.get("source")
        if kind in _SKIPPED_ACTIONS or source == "environment":
            return
        timestamp = shared.as_str(event.get("timestamp"))
        metadata = event.get("tool_call_metadata")
        if isinstance(metadata, dict) and source == "agent":
            self._tool_action(event, metadata, timestamp)
            return
        args = shared.sub_dict(event, "args")
        text = str(args.get("content") or event.get("message") or event.get("content") or "")
        self.pending = None
        if kind == "system":
            self.turns.append(Turn(role="system", text=text, timestamp=timestamp))
        elif kind == "message" or source == "user":
            # Resolver records drop ``source``: the opening message is the task the user gave.
            user = source == "user" or (source is None and not any(t.role == "assistant" for t in self.turns))
            self.turns.append(Turn(role="user" if user else "assistant", text=text, timestamp=timestamp))
        else:
            self._plain_action(event, str(kind), timestamp)
        self.response_id = None

    def _plain_action(self, event: dict[str, Any], kind: str, timestamp: str | None) -> None:
        # An action recorded without tool-call metadata (older runs, resolver output) is still a call.
        args = _args(event) or {k: v for k, v in event.items() if k not in _EVENT_KEYS}
        thought = str(args.pop("thought", "") or "")
        call = ToolCall(id=f"{kind}_{len(self.turns)}", name=kind, arguments=arguments_text(args))
        self.turns.append(Turn(role="assistant", text=thought, tool_calls=(call,), timestamp=timestamp))
        self.pending = call

    def _tool_action(self, event: dict[str, Any], metadata: dict[str, Any], timestamp: str | None) -> None:
        self.pending = None
        call_id = str(metadata.get("tool_call_id", ""))
        name = str(metadata.get("function_name", event.get("action", "")))
        response = shared.sub_dict(metadata, "model_response")
        message = _response_message(response)
        call = ToolCall(id=call_id, name=name, arguments=_arguments(message, call_id, event))
        response_id = shared.as_str(response.get("id"))
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant" and response_id and response_id == self.response_id:
            # One LLM response with several tool calls becomes several consecutive actions.
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
            return
        model = shared.as_str(response.get("model"))
        self.model = self.model or model
        text = content_text(message.get("content")) or str(_args(event).get("thought") or "")
        usage = shared.usage_from(response.get("usage"))
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
        timestamp = shared.as_str(event.get("timestamp"))
        if isinstance(metadata, dict):
            turn = Turn(
                role="tool",
                text=text,
                tool_call_id=shared.as_str(metadata.get("tool_call_id")),
                tool_name=shared.as_str(metadata.get("function_name")),
                is_error=is_error,
                timestamp=timestamp,
            )
        elif self.pending is not None:
            name = self.pending.name
            turn = Turn(
                role="tool",
                text=text,
                tool_call_id=self.pending.id,
                tool_name=name,
                is_error=is_error,
                timestamp=timestamp,
            )
        else:
            turn = Turn(role="user", text=text, is_error=is_error, timestamp=timestamp)
        self.pending = None
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


def _metrics_usage(metrics: dict[str, Any]) -> Usage | None:
    """The run's accumulated token usage (OpenHands counts cached input inside prompt tokens)."""
    raw = shared.sub_dict(metrics, "accumulated_token_usage")
    inputs, output = shared.as_int(raw.get("prompt_tokens")), shared.as_int(raw.get("completion_tokens"))
    if inputs is None and output is None:
        return None
    return Usage(
        input_tokens=inputs,
        cache_read_tokens=shared.as_int(raw.get("cache_read_tokens")),
        cache_write_tokens=shared.as_int(raw.get("cache_write_tokens")),
        output_tokens=output,
    )


def _metrics_model(metrics: dict[str, Any]) -> str | None:
    for key in ("costs", "token_usages", "response_latencies"):
        entries = metrics.get(key)
        for entry in entries if isinstance(entries, list) else []:
            model = shared.as_str(entry.get("model")) if isinstance(entry, dict) else None
            if model and model != "default":
                return model
    return None


class OpenHandsImporter:
    """OpenHands trajectories and evaluation outputs."""

    name = "openhands"

    def sniff(self, path: Path) -> bool:
        """Events tagged with an OpenHands ``source`` and an ``action``/``observation`` kind.

        Resolver output (``{"issue", "issue_type", "instruction", ..., "history"}``) stores its
        events without ``source`` and may put ``history`` past the prefix; its keys tell.
        """
        prefix = shared.read_prefix(path)
        kind = shared.json_kind(prefix)
        if not kind:
            return False
        if _EVENT.search(prefix) and _KIND.search(prefix):
            return True
        keys = set(shared.top_keys(prefix)) if kind == "{" else set()
        if "trajectory" in keys or "messages" in keys:
            return False
        # Resolver and evaluation records: events without ``source``, ``history`` after long fields.
        return ("history" in keys and bool(_KIND.search(prefix))) or keys >= _RESOLVER_KEYS

    def load(self, path: Path) -> list[Trace]:
        """One trace per trajectory (per line of an ``output.jsonl``)."""
        records: list[tuple[int | None, Any]]
        warnings: list[str] = []
        if shared.json_kind(shared.read_prefix(path, 4096)) == "[":
            records = [(None, {"history": shared.read_json(path)})]
        else:
            records = list(shared.records_of(path, warnings))
        return [
            self._trace(path, line, record, i, len(records), warnings)
            for i, (line, record) in enumerate(records)
        ]

    def _trace(
        self, path: Path, line: int | None, record: Any, index: int, count: int, warnings: list[str]
    ) -> Trace:
        record = shared.require_dict(path, record, "record", line)
        events = record.get("history", record.get("events"))
        stream = _Stream()
        for i, raw in enumerate(_flatten(shared.require_list(path, events, "history", line))):
            event = shared.require_dict(path, raw, f"event {i}", line)
            if "action" in event:
                stream.action(event)
            elif "observation" in event:
                stream.observation(event)
        keys = ("instance_id", "test_result", "error", "success", "issue_type", "result_explanation")
        metadata = {k: record[k] for k in keys if k in record}
        issue = shared.sub_dict(record, "issue")
        if issue:
            metadata["issue"] = {k: issue.get(k) for k in ("owner", "repo", "number", "title")}
        config = shared.sub_dict(record, "metadata")
        llm = shared.sub_dict(config, "llm_config")
        metrics = shared.sub_dict(record, "metrics")
        session_id = shared.as_str(record.get("instance_id"))
        if session_id is None and issue:
            session_id = f"{issue.get('owner')}/{issue.get('repo')}#{issue.get('number')}"
        return Trace(
            source=shared.session_source(path, index, count),
            format=self.name,
            turns=tuple(stream.turns),
            model=stream.model or shared.as_str(llm.get("model")) or _metrics_model(metrics),
            session_id=session_id,
            metadata=metadata,
            usage=_metrics_usage(metrics),
            warnings=tuple(warnings),
        )
