"""Anthropic Messages: the retrieval splice over the SSE event grammar and over JSON bodies.

Client-visible block indices stay contiguous in start order (the SDK's accumulator indexes
``content[index]``); every frame the proxy writes carries an ``event:`` line (the SDK skips
frames without one); ``message_start`` is sent once; ``message_delta`` carries the turn's
summed usage and ``end_turn`` when the only tool calls were the proxy's own.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.proxy._retrieval import Answer, Call
from headroom.proxy._splice import ANTHROPIC_ERROR_TYPES, Overflow, as_list, sum_usage, summed
from headroom.proxy._sse import Frame, render

_DELTA_FIELDS = {"text_delta": "text", "thinking_delta": "thinking"}


def _ours(block: Any) -> bool:
    return (
        isinstance(block, dict)
        and block.get("type") == "tool_use"
        and block.get("name") == RETRIEVE_TOOL_NAME
    )


def _is_client_call(block: dict[str, Any]) -> bool:
    return block.get("type") == "tool_use" and not _ours(block)


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def _tool_results(answers: list[Answer]) -> dict[str, Any]:
    results = [
        {
            "type": "tool_result",
            "tool_use_id": a.call.id,
            "content": a.text,
            **({"is_error": True} if a.is_error else {}),
        }
        for a in answers
    ]
    return {"role": "user", "content": results}


class AnthropicStream:
    """The splice for a streamed ``/v1/messages`` turn."""

    def __init__(self, max_withheld: int) -> None:
        self._max_withheld = max_withheld
        self._round = 0
        self._next_index = 0
        self._usage: dict[str, Any] = {}
        self._history: list[dict[str, Any]] = []
        self._spliced = False
        self._new_round()

    def _new_round(self) -> None:
        self._index: dict[int, int | None] = {}
        self._blocks: dict[int, dict[str, Any]] = {}
        self._partial: dict[int, str] = {}
        self._stopped: set[int] = set()
        self._opaque = False
        self._withheld = 0
        self._delta: dict[str, Any] | None = None
        self._delta_raw = b""
        self._stop_raw: bytes | None = None
        self._errored = False
        self._deferred: list[Frame] = []
        self._deferred_bytes = 0

    def feed(self, frame: Frame) -> list[bytes]:
        if self._deferrable(frame):
            # Most frames are text deltas of visible blocks, relayed unchanged: they are read only
            # if the round turns out to continue (its content goes back upstream).
            self._deferred.append(frame)
            self._deferred_bytes += len(frame.raw)
            return [frame.raw]
        data = frame.json() if frame.event not in (None, "ping") else None
        if not isinstance(data, dict):
            return [frame.raw]
        kind = data.get("type")
        if kind == "message_start":
            return [frame.raw] if self._round == 0 else []
        if kind == "content_block_start":
            return self._start(frame, data)
        if kind in ("content_block_delta", "content_block_stop"):
            return self._block_event(frame, data, kind)
        if kind == "message_delta":
            self._delta, self._delta_raw = data, frame.raw
            return []
        if kind == "message_stop":
            self._stop_raw = frame.raw
            return []
        if kind == "error":
            self._errored = True
        return [frame.raw]

    def _deferrable(self, frame: Frame) -> bool:
        identity = self._round == 0 and None not in self._index.values()
        fits = self._deferred_bytes + len(frame.raw) <= self._max_withheld
        return identity and fits and frame.raw.startswith(b"event: content_block_delta\n")

    def _undefer(self) -> None:
        for frame in self._deferred:
            data = frame.json()
            upstream = data.get("index") if isinstance(data, dict) else None
            if isinstance(upstream, int) and upstream in self._blocks:
                self._accumulate(upstream, data.get("delta"))
        self._deferred, self._deferred_bytes = [], 0

    def _start(self, frame: Frame, data: dict[str, Any]) -> list[bytes]:
        upstream = data.get("index")
        block = data.get("content_block")
        if not isinstance(upstream, int) or not isinstance(block, dict):
            self._opaque = True
            return [frame.raw]
        self._blocks[upstream] = copy.deepcopy(block)
        if _ours(block):
            self._index[upstream] = None
            self._spliced = True
            return []
        self._index[upstream] = self._next_index
        self._next_index += 1
        return [self._reindexed(frame, data, upstream)]

    def _block_event(self, frame: Frame, data: dict[str, Any], kind: str) -> list[bytes]:
        upstream = data.get("index")
        if not isinstance(upstream, int) or upstream not in self._index:
            return [frame.raw]
        if kind == "content_block_stop":
            self._stopped.add(upstream)
        else:
            self._accumulate(upstream, data.get("delta"))
        if self._index[upstream] is None:
            self._withheld += len(frame.raw)
            if self._withheld > self._max_withheld:
                raise Overflow(f"hidden retrieval calls passed {self._max_withheld} bytes")
            return []
        return [self._reindexed(frame, data, upstream)]

    def _reindexed(self, frame: Frame, data: dict[str, Any], upstream: int) -> bytes:
        client = self._index[upstream]
        return frame.raw if client == upstream else render(frame.event, {**data, "index": client})

    def _accumulate(self, upstream: int, delta: Any) -> None:
        block = self._blocks[upstream]
        kind = delta.get("type") if isinstance(delta, dict) else None
        if kind in _DELTA_FIELDS:
            field = _DELTA_FIELDS[kind]
            block[field] = str(block.get(field, "")) + str(delta.get(field, ""))
        elif kind == "signature_delta":
            block["signature"] = delta.get("signature")
        elif kind == "input_json_delta":
            self._partial[upstream] = self._partial.get(upstream, "") + str(delta.get("partial_json", ""))
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta.get("citation"))
        else:  # a delta this proxy cannot replay: the round is not continued
            self._opaque = True

    def _stop_reason(self) -> Any:
        delta = (self._delta or {}).get("delta")
        return delta.get("stop_reason") if isinstance(delta, dict) else None

    def end_round(self, can_continue: bool) -> list[Call] | None:
        sum_usage(self._usage, (self._delta or {}).get("usage"))
        hidden = [i for i, client in self._index.items() if client is None]
        if not (can_continue and hidden and not self._errored and self._stop_reason() == "tool_use"):
            return None
        content = self._content()
        if content is None or any(_is_client_call(b) for b in content):
            return None
        calls = [Call(str(self._blocks[i].get("id")), self._partial.get(i, "")) for i in hidden]
        self._history.append({"role": "assistant", "content": content})
        self._round += 1
        self._new_round()
        return calls

    def _content(self) -> list[dict[str, Any]] | None:
        """This round's assistant content as the API takes it back, or ``None`` when it cannot be rebuilt."""
        if self._opaque or set(self._blocks) != self._stopped:
            return None
        self._undefer()
        content = []
        for upstream in sorted(self._blocks):
            block = dict(self._blocks[upstream])
            if block.get("type") in ("tool_use", "server_tool_use"):
                try:
                    block["input"] = (
                        json.loads(self._partial[upstream])
                        if self._partial.get(upstream)
                        else block.get("input", {})
                    )
                except ValueError:
                    return None
            content.append(block)
        return content

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        self._history.append(_tool_results(answers))
        return {**request, "messages": [*request["messages"], *self._history]}

    def tail(self) -> list[bytes]:
        if self._errored or self._delta is None:
            return [self._stop_raw] if self._stop_raw else []
        if not self._spliced:
            return [self._delta_raw, *([self._stop_raw] if self._stop_raw else [])]
        delta = copy.deepcopy(self._delta)
        inner = delta.get("delta")
        only_ours = not any(
            client is not None and _is_client_call(self._blocks[i]) for i, client in self._index.items()
        )
        if isinstance(inner, dict) and inner.get("stop_reason") == "tool_use" and only_ours:
            inner["stop_reason"] = "end_turn"
        delta["usage"] = summed(delta.get("usage"), self._usage)
        stop = self._stop_raw or render("message_stop", {"type": "message_stop"})
        return [render("message_delta", delta), stop]

    def error(self, status: int, body: bytes) -> bytes:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not (isinstance(parsed, dict) and parsed.get("type") == "error"):
            parsed = error_body(status, body.decode("utf-8", "replace")[:500] or f"upstream status {status}")
        return render("error", parsed)


class AnthropicJson:
    """The splice for a non-streamed ``/v1/messages`` turn."""

    def __init__(self) -> None:
        self._visible: list[Any] = []
        self._history: list[dict[str, Any]] = []
        self._usage: dict[str, Any] = {}
        self._first_id: Any = None
        self._last: dict[str, Any] = {}
        self._spliced = False

    def absorb(self, body: dict[str, Any], can_continue: bool) -> list[Call] | None:
        content = as_list(body.get("content"))
        self._first_id = self._first_id if self._last else body.get("id")
        self._last = body
        sum_usage(self._usage, body.get("usage"))
        hidden = [b for b in content if _ours(b)]
        self._spliced = self._spliced or bool(hidden)
        self._visible.extend(b for b in content if not _ours(b))
        client_calls = any(isinstance(b, dict) and _is_client_call(b) for b in content)
        if not (can_continue and hidden and body.get("stop_reason") == "tool_use" and not client_calls):
            return None
        self._history.append({"role": "assistant", "content": content})
        return [Call(str(b.get("id")), json.dumps(b.get("input", {}))) for b in hidden]

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        self._history.append(_tool_results(answers))
        return {**request, "messages": [*request["messages"], *self._history]}

    def final(self) -> dict[str, Any]:
        out = dict(self._last)
        out["content"] = self._visible
        out["id"] = self._first_id
        client_calls = any(isinstance(b, dict) and _is_client_call(b) for b in self._visible)
        if out.get("stop_reason") == "tool_use" and not client_calls:
            out["stop_reason"] = "end_turn"
        out["usage"] = summed(out.get("usage"), self._usage)
        return out

    @property
    def spliced(self) -> bool:
        return self._spliced
