"""The upstream HTTP client: one pooled ``aiohttp`` session, no retries of the client's own requests.

``aiohttp`` rather than ``httpx``: measured on loopback, 100 concurrent streams through an
``httpx.AsyncClient`` cost 3.5x the time of the same through ``aiohttp`` (httpcore's pool
re-scans every connection, with a ``poll`` per connection, on every request state change).

Client SDKs retry already; a proxy that also retried would multiply attempts. The one retry
here is on a connect error (nothing reached the upstream). Continuation rounds, which the
client cannot retry, get two more attempts on 429/503/529, honouring a short ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp

from headroom.proxy._settings import ProxySettings

_BUSY = frozenset({429, 503, 529})
_MAX_RETRY_AFTER_S = 30.0
# Never let the HTTP client invent a header the client did not send.
_NO_AUTO_HEADERS = ("Content-Type", "User-Agent", "Accept", "Accept-Encoding")

Unreachable = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
"""What a failed upstream call raises (the caller answers 502 or an error event)."""


class UpstreamResponse:
    """An upstream response whose headers are read and whose body is still streaming."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers]

    @property
    def content_type(self) -> str:
        return self._response.headers.get("content-type", "")

    def chunks(self) -> AsyncIterator[bytes]:
        """The body (content codings undone) as it arrives (aiohttp's own iterator: no layer between)."""
        return self._response.content.iter_any().__aiter__()

    async def read(self) -> bytes:
        return await self._response.read()

    async def close(self) -> None:
        self._response.release()
        self._response.close()


class Upstream:
    """The pooled client every request of one proxy shares (created on the serving loop)."""

    def __init__(self, settings: ProxySettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            settings = self._settings
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=settings.pool_timeout_s + settings.connect_timeout_s,
                sock_connect=settings.connect_timeout_s,
                sock_read=settings.read_timeout_s,
            )
            connector = aiohttp.TCPConnector(limit=settings.max_connections, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=timeout,
                trust_env=settings.trust_env,
                # One session serves every client: a cookie one upstream response set must never
                # ride along on another client's request (the client keeps its own cookies).
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=_NO_AUTO_HEADERS,
                auto_decompress=True,
                max_line_size=65536,
                max_field_size=65536,
            )
        return self._session

    @property
    def closed(self) -> bool:
        return self._session is not None and self._session.closed

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        continuation: bool = False,
    ) -> UpstreamResponse:
        """The upstream's response, headers read, body still streaming (the caller closes it)."""
        attempts = 3 if continuation else 1
        for attempt in range(attempts):
            response = await self._once(method, url, headers, body)
            if response.status not in _BUSY or attempt == attempts - 1:
                return response
            wait = _retry_after(response._response.headers.get("retry-after"))
            await response.close()
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _once(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> UpstreamResponse:
        data = body if body or method not in ("GET", "HEAD") else None
        try:
            raw = await self._client().request(method, url, headers=headers, data=data, allow_redirects=False)
        except aiohttp.ClientConnectorError:  # nothing reached the upstream: one more try
            raw = await self._client().request(method, url, headers=headers, data=data, allow_redirects=False)
        return UpstreamResponse(raw)


def _retry_after(value: str | None) -> float:
    with contextlib.suppress(TypeError, ValueError):
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER_S)  # type: ignore[arg-type]
    return 1.0
