"""OpenAI Responses API: item conversion (shared with Codex CLI) and request logs.

A request log holds bodies ``{"model", "instructions", "input": [items], ...}`` optionally with
the ``response`` (``output`` items and ``usage``), or wrapped as ``{"request", "response"}``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Turn, Usage, arguments_text
from evals.traces._openai_chat import CHAT_ROLES, content_text, request_body
from headroom.errors import TraceFormatError

_CALLS = {"function_call", "custom_tool_call", "local_shell_call"}
_OUTPUTS = {"function_call_output", "custom_tool_call_output", "local_shell_call_output"}
ITEM_TYPES = {"message", "reasoning", "web_search_call", *_CALLS, *_OUTPUTS}
_INPUT_KEY = re.compile(r'"input"\s*:\s*[\["]')


class ItemBuilder:
    """Accumulates Responses items into turns (calls join the assistant turn they follow)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.turns: list[Turn] = []
        self.names: dict[str, str] = {}

    def add(self, item: dict[str, Any], line: int | None = None, timestamp: str | None = None) -> None:
        """Append one item; reasoning and unknown item types carry no message text and are skipped."""
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            self._message(item, line, timestamp)
        elif kind in _CALLS:
            self._call(item, timestamp)
        elif kind in _OUTPUTS:
            call_id = shared.as_str(item.get("call_id"))
            output = item.get("output")
            text = output if isinstance(output, str) else content_text(output)
            name = self.names.get(call_id or "")
            self.turns.append(
                Turn(role="tool", text=text, tool_call_id=call_id, tool_name=name, timestamp=timestamp)
            )

    def attach_usage(self, usage: Usage | None, model: str | None = None) -> None:
        """Give the latest assistant turn the usage its call reported."""
        for index in range(len(self.turns) - 1, -1, -1):
            if self.turns[index].role == "assistant":
                turn = self.turns[index]
                self.turns[index] = replace(turn, usage=usage or turn.usage, model=turn.model or model)
                return

    def _message(self, item: dict[str, Any], line: int | None, timestamp: str | None) -> None:
        role = CHAT_ROLES.get(str(item.get("role")))
        if role is None:
            raise TraceFormatError(str(self.path), f"unknown message role {item.get('role')!r}", line)
        self.turns.append(Turn(role=role, text=content_text(item.get("content")), timestamp=timestamp))

    def _call(self, item: dict[str, Any], timestamp: str | None) -> None:
        call_id = (
            shared.as_str(item.get("call_id")) or shared.as_str(item.get("id")) or f"call_{len(self.names)}"
        )
        if item.get("type") == "local_shell_call":
            name, arguments = "local_shell", arguments_text(item.get("action", {}))
        else:
            name = str(item.get("name", ""))
            arguments = arguments_text(item.get("arguments", item.get("input", "")))
        call = ToolCall(id=call_id, name=name, arguments=arguments)
        self.names[call_id] = name
        if self.turns and self.turns[-1].role == "assistant":
            last = self.turns[-1]
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
        else:
            self.turns.append(Turn(role="assistant", tool_calls=(call,), timestamp=timestamp))


class OpenAIResponsesImporter(shared.PerRequestImporter):
    """Plain OpenAI Responses request logs."""

    name = "openai-responses"

    def sniff(self, path: Path) -> bool:
        """A JSON/JSONL record with an ``input`` list (or string) of its own and no ``messages``."""
        prefix = shared.read_prefix(path)
        if not shared.json_kind(prefix) or '"messages"' in prefix:
            return False
        keys = set(shared.first_record_keys(prefix))
        if not keys & {"input", "request"} or keys & shared.AGENT_KEYS:
            return False
        return bool(_INPUT_KEY.search(prefix))

    def _turns(
        self, path: Path, line: int | None, record: dict[str, Any]
    ) -> tuple[list[Turn], dict[str, Any]]:
        body, response = request_body(record)
        builder = ItemBuilder(path)
        instructions = content_text(body.get("instructions"))
        if instructions:
            builder.turns.append(Turn(role="system", text=instructions))
        raw_input = body.get("input")
        items = [{"role": "user", "content": raw_input}] if isinstance(raw_input, str) else raw_input
        if not isinstance(items, list):
            raise TraceFormatError(str(path), "input must be a string or a JSON array", line)
        for i, item in enumerate(items):
            builder.add(shared.require_dict(path, item, f"input item {i}", line), line)
        if isinstance(response, dict) and isinstance(response.get("output"), list):
            for i, item in enumerate(response["output"]):
                builder.add(shared.require_dict(path, item, f"output item {i}", line), line)
            builder.attach_usage(
                shared.usage_from(response.get("usage")), shared.as_str(response.get("model"))
            )
        return builder.turns, body
