"""Relaying upstream responses to the client: as bytes arrive, or through a retrieval splice."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from headroom.ccr import Store
from headroom.proxy._compression import serialize
from headroom.proxy._metrics import Metrics
from headroom.proxy._request_log import RequestLine
from headroom.proxy._retrieval import Call, answer_calls
from headroom.proxy._splice import JsonSplice, Overflow, StreamSplice
from headroom.proxy._sse import Framer
from headroom.proxy._upstream import Unreachable, Upstream, UpstreamResponse

_USAGE_SNIFF_BYTES = 4 * 1024 * 1024

SpliceFactories = tuple[Callable[[int], StreamSplice], Callable[[], JsonSplice]]
"""How an API makes its splices: a stream splice from the withheld-bytes cap, a JSON splice."""


@dataclass(frozen=True)
class Round:
    """How to send one more upstream round of a turn."""

    upstream: Upstream
    url: str
    headers: list[tuple[str, str]]
    store: Store
    metrics: Metrics
    max_rounds: int
    max_retrieved: int
    line: RequestLine
    """The request's log line (retrievals and rounds counted on it)."""


async def plain(response: UpstreamResponse, metrics: Metrics) -> AsyncIterator[bytes]:
    """The upstream body unchanged, as it arrives; usage is read on the side for the metrics."""
    sniff = _UsageSniffer(response.content_type, metrics)
    try:
        async for chunk in response.chunks():
            sniff.feed(chunk)
            yield chunk
        sniff.close()
    finally:
        await response.close()


class _UsageSniffer:
    def __init__(self, content_type: str, metrics: Metrics) -> None:
        self._stream = content_type.startswith("text/event-stream")
        self._framer = Framer()
        self._metrics = metrics
        self._held: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        if self._stream:
            for frame in self._framer.feed(chunk):
                if b'"usage"' in frame.raw:
                    self._metrics.usage(_usage_of(frame.json()))
        elif self._size <= _USAGE_SNIFF_BYTES:
            self._held.append(chunk)
            self._size += len(chunk)

    def close(self) -> None:
        if not self._stream and self._held and self._size <= _USAGE_SNIFF_BYTES:
            with contextlib.suppress(ValueError):
                self._metrics.usage(_usage_of(json.loads(b"".join(self._held))))


def _usage_of(data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    for holder in (data, data.get("message"), data.get("response")):
        if isinstance(holder, dict) and isinstance(holder.get("usage"), dict):
            return holder["usage"]
    return None


async def spliced_stream(
    response: UpstreamResponse, splice: StreamSplice, request: dict[str, Any], rounds: Round
) -> AsyncIterator[bytes]:
    """The client's one stream over as many upstream rounds as the model's retrievals need."""
    done = 0
    try:
        while True:
            framer = Framer()
            async for chunk in response.chunks():
                # Frames that arrived together leave together: one write to the client, not one each.
                outs: list[bytes] = []
                try:
                    for frame in framer.feed(chunk):
                        if b'"usage"' in frame.raw:
                            rounds.metrics.usage(_usage_of(frame.json()))
                        outs.extend(splice.feed(frame))
                except Overflow as exc:
                    outs.append(splice.error(500, json.dumps({"error": {"message": str(exc)}}).encode()))
                    yield b"".join(outs)
                    return
                if outs:
                    yield outs[0] if len(outs) == 1 else b"".join(outs)
            if framer.rest():
                yield framer.rest()  # a stream cut mid-frame ends as it was cut
            await response.close()
            calls = splice.end_round(done < rounds.max_rounds)
            if not calls:
                for out in splice.tail():
                    yield out
                return
            request = await _answered(rounds, splice, request, calls)
            done += 1
            try:
                response = await _send(rounds, request)
            except Unreachable as exc:
                yield splice.error(
                    502, json.dumps({"error": {"message": f"upstream unreachable: {exc}"}}).encode()
                )
                return
            if response.status != 200:
                yield splice.error(response.status, await response.read())
                return
    finally:
        await response.close()


async def spliced_json(
    first: dict[str, Any], splice: JsonSplice, request: dict[str, Any], rounds: Round
) -> tuple[int, dict[str, Any]] | None:
    """The merged body over every round, or ``None`` when round 1 had no retrieval (relay it as it was).

    A continuation that fails returns its status and body as the client's answer.
    """
    body, done = first, 0
    calls = splice.absorb(body, done < rounds.max_rounds)
    if calls is None:
        return (200, splice.final()) if splice.spliced else None
    while calls:
        request = await _answered(rounds, splice, request, calls)
        done += 1
        response = await _send(rounds, request)
        raw = await response.read()
        await response.close()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = None
        if response.status != 200 or not isinstance(parsed, dict):
            failed = (
                parsed if isinstance(parsed, dict) else {"error": {"message": raw.decode("utf-8", "replace")}}
            )
            return response.status, failed
        body = parsed
        rounds.metrics.usage(_usage_of(body))
        calls = splice.absorb(body, done < rounds.max_rounds)
    return 200, splice.final()


async def _answered(
    rounds: Round, splice: StreamSplice | JsonSplice, request: dict[str, Any], calls: list[Call]
) -> dict[str, Any]:
    """The continuation request: ``calls`` answered from the store (each outcome counted)."""
    answers = await answer_calls(rounds.store, calls, rounds.max_retrieved)
    for answer in answers:
        rounds.metrics.retrievals.labels(answer.outcome).inc()
    rounds.line.retrievals += len(answers)
    return splice.continuation(request, answers)


async def _send(rounds: Round, request: dict[str, Any]) -> UpstreamResponse:
    """One more round upstream (counted), on the same route and headers as the first."""
    rounds.metrics.rounds.inc()
    rounds.line.rounds += 1
    return await rounds.upstream.send(
        "POST", rounds.url, rounds.headers, serialize(request), continuation=True
    )
