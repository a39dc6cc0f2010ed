"""OpenAI Responses: the retrieval splice over ``response.*`` events and JSON bodies.

Hidden items are ``function_call`` output items named ``headroom_retrieve``: every event of
their ``output_index`` is withheld. Visible items keep contiguous ``output_index`` values;
``sequence_number`` stays monotone across rounds; continuation rounds lose their
``response.created`` / ``in_progress``; one ``response.completed`` ends the turn with the
visible items of every round and the summed usage, under round 1's id (the SDK's accumulator
rejects a lifecycle id that changes). ``[DONE]`` is sent only if upstream sent it.

Splices run only for stateless requests (``store: false``, as Codex sends): a stored response's
id is what the client's next turn continues from, and round 1's ends in a hidden call.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.proxy._retrieval import Answer, Call
from headroom.proxy._splice import Overflow, as_list, sum_usage, summed
from headroom.proxy._sse import Frame, render

_SEQUENCE = re.compile(rb'"sequence_number":(\d+)')
_OPENING = frozenset({"response.created", "response.in_progress", "response.queued"})
_TERMINAL = frozenset({"response.failed", "response.incomplete", "error"})
# Items the client itself must act on; server-side tool items (web search, MCP calls) are not.
_CLIENT_CALLS = frozenset(
    {
        "function_call",
        "custom_tool_call",
        "local_shell_call",
        "shell_call",
        "apply_patch_call",
        "computer_call",
        "mcp_approval_request",
    }
)


def _ours(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.get("type") == "function_call"
        and item.get("name") == RETRIEVE_TOOL_NAME
    )


def _outputs(answers: list[Answer]) -> list[dict[str, Any]]:
    return [{"type": "function_call_output", "call_id": a.call.id, "output": a.text} for a in answers]


def _continued(
    request: dict[str, Any], response: dict[str, Any], answers: list[Answer], history: list[Any]
) -> dict[str, Any]:
    """The request resent whole with the round's output and the answers (splices run only for ``store: false``)."""
    base = request.get("input")
    items = [{"role": "user", "content": base}] if isinstance(base, str) else list(base or [])
    history.extend([*response.get("output", []), *_outputs(answers)])
    return {**request, "input": [*items, *history]}


class ResponsesStream:
    """The splice for a streamed ``/v1/responses`` turn."""

    def __init__(self, max_withheld: int) -> None:
        self._max_withheld = max_withheld
        self._round = 0
        self._sequence: int | None = None
        self._next_index = 0
        self._visible: list[Any] = []
        self._usage: dict[str, Any] = {}
        self._history: list[Any] = []
        self._spliced = False
        self._done: bytes | None = None
        self._first_id: Any = None
        self._new_round()

    def _new_round(self) -> None:
        self._index: dict[int, int | None] = {}
        self._completed: tuple[bytes, dict[str, Any]] | None = None
        self._terminal = False
        self._withheld = 0
        self._client_call = False

    def feed(self, frame: Frame) -> list[bytes]:
        if self._unchanged_delta(frame.raw):
            return [frame.raw]
        if frame.data.strip() == "[DONE]":
            self._done = frame.raw
            return []
        data = frame.json()
        if not isinstance(data, dict):
            return [frame.raw]
        kind = data.get("type") or frame.event
        if kind in _OPENING and self._round > 0:
            return []
        if kind == "response.created" and isinstance(data.get("response"), dict):
            self._first_id = data["response"].get("id")
        if kind == "response.completed":
            self._completed = (frame.raw, data)
            return []
        self._terminal = self._terminal or kind in _TERMINAL
        changed = False
        index = data.get("output_index")
        if isinstance(index, int):
            if kind == "response.output_item.added" and index not in self._index:
                self._open(index, data.get("item"))
            client = self._index.get(index, index)
            if client is None:
                self._withheld += len(frame.raw)
                if self._withheld > self._max_withheld:
                    raise Overflow(f"hidden retrieval calls passed {self._max_withheld} bytes")
                return []
            if client != index:
                data["output_index"], changed = client, True
            if kind == "response.output_item.done":
                self._visible.append(data.get("item"))
                self._client_call = self._client_call or (data.get("item") or {}).get("type") in _CLIENT_CALLS
        changed = self._renumber(data) or changed
        return [render(frame.event, data) if changed else frame.raw]

    def _unchanged_delta(self, raw: bytes) -> bool:
        """A text delta of round 1 before anything was hidden goes out as it came: its numbers stand."""
        if self._round > 0 or self._spliced or not raw.startswith(b"event: response.output_text.delta\n"):
            return False
        number = _SEQUENCE.search(raw)
        if number is None or (self._sequence is not None and int(number[1]) != self._sequence):
            return False
        self._sequence = int(number[1]) + 1
        return True

    def _open(self, index: int, item: Any) -> None:
        hidden = _ours(item)
        self._spliced = self._spliced or hidden
        self._index[index] = None if hidden else self._next_index
        self._next_index += 0 if hidden else 1

    def _renumber(self, data: dict[str, Any]) -> bool:
        number = data.get("sequence_number")
        if not isinstance(number, int):
            return False
        if self._sequence is None:
            self._sequence = number
        data["sequence_number"], self._sequence = self._sequence, self._sequence + 1
        return bool(data["sequence_number"] != number)

    def end_round(self, can_continue: bool) -> list[Call] | None:
        if self._completed is None:
            return None
        response = self._completed[1].get("response") or {}
        sum_usage(self._usage, response.get("usage"))
        hidden = [item for item in response.get("output") or [] if _ours(item)]
        if not (can_continue and hidden and not self._client_call and not self._terminal):
            return None
        self._response = response
        self._round += 1
        self._new_round()
        return [Call(str(item.get("call_id")), str(item.get("arguments") or "")) for item in hidden]

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        return _continued(request, self._response, answers, self._history)

    def tail(self) -> list[bytes]:
        done = [self._done] if self._done else []
        if self._completed is None:
            return done
        raw, data = self._completed
        if not self._spliced:
            return [raw, *done]
        data = copy.deepcopy(data)
        response = data.get("response") or {}
        response["output"] = self._visible
        response["usage"] = summed(response.get("usage"), self._usage)
        response["id"] = self._first_id if self._first_id is not None else response.get("id")
        data["response"] = response
        self._renumber(data)
        return [render("response.completed", data), *done]

    def error(self, status: int, body: bytes) -> bytes:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        error = parsed.get("error") if isinstance(parsed, dict) else None
        message = error.get("message") if isinstance(error, dict) else body.decode("utf-8", "replace")[:500]
        data: dict[str, Any] = {
            "type": "error",
            "code": str(status),
            "message": message or f"upstream status {status}",
            "param": None,
        }
        self._renumber(data)
        return render("error", data)


class ResponsesJson:
    """The splice for a non-streamed ``/v1/responses`` turn."""

    def __init__(self) -> None:
        self._visible: list[Any] = []
        self._usage: dict[str, Any] = {}
        self._history: list[Any] = []
        self._last: dict[str, Any] = {}
        self._first_id: Any = None
        self._spliced = False

    def absorb(self, body: dict[str, Any], can_continue: bool) -> list[Call] | None:
        self._first_id = self._first_id if self._last else body.get("id")
        self._last = body
        sum_usage(self._usage, body.get("usage"))
        output = as_list(body.get("output"))
        hidden = [item for item in output if _ours(item)]
        self._spliced = self._spliced or bool(hidden)
        self._visible.extend(item for item in output if not _ours(item))
        client_call = any(
            isinstance(i, dict) and i.get("type") in _CLIENT_CALLS and not _ours(i) for i in output
        )
        if not (
            can_continue and hidden and not client_call and body.get("status", "completed") == "completed"
        ):
            return None
        return [Call(str(item.get("call_id")), str(item.get("arguments") or "")) for item in hidden]

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        return _continued(request, self._last, answers, self._history)

    def final(self) -> dict[str, Any]:
        out = dict(self._last)
        out["output"] = self._visible
        out["id"] = self._first_id
        if isinstance(out.get("usage"), dict):
            out["usage"] = summed(out["usage"], self._usage)
        return out

    @property
    def spliced(self) -> bool:
        return self._spliced
