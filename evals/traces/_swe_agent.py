"""SWE-agent ``.traj`` files and mini-swe-agent trajectories.

SWE-agent writes ``{"trajectory": [{action, observation, response, thought}], "history":
[{role, content, message_type, action?, tool_calls?, tool_call_ids?}], "info": {...}}``; the
history is what the model saw, so it is preferred. Without native tool calls, the parsed
``action`` is the command the agent ran and the next observation is its result.

mini-swe-agent writes ``{"messages": [{role, content}], "info": {...}}`` (or a bare array of
messages): the assistant runs the single bash block in its reply and the next user message is
the output (``<returncode>...``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import ToolCall, Trace, Turn, Usage
from evals.traces._openai_chat import chat_tool_calls, chat_turn, content_text

_TRAJECTORY = re.compile(r'"trajectory"\s*:\s*\[')
_HISTORY = re.compile(r'"history"\s*:\s*\[')
_MINI_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_BASH_BLOCK = re.compile(r"```(?:bash|mswea_bash_command)[ \t]*\n(.*?)\n```", re.DOTALL)


def _command_call(call_id: str, name: str, command: str) -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=json.dumps({"command": command}, ensure_ascii=False))


class _Pairing:
    """Turns, pairing each parsed command with the observation that follows it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.turns: list[Turn] = []
        self.names: dict[str, str] = {}
        self.pending: ToolCall | None = None

    def assistant(
        self, text: str, calls: tuple[ToolCall, ...], usage: Any = None, model: str | None = None
    ) -> None:
        for call in calls:
            self.names[call.id] = call.name
        self.pending = calls[-1] if len(calls) == 1 else None
        self.turns.append(
            Turn(role="assistant", text=text, tool_calls=calls, usage=shared.usage_from(usage), model=model)
        )

    def observation(self, text: str, call_id: str | None = None) -> None:
        call_id = call_id or (self.pending.id if self.pending else None)
        if call_id is None:
            self.turns.append(Turn(role="user", text=text))
        else:
            self.turns.append(
                Turn(role="tool", text=text, tool_call_id=call_id, tool_name=self.names.get(call_id))
            )
        self.pending = None

    def other(self, message: dict[str, Any], line: int | None = None) -> None:
        self.turns.append(chat_turn(self.path, message, self.names, line))
        self.pending = None


class SWEAgentImporter:
    """SWE-agent trajectories."""

    name = "swe-agent"

    def sniff(self, path: Path) -> bool:
        """A JSON object with a ``trajectory`` array or a ``history`` of typed messages."""
        prefix = shared.read_prefix(path)
        if shared.json_kind(prefix) != "{":
            return False
        return bool(_TRAJECTORY.search(prefix)) or bool(
            _HISTORY.search(prefix) and '"message_type"' in prefix
        )

    def load(self, path: Path) -> list[Trace]:
        """The one session the file records."""
        data = shared.require_dict(path, shared.read_json(path), "document")
        history = data.get("history")
        pairing = _Pairing(path)
        if isinstance(history, list) and history:
            for i, raw in enumerate(history):
                self._history_entry(pairing, shared.require_dict(path, raw, f"history entry {i}"), i)
        else:
            for i, raw in enumerate(shared.require_list(path, data.get("trajectory"), "trajectory")):
                step = shared.require_dict(path, raw, f"trajectory step {i}")
                text = str(step.get("response") or step.get("thought") or "")
                pairing.assistant(text, _action_calls(step, i))
                pairing.observation(content_text(step.get("observation")))
        info = shared.sub_dict(data, "info")
        return [
            Trace(
                source=str(path),
                format=self.name,
                turns=tuple(pairing.turns),
                metadata={"info": info},
                usage=_stats_usage(shared.sub_dict(info, "model_stats")),
            )
        ]

    def _history_entry(self, pairing: _Pairing, entry: dict[str, Any], index: int) -> None:
        role = entry.get("role")
        text = content_text(entry.get("content"))
        ids = entry.get("tool_call_ids")
        first_id = ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else None
        if role == "assistant":
            pairing.assistant(text, chat_tool_calls(entry) or _action_calls(entry, index))
        elif role == "tool" or (
            # Older trajectories write no message_type: a user message after a command is its output.
            role == "user" and entry.get("message_type") in ("observation", None) and pairing.pending
        ):
            pairing.observation(text, first_id)
        else:
            pairing.other(entry)


def _stats_usage(stats: dict[str, Any]) -> Usage | None:
    """SWE-agent's run totals (``tokens_sent``/``tokens_received``), when it kept them."""
    sent, received = shared.as_int(stats.get("tokens_sent")), shared.as_int(stats.get("tokens_received"))
    if sent is None and received is None:
        return None
    return Usage(input_tokens=sent, output_tokens=received)


def _action_calls(entry: dict[str, Any], index: int) -> tuple[ToolCall, ...]:
    action = entry.get("action")
    if not isinstance(action, str) or not action.strip():
        return ()
    name = action.strip().split(maxsplit=1)[0]
    return (_command_call(f"action_{index}", name, action.strip()),)


class MiniSWEAgentImporter:
    """mini-swe-agent trajectories."""

    name = "mini-swe-agent"

    def sniff(self, path: Path) -> bool:
        """Chat messages with mini-swe-agent's command blocks or ``<returncode>`` outputs."""
        prefix = shared.read_prefix(path)
        return bool(
            shared.json_kind(prefix) and '"role"' in prefix and shared.MINI_SWE_MARKERS.search(prefix)
        )

    def load(self, path: Path) -> list[Trace]:
        """The one session the file records."""
        data = shared.read_json(path)
        info: dict[str, Any] = {}
        if isinstance(data, dict):
            info = shared.sub_dict(data, "info")
            data = data.get("messages")
        pairing = _Pairing(path)
        warnings: list[str] = []
        for i, raw in enumerate(shared.require_list(path, data, "messages")):
            message = shared.require_dict(path, raw, f"message {i}")
            if message.get("role") == "exit":
                # mini-swe-agent 2 ends the run with an ``exit`` message: why it stopped, not a turn.
                info = {
                    **info,
                    "exit": shared.sub_dict(message, "extra") or {"content": message.get("content")},
                }
            elif message.get("role") not in _MINI_ROLES:
                warnings.append(f"{path}: message {i}: skipped a message with role {message.get('role')!r}")
            else:
                self._message(pairing, message, i)
        config = shared.sub_dict(info, "config")
        model_config = shared.sub_dict(config, "model")
        model = shared.as_str(model_config.get("model_name"))
        return [
            Trace(
                source=str(path),
                format=self.name,
                turns=tuple(pairing.turns),
                model=model,
                metadata={"info": info},
                usage=_stats_usage(shared.sub_dict(info, "model_stats")),
                warnings=tuple(warnings),
            )
        ]

    def _message(self, pairing: _Pairing, message: dict[str, Any], index: int) -> None:
        role = message.get("role")
        text = content_text(message.get("content"))
        if role == "assistant":
            calls = chat_tool_calls(message)
            if not calls:
                blocks = _BASH_BLOCK.findall(text)
                calls = (_command_call(f"bash_{index}", "bash", blocks[0]),) if len(blocks) == 1 else ()
            extra = shared.sub_dict(message, "extra")
            response = shared.sub_dict(extra, "response")
            pairing.assistant(text, calls, response.get("usage"), shared.as_str(response.get("model")))
        elif role == "user" and pairing.pending is not None:
            pairing.observation(text)
        else:
            pairing.other(message)
