"""The library over HTTP: ``/v1/compress`` and ``/v1/retrieve`` for the TypeScript SDK and sidecars.

A caller sends its conversation in its provider's own shape (OpenAI chat, OpenAI Responses,
Anthropic Messages) and gets the same shape back: no conversion through another format, so
unknown fields, ``cache_control``, thinking blocks and images come back as they were sent.

Markers are emitted only when the caller says it can serve the retrieval tool
(``"retrieval": "tool"``); otherwise only lossless re-encodings apply. Compression runs in a
bounded thread pool under the proxy's compression deadline; whatever goes wrong with it (the
deadline, a full pool, a compressor error) returns the input unchanged with a
``passthrough:<reason>`` warning, never a 5xx. A caller that hangs up stops the wait, and a job
still queued behind others is dropped before it runs (a running Python thread cannot be stopped;
its result is discarded).

These routes answer loopback callers only, unless the proxy has a token and the caller presents
it (``X-Headroom-Proxy-Token`` or ``Authorization: Bearer``); anyone else gets a 404, as if the
routes did not exist.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from headroom import compress
from headroom._compress import CompressResult
from headroom._request import unwrap
from headroom.ccr import RETRIEVE_TOOL_NAME, Retrieved, Store, retrieve
from headroom.errors import EntryExpired, EntryNotFound, MessageFormatError, StoreError
from headroom.messages import MessageFormat, adapter_for
from headroom.policy import Policy
from headroom.proxy._body import decode_body, read_capped
from headroom.proxy._compression import CompressFn, serialize
from headroom.proxy._formats import thinking_blocks
from headroom.proxy._metrics import Metrics
from headroom.proxy._retrieval import MISSING
from headroom.proxy._settings import ProxySettings

API_VERSION = 1
_CONVERSATION_KEYS = ("messages", "input", "request")
_OPTIONS = frozenset({"format", "query", "retrieval"})
_MAX_LIMIT = 1000
_DISCONNECT_POLL_S = 0.05


class BadRequest(Exception):
    """The body is not a request these routes understand (answered 400, naming the problem)."""


@dataclass(frozen=True)
class Job:
    """One ``/v1/compress`` call, checked: what to compress and how."""

    key: str
    """Where the conversation came (and goes back): ``messages``, ``input`` or ``request``."""
    payload: Any
    format: MessageFormat
    query: str | None
    markers: bool
    notes: tuple[str, ...] = ()
    """Warnings about the call itself (e.g. markers refused because ``tool_choice`` bars the tool)."""


def parse_job(raw: bytes) -> Job:
    """The call in ``raw``, or :class:`BadRequest` saying what is wrong with it."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest(f"body must be a JSON object, got {type(body).__name__}")
    given = [k for k in _CONVERSATION_KEYS if k in body]
    if len(given) != 1:
        raise BadRequest(
            "body must hold exactly one of 'messages', 'input' (a list) or 'request' (an object)"
        )
    key = given[0]
    unknown = sorted(set(body) - _OPTIONS - {key})
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(unknown)}; allowed: {key}, {', '.join(sorted(_OPTIONS))}"
        )
    payload, fmt = _conversation(key, body[key], body.get("format"))
    query = body.get("query")
    if query is not None and not isinstance(query, str):
        raise BadRequest(f"'query' must be a string, got {type(query).__name__}")
    markers, notes = _markers(body.get("retrieval", "none"), key, payload, fmt)
    return Job(key, payload, fmt, query, markers, notes)


def _conversation(key: str, payload: Any, given_format: Any) -> tuple[Any, MessageFormat]:
    if key == "request" and not isinstance(payload, dict):
        raise BadRequest(f"'request' must be an object, got {type(payload).__name__}")
    if key != "request" and not isinstance(payload, list):
        raise BadRequest(f"'{key}' must be a list, got {type(payload).__name__}")
    if given_format is not None and not isinstance(given_format, str):
        raise BadRequest(f"'format' must be a string, got {type(given_format).__name__}")
    fmt = given_format.replace("-", "_") if isinstance(given_format, str) else None
    if fmt is None and key == "input":
        fmt = MessageFormat.OPENAI_RESPONSES.value  # a bare ``input`` list is a Responses conversation
    try:
        _, _, chosen = unwrap(payload, fmt)
    except MessageFormatError as exc:
        raise BadRequest(str(exc)) from exc
    return payload, chosen


def _markers(retrieval: Any, key: str, payload: Any, fmt: MessageFormat) -> tuple[bool, tuple[str, ...]]:
    if retrieval not in ("none", "tool"):
        raise BadRequest(f"'retrieval' must be 'none' or 'tool', got {retrieval!r}")
    if retrieval == "none":
        return False, ()
    if key == "request" and not adapter_for(fmt).allows_tool(payload.get("tool_choice"), RETRIEVE_TOOL_NAME):
        return False, ("retrieval:tool_choice bars headroom_retrieve, lossless only",)
    return True, ()


def response_body(
    job: Job, result: CompressResult | None, policy_hash: str, reason: str | None
) -> dict[str, Any]:
    """The §6.3 answer: the compressed conversation, or the input unchanged with the reason."""
    warnings = [
        *job.notes,
        *(result.warnings if result else ()),
        *([f"passthrough:{reason}"] if reason else []),
    ]
    blocks = result.blocks if result and not reason else ()
    return {
        "api_version": API_VERSION,
        "format": job.format.value,
        job.key: result.messages if result and not reason else job.payload,
        "tools_added": list(result.tools_added) if result and not reason else [],
        "tokens_in": sum(b.tokens_in for b in blocks),
        "tokens_out": sum(b.tokens_out for b in blocks),
        "blocks": [
            {
                "message_index": b.message_index,
                "part_index": b.part_index,
                "content_type": b.content_type,
                "compressor": b.compressor,
                "tokens_in": b.tokens_in,
                "tokens_out": b.tokens_out,
                "keys": list(b.keys),
            }
            for b in blocks
        ],
        "markers": [{"key": e.key, "kind": e.kind, "count": e.count} for b in blocks for e in b.elisions],
        "policy_hash": result.policy_hash if result else policy_hash,
        "warnings": warnings,
    }


class LibraryRoutes:
    """``/v1/compress`` and ``/v1/retrieve`` over one proxy's store, policy and deadline."""

    def __init__(
        self,
        settings: ProxySettings,
        store: Store,
        policy: Policy,
        metrics: Metrics,
        compress_fn: CompressFn = compress,
    ) -> None:
        self.settings, self.store, self.policy, self.metrics = settings, store, policy, metrics
        self._compress = compress_fn
        self._workers = settings.compress_workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="headroom-library")
        self._queued = 0
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        return [
            Route("/v1/compress", self.compress, methods=["POST"]),
            Route("/v1/retrieve", self.retrieve_post, methods=["POST"]),
            Route("/v1/retrieve/{key}", self.retrieve_get, methods=["GET"]),
        ]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def compress(self, request: Request) -> Response:
        if not admitted(request, self.settings.token):
            return _not_found_route()
        decoded = await self._body(request)
        if isinstance(decoded, Response):
            return decoded
        try:
            job = await asyncio.to_thread(parse_job, decoded)
        except BadRequest as exc:
            return _error(400, "invalid_request", str(exc))
        if _bypass(request):
            return await _json(200, response_body(job, None, self.policy.policy_hash, "bypass"))
        result, reason = await self._run(request, job, len(decoded))
        if reason == "disconnected":
            return Response(status_code=499)  # nobody is listening; nothing more is done
        if reason == "invalid":
            return _error(400, "invalid_request", result)
        return await _json(200, response_body(job, result, self.policy.policy_hash, reason))

    async def _body(self, request: Request) -> bytes | Response:
        """The request body decoded, or the error answer when it is too large or cannot be decoded."""
        raw, within = await read_capped(request.stream(), self.settings.max_body_bytes)
        coding = request.headers.get("content-encoding")
        body = await asyncio.to_thread(decode_body, raw, coding, self.settings.max_decoded_bytes)
        if not within or body.problem == "too_large":
            return _error(413, "request_too_large", "the body is larger than the proxy accepts")
        if body.decoded is None:
            return _error(400, "invalid_request", f"the body's content-encoding {coding!r} cannot be decoded")
        return body.decoded

    async def _run(self, request: Request, job: Job, size: int) -> tuple[Any, str | None]:
        """``(result, None)``, or ``(None | message, reason)`` when the input goes back unchanged."""
        with self._lock:
            if self._queued >= 2 * self._workers:
                return None, "saturated"
            self._queued += 1
        future = self._pool.submit(self._work, job)
        future.add_done_callback(self._release)
        outcome = await _first(request, future, self.settings.deadline_seconds(size))
        if outcome is not None:
            future.cancel()  # a job still queued never runs
            return None, outcome
        try:
            return future.result(), None
        except MessageFormatError as exc:
            return str(exc), "invalid"
        except _ThinkingChanged:
            return None, "thinking_guard"
        except Exception:  # a compressor's bug is not the caller's problem: the input comes back
            return None, "error"

    def _release(self, _: object) -> None:
        with self._lock:
            self._queued -= 1

    def _work(self, job: Job) -> CompressResult:
        result = self._compress(
            job.payload, self.policy, job.query, store=self.store, format=job.format, markers=job.markers
        )
        if job.format is MessageFormat.ANTHROPIC:
            before, after = (
                (job.payload, result.messages)
                if job.key == "request"
                else ({"messages": job.payload}, {"messages": result.messages})
            )
            if thinking_blocks(after) != thinking_blocks(before):
                raise _ThinkingChanged
        return result

    async def retrieve_post(self, request: Request) -> Response:
        if not admitted(request, self.settings.token):
            return _not_found_route()
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "invalid_request", "body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "body must be an object {key, query?, limit?}")
        return await self._retrieved(body.get("key"), body.get("query"), body.get("limit", 50))

    async def retrieve_get(self, request: Request) -> Response:
        if not admitted(request, self.settings.token):
            return _not_found_route()
        limit: Any = request.query_params.get("limit", "50")
        limit = int(limit) if limit.isdigit() else limit
        return await self._retrieved(request.path_params["key"], request.query_params.get("query"), limit)

    async def _retrieved(self, key: Any, query: Any, limit: Any) -> Response:
        problem = _retrieve_problem(key, query, limit)
        if problem:
            return _error(400, "invalid_request", problem)
        try:
            found: Retrieved = await asyncio.to_thread(retrieve, self.store, key, query or None, limit)
        except (EntryNotFound, EntryExpired):
            self.metrics.retrievals.labels("miss").inc()
            return _error(404, "not_found", MISSING.format(key=key))
        except StoreError as exc:
            self.metrics.retrievals.labels("error").inc()
            return _error(503, "store_error", f"the store could not be read ({exc}); try again later")
        self.metrics.retrievals.labels("hit").inc()
        return await _json(
            200,
            {
                "key": found.key,
                "text": found.text,
                "unit": found.unit,
                "matched": found.matched,
                "total": found.total,
            },
        )


class _ThinkingChanged(Exception):
    """Signed thinking would change (the provider rejects that): the input goes back unchanged."""


def _retrieve_problem(key: Any, query: Any, limit: Any) -> str | None:
    if not isinstance(key, str) or not key:
        return "'key' must be a non-empty string"
    if query is not None and not isinstance(query, str):
        return "'query' must be a string"
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_LIMIT:
        return f"'limit' must be an integer from 1 to {_MAX_LIMIT}"
    return None


async def _first(request: Request, future: Future[CompressResult], deadline_s: float) -> str | None:
    """``None`` once ``future`` is done; ``deadline`` or ``disconnected`` if that came first."""
    work: asyncio.Future[Any] = asyncio.wrap_future(future)
    watch: asyncio.Future[Any] = asyncio.ensure_future(_hung_up(request))
    done, _ = await asyncio.wait({work, watch}, timeout=deadline_s, return_when=asyncio.FIRST_COMPLETED)
    watch.cancel()
    if work in done:
        return None
    work.cancel()
    return "disconnected" if watch in done else "deadline"


async def _hung_up(request: Request) -> None:
    while not await request.is_disconnected():
        await asyncio.sleep(_DISCONNECT_POLL_S)


def admitted(request: Request, token: str | None) -> bool:
    """Loopback callers (addressing the proxy by a loopback name), or anyone presenting the token."""
    if token and _presented(request, token):
        return True
    client = request.client
    # No peer address: a Unix socket, guarded by its file permissions.
    local = client is None or _loopback(client.host)
    return local and _loopback_name(request.headers.get("host", ""))


def _presented(request: Request, token: str) -> bool:
    given = request.headers.get("x-headroom-proxy-token")
    if given is None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        given = value.strip() if scheme.lower() == "bearer" else None
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _loopback_name(host_header: str) -> bool:
    """A loopback ``Host`` (a page on another site that rebinds its name to 127.0.0.1 has its own)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return not host or host == "localhost" or host.endswith(".localhost") or _loopback(host)


def _bypass(request: Request) -> bool:
    return request.headers.get("x-headroom-bypass", "").lower() in ("1", "true", "yes") or (
        request.headers.get("x-headroom-mode", "").lower() == "passthrough"
    )


async def _json(status: int, body: Mapping[str, Any]) -> Response:
    data = await asyncio.to_thread(serialize, body)  # a large conversation would stall the event loop
    return Response(data, status_code=status, media_type="application/json")


def _error(status: int, kind: str, message: str) -> Response:
    return Response(
        serialize({"error": {"type": kind, "message": message}}), status, media_type="application/json"
    )


def _not_found_route() -> Response:
    return _error(404, "not_found", "no such route")
