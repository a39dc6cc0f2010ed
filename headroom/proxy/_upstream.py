"""The upstream HTTP client: one pooled ``httpx.AsyncClient``, no retries of the client's own requests.

Client SDKs retry already; a proxy that also retried would multiply attempts. The one retry
here is on a connect error (nothing reached the upstream). Continuation rounds, which the
client cannot retry, get two more attempts on 429/503/529, honouring a short ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from headroom.proxy._settings import ProxySettings

_BUSY = frozenset({429, 503, 529})
_MAX_RETRY_AFTER_S = 30.0


def make_client(
    settings: ProxySettings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.write_timeout_s,
        pool=settings.pool_timeout_s,
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections, max_keepalive_connections=50, keepalive_expiry=60
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        trust_env=settings.trust_env,
        transport=transport,
        follow_redirects=False,
    )


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    continuation: bool = False,
) -> httpx.Response:
    """The upstream's response, headers read, body still streaming (the caller closes it)."""
    attempts = 3 if continuation else 1
    for attempt in range(attempts):
        request = client.build_request(method, url, headers=headers, content=body)
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectError:
            if attempt > 0:
                raise
            request = client.build_request(method, url, headers=headers, content=body)
            response = await client.send(request, stream=True)
        if response.status_code not in _BUSY or attempt == attempts - 1:
            return response
        wait = _retry_after(response.headers.get("retry-after"))
        await response.aclose()
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


def _retry_after(value: str | None) -> float:
    with contextlib.suppress(TypeError, ValueError):
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER_S)  # type: ignore[arg-type]
    return 1.0
