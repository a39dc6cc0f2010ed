"""Tiny deterministic providers for the evals tests (no network)."""

from __future__ import annotations

from collections.abc import Sequence

from evals.probes import Probe
from evals.providers._base import Request, Response
from evals.traces._model import ToolCall, Usage
from headroom.ccr import parse_markers


class Spotter:
    """Extractive fake: answers with the first gold answer still present in the tool output."""

    name = "spotter"

    def __init__(self, probes: Sequence[Probe]) -> None:
        self.gold = {p.question: p.answers for p in probes}
        self.requests: list[Request] = []

    async def generate(self, request: Request) -> Response:
        self.requests.append(request)
        question = next(m["content"] for m in request.messages if m["role"] == "user")
        context = "\n".join(m["content"] for m in request.messages if m["role"] == "tool")
        answer = next((a for a in self.gold[question] if a in context), "unknown")
        return Response(text=answer, usage=Usage(input_tokens=len(context) // 4, output_tokens=1))


class Retriever:
    """Calls the retrieval tool once with the first marker key, then answers like :class:`Spotter`."""

    name = "retriever"

    def __init__(self, probes: Sequence[Probe]) -> None:
        self.spotter = Spotter(probes)

    async def generate(self, request: Request) -> Response:
        last = request.messages[-1]
        context = str(last.get("content") or "")
        markers = parse_markers(context)
        if last["role"] == "tool" and markers and request.tools:
            key = markers[0].key
            call = ToolCall(id="call_r", name="headroom_retrieve", arguments=f'{{"key": "{key}"}}')
            return Response(text="", tool_calls=(call,), usage=Usage(input_tokens=1, output_tokens=1))
        return await self.spotter.generate(request)
