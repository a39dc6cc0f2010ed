"""OpenCode session exports (``opencode export <session>``: one JSON document).

``{"info": {id, title, model, tokens, ...}, "messages": [{"info": {role, modelID, tokens,
...}, "parts": [...]}]}``. Parts are typed: ``text`` and ``reasoning`` (``text``), ``tool``
(``callID``, ``tool``, ``state: {status, input, output | error}``), ``step-start`` /
``step-finish`` (one model call; the finish carries its ``tokens``), ``file``, ``patch``,
``agent``, ``subtask``, ``compaction`` and ``snapshot``. Each step of an assistant message is
one assistant turn whose tool parts are its calls, each followed by its result. OpenCode counts
``tokens.input`` without the cache, so the cache reads and writes are added back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage, arguments_text
from evals.traces._openai_chat import content_text

_PARTS = re.compile(r'"parts"\s*:\s*\[')
_IDS = re.compile(r'"(sessionID|messageID)"\s*:\s*"')


def _usage(tokens: Any) -> Usage | None:
    if not isinstance(tokens, dict):
        return None
    cache = shared.sub_dict(tokens, "cache")
    read, write = shared.as_int(cache.get("read")), shared.as_int(cache.get("write"))
    inputs, output = shared.as_int(tokens.get("input")), shared.as_int(tokens.get("output"))
    if inputs is None and output is None:
        return None
    return shared.uncached_usage(
        inputs, shared.total(output, shared.as_int(tokens.get("reasoning"))), read, write
    )


def _stamp(info: dict[str, Any]) -> str | None:
    created = shared.as_int(shared.sub_dict(info, "time").get("created"))
    return None if created is None else str(created)


class _Step:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.calls: list[ToolCall] = []
        self.results: list[Turn] = []
        self.usage: Usage | None = None

    def tool(self, part: dict[str, Any]) -> None:
        state = shared.sub_dict(part, "state")
        call_id = str(part.get("callID") or part.get("id") or "")
        name = str(part.get("tool", ""))
        self.calls.append(ToolCall(id=call_id, name=name, arguments=arguments_text(state.get("input", {}))))
        status = state.get("status")
        if status not in ("completed", "error"):
            return
        error = status == "error"
        text = content_text(state.get("error") if error else state.get("output"))
        self.results.append(
            Turn(role="tool", text=text, tool_call_id=call_id, tool_name=name, is_error=error)
        )

    @property
    def empty(self) -> bool:
        return not (self.texts or self.calls)


def _assistant_turns(info: dict[str, Any], parts: list[Any]) -> list[Turn]:
    steps = [_Step()]
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "step-start" and not steps[-1].empty:
            steps.append(_Step())
        elif kind == "text" and shared.as_str(part.get("text")):
            steps[-1].texts.append(part["text"])
        elif kind == "tool":
            steps[-1].tool(part)
        elif kind == "step-finish":
            steps[-1].usage = _usage(part.get("tokens"))
    model = shared.as_str(info.get("modelID"))
    kept = [s for s in steps if not s.empty]
    if len(kept) == 1 and kept[0].usage is None:
        kept[0].usage = _usage(info.get("tokens"))
    turns: list[Turn] = []
    for step in kept:
        text = "\n".join(step.texts)
        turns.append(
            Turn(
                role="assistant",
                text=text,
                tool_calls=tuple(step.calls),
                usage=step.usage,
                model=model,
                timestamp=_stamp(info),
            )
        )
        turns.extend(step.results)
    return turns


def _user_turn(info: dict[str, Any], parts: list[Any]) -> Turn:
    texts = [
        str(p.get("text"))
        for p in parts
        if isinstance(p, dict) and p.get("type") == "text" and shared.as_str(p.get("text"))
    ]
    files = [
        f"[file: {p.get('filename') or p.get('url')}]"
        for p in parts
        if isinstance(p, dict) and p.get("type") == "file"
    ]
    return Turn(role="user", text="\n".join(texts + files), timestamp=_stamp(info))


class OpenCodeImporter:
    """OpenCode session exports."""

    name = "opencode"

    def sniff(self, path: Path) -> bool:
        """A JSON object with ``info`` and ``messages`` whose entries hold typed ``parts``."""
        prefix = shared.read_prefix(path)
        if shared.json_kind(prefix) != "{":
            return False
        keys = set(shared.top_keys(prefix))
        return {"info", "messages"} <= keys and bool(_PARTS.search(prefix) and _IDS.search(prefix))

    def load(self, path: Path) -> list[Trace]:
        """The one session the export holds."""
        data = shared.require_dict(path, shared.read_json(path), "document")
        session = shared.sub_dict(data, "info")
        turns: list[Turn] = []
        for i, raw in enumerate(shared.require_list(path, data.get("messages"), "messages")):
            message = shared.require_dict(path, raw, f"message {i}")
            info = shared.sub_dict(message, "info")
            parts = shared.require_list(path, message.get("parts", []), f"message {i} parts")
            if info.get("role") == "assistant":
                turns.extend(_assistant_turns(info, parts))
            else:
                turns.append(_user_turn(info, parts))
        model = shared.sub_dict(session, "model")
        model_id = shared.as_str(model.get("id")) or next((t.model for t in turns if t.model), None)
        metadata: dict[str, Any] = {
            k: session[k] for k in ("title", "directory", "version", "cost") if k in session
        }
        return [
            Trace(
                source=shared.session_source(path, 0, 1),
                format=self.name,
                turns=tuple(turns),
                model=model_id,
                session_id=shared.as_str(session.get("id")),
                metadata=metadata,
                usage=_usage(session.get("tokens")),
            )
        ]
