"""Shared HTTP plumbing for provider clients: concurrency limit, retries with backoff, Retry-After.

Every vendor client posts JSON through :class:`JsonPoster`; failures leave it only as
``UpstreamTimeout`` / ``UpstreamStatusError`` / ``UpstreamError`` (translated with ``raise ... from``).
Their messages are redacted: an upstream that echoes the rejected key in its 401 body, or a
base URL with ``user:password@``, never reaches a log, a report or a terminal in clear.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from headroom.errors import ConfigError, UpstreamError, UpstreamStatusError, UpstreamTimeout
from headroom.redaction import redact_text, register_credential, secret_key

Sleep = Callable[[float], Awaitable[None]]

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
"""Statuses worth another attempt: rate limits, overload and transient server errors."""


@dataclass(frozen=True)
class HttpConfig:
    """How a provider client talks HTTP; tests inject ``transport`` and ``sleep``."""

    max_concurrency: int = 8
    """Requests in flight at once, per provider instance."""
    max_attempts: int = 4
    """Attempts per request, the first included."""
    backoff_base_s: float = 0.5
    """First retry delay before jitter; doubles every attempt."""
    backoff_max_s: float = 30.0
    """Ceiling of the computed (not server-requested) delay."""
    retry_after_max_s: float = 120.0
    """Ceiling of a server's Retry-After, so one bad header cannot stall a run."""
    timeout_s: float = 120.0
    """Per-attempt timeout."""
    seed: int | None = None
    """Seed of the jitter generator (None: unseeded)."""
    transport: httpx.AsyncBaseTransport | None = None
    """Injected transport (``httpx.MockTransport`` in tests)."""
    sleep: Sleep = field(default=asyncio.sleep)
    """How to wait between attempts (a recorder in tests)."""

    def __post_init__(self) -> None:
        if self.max_concurrency < 1 or self.max_attempts < 1:
            raise ConfigError("max_concurrency and max_attempts must be at least 1")


def env_key(variable: str, env: Mapping[str, str] | None = None) -> str:
    """The API key in ``variable``; a clear ConfigError naming it when unset."""
    value = (os.environ if env is None else env).get(variable, "").strip()
    if not value:
        raise ConfigError(f"{variable} is not set; export it or pass api_key= to the provider")
    register_credential(value)
    return value


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, ``Retry-After`` seconds or date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_message(response: httpx.Response) -> str:
    """The provider's own error message when it sent one, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return response.text[:300]


class JsonPoster:
    """POSTs JSON with a concurrency limit and retries on 429/5xx/timeouts.

    The client and semaphore are bound to the running event loop and rebuilt when a
    later ``asyncio.run`` uses a new loop, so one provider survives several runs.
    """

    def __init__(self, base_url: str, headers: Mapping[str, str], config: HttpConfig) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        # Every key this client sends is redacted wherever it shows up later (errors, logs, reports).
        for name, value in self._headers.items():
            if secret_key(name):
                register_credential(value)
        _register_url_credentials(self._base_url)
        self._config = config
        self._rng = random.Random(config.seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def base_url(self) -> str:
        """The URL paths are joined to."""
        return self._base_url

    async def post(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` and return the decoded JSON object."""
        client, semaphore = self._bind()
        async with semaphore:
            return await self._with_retries(client, f"{self._base_url}/{path.lstrip('/')}", payload)

    async def aclose(self) -> None:
        """Close the underlying client (safe to call twice)."""
        if self._client is not None:
            await self._client.aclose()
        self._client, self._loop, self._semaphore = None, None, None

    def _bind(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._semaphore is None or self._loop is not loop:
            self._loop = loop
            self._semaphore = asyncio.Semaphore(self._config.max_concurrency)
            self._client = httpx.AsyncClient(
                transport=self._config.transport, timeout=self._config.timeout_s, headers=self._headers
            )
        return self._client, self._semaphore

    async def _with_retries(
        self, client: httpx.AsyncClient, url: str, payload: Mapping[str, Any]
    ) -> dict[str, Any]:
        attempts = self._config.max_attempts
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = await client.post(url, json=payload)
            except httpx.TimeoutException as exc:
                if last:
                    raise UpstreamTimeout(redact_text(f"{url} timed out after {attempts} attempts")) from exc
                await self._config.sleep(self._backoff(attempt))
                continue
            except httpx.TransportError as exc:
                if last:
                    message = f"{url} unreachable after {attempts} attempts: {exc}"
                    raise UpstreamError(redact_text(message)) from exc
                await self._config.sleep(self._backoff(attempt))
                continue
            if response.status_code in RETRYABLE_STATUS and not last:
                await self._config.sleep(self._delay(response, attempt))
                continue
            return _decode(url, response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        asked = parse_retry_after(response.headers)
        if asked is not None:
            return min(asked, self._config.retry_after_max_s)
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self._config.backoff_max_s, self._config.backoff_base_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


def _register_url_credentials(url: str) -> None:
    """``user:password@`` in a base URL: httpx sends it as Basic auth, which upstreams echo back."""
    parsed = httpx.URL(url)
    if parsed.password:
        register_credential(parsed.password)
        pair = f"{parsed.username}:{parsed.password}".encode()
        register_credential(base64.b64encode(pair).decode("ascii"))


def _decode(url: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        message = f"{url} answered {response.status_code}: {error_message(response)}"
        raise UpstreamStatusError(redact_text(message), response.status_code)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        message = f"{url} answered {response.status_code} with a body that is not JSON"
        raise UpstreamError(redact_text(message)) from exc
    if not isinstance(body, dict):
        raise UpstreamError(redact_text(f"{url} answered with JSON that is not an object"))
    return body


def resolve_model(pinned: str | None, requested: str) -> str:
    """The model a call uses: the one the provider was built for, else the request's."""
    model = pinned or requested
    if not model:
        raise ConfigError(
            "no model: build the provider with one (e.g. 'openai:gpt-4o-mini') or set Request.model"
        )
    return model
