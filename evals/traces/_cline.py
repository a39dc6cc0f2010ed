"""Cline task ``ui_messages.json`` (the VS Code extension's per-task message log).

A JSON array of ``{"ts", "type": "say"|"ask", "say"|"ask": <kind>, "text", ...}``. The task and
later user replies are ``say: task``/``user_feedback`` (or the first ``say: text``, which
carries ``images``/``files``); ``say: api_req_started`` opens one model call (its ``text`` is
JSON with ``tokensIn``, ``tokensOut``, ``cacheReads``, ``cacheWrites``); ``say: text``,
``completion_result`` and the ``ask: followup`` / ``plan_mode_respond`` questions are the
assistant's words; tools are ``say``/``ask`` ``tool`` (JSON ``{"tool", "path", "content"}``:
the content is the result of a listing or search, the edit of an edit, the path of a read),
``command`` answered by ``command_output`` chunks, ``use_mcp_server`` answered by
``mcp_server_response``, and ``browser_action`` answered by ``browser_action_result``.
Checkpoints, progress lists, reasoning, retries and approval prompts are bookkeeping.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage, arguments_text

_KIND = re.compile(r'"type"\s*:\s*"(say|ask)"')
_USER = {"task", "user_feedback"}
_SPOKEN = {"text", "completion_result"}
_QUESTIONS = {"followup": "question", "plan_mode_respond": "response"}
_LISTINGS = {"listFilesTopLevel", "listFilesRecursive", "listCodeDefinitionNames", "searchFiles", "webFetch"}
_RESULTS = {"command_output": "execute_command", "mcp_server_response": "use_mcp_tool"}


def _json(text: Any) -> dict[str, Any]:
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _usage(info: dict[str, Any]) -> Usage | None:
    read, write = shared.as_int(info.get("cacheReads")), shared.as_int(info.get("cacheWrites"))
    return shared.uncached_usage(
        shared.as_int(info.get("tokensIn")), shared.as_int(info.get("tokensOut")), read, write
    )


class _Log:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.pending: ToolCall | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        self.calls = 0

    def user(self, text: str, stamp: str | None) -> None:
        self.turns.append(Turn(role="user", text=text, timestamp=stamp))
        self.pending = None

    def say(self, text: str, stamp: str | None) -> None:
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant" and not last.tool_calls and self.usage is None:
            self.turns[-1] = replace(last, text="\n".join(t for t in (last.text, text) if t))
            return
        self.turns.append(
            Turn(role="assistant", text=text, usage=self.usage, model=self.model, timestamp=stamp)
        )
        self.usage = None

    def call(self, name: str, arguments: Any, stamp: str | None, result: str | None = None) -> None:
        call = ToolCall(id=f"cline_{self.calls}", name=name, arguments=arguments_text(arguments))
        self.calls += 1
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant" and self.usage is None:
            self.turns[-1] = replace(last, tool_calls=(*last.tool_calls, call))
        else:
            self.turns.append(
                Turn(
                    role="assistant", tool_calls=(call,), usage=self.usage, model=self.model, timestamp=stamp
                )
            )
            self.usage = None
        self.pending = call
        if result is not None:
            self.result(result, stamp)

    def result(self, text: str, stamp: str | None, chunk: bool = False, error: bool = False) -> None:
        last = self.turns[-1] if self.turns else None
        if chunk and last is not None and last.role == "tool" and self.pending is None:
            self.turns[-1] = replace(last, text=last.text + text)
            return
        call = self.pending
        self.turns.append(
            Turn(
                role="tool",
                text=text,
                tool_call_id=call.id if call else None,
                tool_name=call.name if call else "cline",
                is_error=error,
                timestamp=stamp,
            )
        )
        self.pending = None


def _feed(log: _Log, message: dict[str, Any], first: bool) -> None:
    kind = message.get("say") if message.get("type") == "say" else message.get("ask")
    text = str(message.get("text") or "")
    stamp = None if message.get("ts") is None else str(message.get("ts"))
    info = message.get("modelInfo")
    if isinstance(info, dict):
        log.model = shared.as_str(info.get("modelId")) or log.model
    if kind in _USER or (kind == "text" and message.get("type") == "say" and (first or "images" in message)):
        log.user(text, stamp)
    elif kind == "api_req_started":
        log.usage = _usage(_json(text))
        log.pending = None
    elif kind in _SPOKEN and text:
        log.say(text, stamp)
    elif kind in _QUESTIONS and message.get("type") == "ask":
        log.say(str(_json(text).get(_QUESTIONS[kind]) or text), stamp)
    elif kind == "tool":
        _tool(log, _json(text), stamp)
    elif kind == "command":
        log.call("execute_command", {"command": text}, stamp)
    elif kind == "use_mcp_server":
        log.call("use_mcp_tool", _json(text) or text, stamp)
    elif kind == "browser_action":
        log.call("browser_action", _json(text) or text, stamp)
    elif kind in _RESULTS or kind == "browser_action_result":
        log.result(text, stamp, chunk=kind == "command_output")
    elif kind == "error" and log.pending is not None:
        log.result(text, stamp, error=True)


def _tool(log: _Log, tool: dict[str, Any], stamp: str | None) -> None:
    # Listings and searches show what the tool returned; an edit shows the edit (the call's
    # input); a read shows only the path (what was read is not in this log).
    name = str(tool.get("tool", "tool"))
    content = tool.get("content")
    if name in _LISTINGS and isinstance(content, str):
        del tool["content"]
        log.call(name, tool, stamp, content)
        return
    if content == tool.get("path") or not content:
        tool.pop("content", None)
    log.call(name, tool, stamp)


class ClineImporter:
    """Cline (and its forks') ``ui_messages.json`` task logs."""

    name = "cline"

    def sniff(self, path: Path) -> bool:
        """A JSON array whose first object carries ``ts`` and ``type`` say/ask with that kind."""
        prefix = shared.read_prefix(path)
        if shared.json_kind(prefix) != "[":
            return False
        head = prefix.lstrip("\ufeff \t\r\n")[1:].lstrip()
        try:
            first, _ = json.JSONDecoder().raw_decode(head)
        except ValueError:
            # The first message is longer than the prefix: its leading keys still tell.
            keys = shared.top_keys(head)
            match = _KIND.search(head[:512])
            return {"ts", "type"} <= set(keys) and match is not None and match.group(1) in keys
        if not isinstance(first, dict):
            return False
        kind = first.get("type")
        return "ts" in first and kind in ("say", "ask") and isinstance(first.get(kind), str)

    def load(self, path: Path) -> list[Trace]:
        """The one task the log records."""
        messages = shared.require_list(path, shared.read_json(path), "document")
        log = _Log()
        for i, raw in enumerate(messages):
            message = shared.require_dict(path, raw, f"message {i}")
            if message.get("partial") is True:
                continue
            _feed(log, message, first=not log.turns)
        first = (
            shared.sub_dict(messages[0], "modelInfo") if messages and isinstance(messages[0], dict) else {}
        )
        return [
            Trace(
                source=shared.session_source(path, 0, 1),
                format=self.name,
                turns=tuple(log.turns),
                model=log.model or shared.as_str(first.get("modelId")),
            )
        ]
