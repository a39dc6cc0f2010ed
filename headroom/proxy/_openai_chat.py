"""OpenAI Chat Completions: the retrieval splice over ``chat.completion.chunk`` streams and JSON bodies.

Hidden calls are the ``delta.tool_calls`` entries whose first fragment names
``headroom_retrieve``; the rest keep contiguous indices. The chunk carrying ``finish_reason``,
any usage-only chunk and ``[DONE]`` are held to the end of the turn; continuation chunks take
round 1's ``id`` and ``created`` and lose their leading role-only chunk. No usage chunk is
ever added that the client did not ask for.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.proxy._retrieval import Answer, Call
from headroom.proxy._splice import Overflow, as_dict, as_list, sum_usage, summed
from headroom.proxy._sse import Frame, render

# A chunk holding any of these is read now: tool calls, a finish, usage, an error.
_TELLS = (b'"tool_calls"', b'"usage":{', b'"error"', b'"choices":[]', b"[DONE]")
_MAX_DEFERRED = 100_000


def _function(call: Any) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    return function if isinstance(function, dict) else {}


def _tool_messages(answers: list[Answer]) -> list[dict[str, Any]]:
    return [{"role": "tool", "tool_call_id": a.call.id, "content": a.text} for a in answers]


class ChatStream:
    """The splice for a streamed ``/v1/chat/completions`` turn."""

    def __init__(self, max_withheld: int) -> None:
        self._max_withheld = max_withheld
        self._round = 0
        self._ident: dict[str, Any] = {}
        self._next_index = 0
        self._usage: dict[str, Any] = {}
        self._history: list[dict[str, Any]] = []
        self._spliced = False
        self._held: list[tuple[bytes, dict[str, Any]]] = []
        self._done: bytes | None = None
        self._new_round()

    def _new_round(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}
        self._index: dict[int, int | None] = {}
        self._text_so_far = ""
        self._deferred: list[Frame] = []
        self._finish: Any = None
        self._errored = False
        self._withheld = 0

    def feed(self, frame: Frame) -> list[bytes]:
        if self._deferrable(frame.raw):
            # A content-only chunk relayed unchanged: read only if the round continues upstream.
            self._deferred.append(frame)
            return [frame.raw]
        if frame.data.strip() == "[DONE]":
            self._done = frame.raw
            return []
        chunk = frame.json()
        if not isinstance(chunk, dict):
            return [frame.raw]
        if "error" in chunk:
            self._errored = True
            return [frame.raw]
        if self._round == 0 and not self._ident:
            self._ident = {k: chunk[k] for k in ("id", "created") if k in chunk}
        changed = self._round > 0 and any(chunk.get(k) != v for k, v in self._ident.items())
        chunk.update(self._ident if self._round > 0 else {})
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            if chunk.get("usage"):
                self._held.append((frame.raw, chunk))
                return []
            return [frame.raw if not changed else render(None, chunk)]
        return self._choice(frame, chunk, choices[0], changed)

    def _deferrable(self, raw: bytes) -> bool:
        if self._round > 0 or not self._ident or self._index or len(self._deferred) >= _MAX_DEFERRED:
            return False
        return b'"finish_reason":null' in raw and not any(tell in raw for tell in _TELLS)

    def _text(self) -> str:
        for frame in self._deferred:
            chunk = frame.json()
            choices = as_list(chunk.get("choices")) if isinstance(chunk, dict) else []
            content = as_dict(as_dict(choices[0]).get("delta")).get("content") if choices else None
            self._text_so_far += content if isinstance(content, str) else ""
        self._deferred = []
        return self._text_so_far

    def _choice(
        self, frame: Frame, chunk: dict[str, Any], choice: dict[str, Any], changed: bool
    ) -> list[bytes]:
        delta = as_dict(choice.get("delta"))
        if isinstance(delta.get("content"), str):
            self._text()  # keeps the round's text in order
            self._text_so_far += delta["content"]
        if isinstance(delta.get("tool_calls"), list):
            visible = self._split_calls(delta["tool_calls"])
            changed = changed or visible != delta["tool_calls"]
            if visible:
                delta["tool_calls"] = visible
            else:
                delta.pop("tool_calls")
        if self._round > 0 and "role" in delta:
            delta.pop("role")
            changed = True
        if choice.get("finish_reason") is not None:
            self._finish = choice["finish_reason"]
            self._held.append((frame.raw, copy.deepcopy(chunk)))
            if not _says_something(delta):
                return []
            choice["finish_reason"] = None
            return [render(None, chunk)]
        if changed and not _says_something(delta) and chunk.get("usage") is None:
            return []
        return [render(None, chunk) if changed else frame.raw]

    def _split_calls(self, calls: list[Any]) -> list[Any]:
        visible = []
        for call in calls:
            index = call.get("index") if isinstance(call, dict) else None
            if not isinstance(index, int):
                visible.append(call)
                continue
            if index not in self._index:
                hidden = _function(call).get("name") == RETRIEVE_TOOL_NAME
                self._index[index] = None if hidden else self._next_index
                self._next_index += 0 if hidden else 1
                self._calls[index] = {
                    "id": call.get("id"),
                    "name": _function(call).get("name"),
                    "arguments": "",
                }
                self._spliced = self._spliced or hidden
            self._calls[index]["arguments"] += str(_function(call).get("arguments") or "")
            client = self._index[index]
            if client is None:
                self._withheld += len(self._calls[index]["arguments"])
                if self._withheld > self._max_withheld:
                    raise Overflow(f"hidden retrieval calls passed {self._max_withheld} bytes")
                continue
            visible.append(call if client == index else {**call, "index": client})
        return visible

    def end_round(self, can_continue: bool) -> list[Call] | None:
        for _, chunk in self._held:
            sum_usage(self._usage, chunk.get("usage"))
        hidden = [i for i, client in self._index.items() if client is None]
        client_calls = any(client is not None for client in self._index.values())
        if not (
            can_continue
            and hidden
            and self._finish == "tool_calls"
            and not client_calls
            and not self._errored
        ):
            return None
        tool_calls = [
            {
                "id": self._calls[i]["id"],
                "type": "function",
                "function": {"name": RETRIEVE_TOOL_NAME, "arguments": self._calls[i]["arguments"]},
            }
            for i in hidden
        ]
        self._history.append({"role": "assistant", "content": self._text() or None, "tool_calls": tool_calls})
        calls = [Call(str(c["id"]), c["function"]["arguments"]) for c in tool_calls]
        self._round += 1
        self._held, self._done = [], None
        self._new_round()
        return calls

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        self._history.extend(_tool_messages(answers))
        return {**request, "messages": [*request["messages"], *self._history]}

    def tail(self) -> list[bytes]:
        done = [self._done] if self._done else []
        if not self._spliced:
            return [raw for raw, _ in self._held] + done
        out = []
        client_calls = any(client is not None for client in self._index.values())
        for _, chunk in self._held:
            chunk = copy.deepcopy(chunk)
            choices = chunk.get("choices")
            if choices and isinstance(choices[0], dict):
                choices[0]["delta"] = {}
                if choices[0].get("finish_reason") == "tool_calls" and not client_calls:
                    choices[0]["finish_reason"] = "stop"
            if chunk.get("usage"):
                chunk["usage"] = summed(chunk["usage"], self._usage)
            out.append(render(None, chunk))
        return out + done

    def error(self, status: int, body: bytes) -> bytes:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not (isinstance(parsed, dict) and "error" in parsed):
            message = body.decode("utf-8", "replace")[:500] or f"upstream status {status}"
            parsed = {"error": {"message": message, "type": "api_error", "code": status}}
        return render(None, parsed)


def _says_something(delta: dict[str, Any]) -> bool:
    return any(value not in (None, "", []) for value in delta.values())


class ChatJson:
    """The splice for a non-streamed ``/v1/chat/completions`` turn."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._visible_calls: list[Any] = []
        self._history: list[dict[str, Any]] = []
        self._usage: dict[str, Any] = {}
        self._first: dict[str, Any] = {}
        self._last: dict[str, Any] = {}
        self._spliced = False

    def absorb(self, body: dict[str, Any], can_continue: bool) -> list[Call] | None:
        self._first = self._first or body
        self._last = body
        sum_usage(self._usage, body.get("usage"))
        choices = as_list(body.get("choices"))
        choice = as_dict(choices[0]) if choices else {}
        message = choice.get("message")
        if not isinstance(message, dict):
            return None
        if isinstance(message.get("content"), str):
            self._texts.append(message["content"])
        calls = as_list(message.get("tool_calls"))
        hidden = [c for c in calls if _function(c).get("name") == RETRIEVE_TOOL_NAME]
        self._spliced = self._spliced or bool(hidden)
        visible = [c for c in calls if c not in hidden]
        self._visible_calls.extend(visible)
        if not (can_continue and hidden and not visible and choice.get("finish_reason") == "tool_calls"):
            return None
        self._history.append({"role": "assistant", "content": message.get("content"), "tool_calls": hidden})
        return [Call(str(c.get("id")), str(_function(c).get("arguments") or "")) for c in hidden]

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        self._history.extend(_tool_messages(answers))
        return {**request, "messages": [*request["messages"], *self._history]}

    def final(self) -> dict[str, Any]:
        out = copy.deepcopy(self._last)
        out["id"], out["created"] = self._first.get("id"), self._first.get("created", out.get("created"))
        choice = out["choices"][0]
        message = choice["message"]
        message["content"] = "".join(self._texts) if self._texts else message.get("content")
        if self._visible_calls:
            message["tool_calls"] = self._visible_calls
        else:
            message.pop("tool_calls", None)
            if choice.get("finish_reason") == "tool_calls":
                choice["finish_reason"] = "stop"
        if isinstance(out.get("usage"), dict):
            out["usage"] = summed(out["usage"], self._usage)
        return out

    @property
    def spliced(self) -> bool:
        return self._spliced
