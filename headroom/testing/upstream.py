"""A scripted fake provider on a real loopback socket, for proxy tests and the load benchmark.

Real SDK clients and real streaming need a socket (in-process transports buffer responses), so
both the fake upstream and the proxy under test run as uvicorn servers on ephemeral ports.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Scripted:
    """One response: a status, headers, and a body or SSE frames sent ``delay_s`` apart."""

    status: int = 200
    body: bytes = b""
    frames: tuple[bytes, ...] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0


@dataclass(frozen=True)
class Recorded:
    """What the fake upstream received."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class FakeUpstream:
    """Answers each path from its script (the last response repeats); records every request."""

    scripts: dict[str, deque[Scripted]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    default: Scripted | None = None
    cut_short: int = 0
    """Streams whose reader went away before the last frame (a proxy must pass a client's hang-up on)."""

    def script(self, path: str, *responses: Scripted) -> None:
        self.scripts[path] = deque(responses)

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/{path:path}", self._answer, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]
        )

    def _next(self, path: str) -> Scripted:
        queue = self.scripts.get(path)
        if not queue:
            return self.default or Scripted(404, b'{"error":"no script for this path"}')
        return queue.popleft() if len(queue) > 1 else queue[0]

    async def _answer(self, request: Request) -> Response:
        body = await request.body()
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw)
        self.requests.append(Recorded(request.method, request.url.path, request.url.query, headers, body))
        scripted = self._next(request.url.path)
        if scripted.frames is None:
            return Response(scripted.body, scripted.status, headers=dict(scripted.headers), media_type=None)
        return StreamingResponse(
            self._frames(scripted),
            scripted.status,
            headers=dict(scripted.headers),
            media_type="text/event-stream",
        )

    async def _frames(self, scripted: Scripted) -> AsyncIterator[bytes]:
        finished = False
        try:
            for frame in scripted.frames or ():
                if scripted.delay_s:
                    await asyncio.sleep(scripted.delay_s)
                yield frame
            finished = True
        finally:
            self.cut_short += 0 if finished else 1


class BackgroundServer:
    """An ASGI app served by uvicorn on ``127.0.0.1`` and an ephemeral port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=75
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the background server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def sse(event: str | None, data: str) -> bytes:
    """One SSE frame."""
    return (f"event: {event}\n" if event else "").encode() + f"data: {data}\n\n".encode()


def served(app: Any) -> Iterator[BackgroundServer]:
    """``with``-free helper for pytest fixtures: yields the running server."""
    with BackgroundServer(app) as server:
        yield server
