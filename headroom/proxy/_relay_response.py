"""The response that relays an upstream stream to the client: each chunk written as it comes, nothing else.

Starlette's ``StreamingResponse`` costs more per stream than the relay itself under load (an
anyio task group and cancel scope per response; measured in ``benchmarks/proxy_load.py``). This
one sends each chunk straight to the server, watches for the client's hang-up in one plain
asyncio task, and reports the end (last byte sent, or the client gone) to ``on_end``, so
no wrapping generator sits between the upstream and the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class RelayResponse(Response):
    """``body`` streamed to the client; ``on_end(finished)`` once, however the stream ends."""

    def __init__(self, body: AsyncIterator[bytes], status_code: int) -> None:
        self.status_code = status_code
        self.body_iterator = body
        self.background = None
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.on_end: Callable[[bool], None] | None = None
        self._sent_all = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = asyncio.ensure_future(self._relay(send))
        watch = asyncio.ensure_future(_hang_up(receive))
        try:
            await asyncio.wait((relay, watch), return_when=asyncio.FIRST_COMPLETED)
            if relay.done():
                relay.result()  # a failure in the relay is the server's to report
        finally:
            for task in (relay, watch):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await relay
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watch
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
            if self.on_end is not None:
                self.on_end(self._sent_all)

    async def _relay(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        self._sent_all = True


async def _hang_up(receive: Receive) -> Any:
    """Returns when the client disconnects (the request body was read before the response started)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return message
