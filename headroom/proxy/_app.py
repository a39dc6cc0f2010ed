"""The proxy's ASGI app: compressing routes per provider API, health and metrics, the rest passed through."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from headroom import __version__, compress
from headroom.ccr import Store
from headroom.messages import MessageFormat
from headroom.policy import Policy
from headroom.proxy._anthropic import AnthropicJson, AnthropicStream
from headroom.proxy._body import decode_body, read_capped
from headroom.proxy._compression import CompressFn, CompressionStage, serialize
from headroom.proxy._guard import Guard
from headroom.proxy._headers import client_headers, header, upstream_headers, without_bearer
from headroom.proxy._library_routes import LibraryRoutes
from headroom.proxy._metrics import CONTENT_TYPE, Metrics
from headroom.proxy._openai_chat import ChatJson, ChatStream
from headroom.proxy._openai_responses import ResponsesJson, ResponsesStream
from headroom.proxy._outgoing import Outgoing
from headroom.proxy._own_errors import own_error
from headroom.proxy._relay import Round, SpliceFactories, plain, spliced_json, spliced_stream
from headroom.proxy._relay_response import RelayResponse
from headroom.proxy._request_log import RequestLine, RequestLog, model_of
from headroom.proxy._session import Sessions, header_session
from headroom.proxy._settings import ProxySettings
from headroom.proxy._upstream import Unreachable, Upstream, UpstreamResponse

_STREAMING = re.compile(rb'"stream"\s*:\s*true')
_ANTHROPIC, _OPENAI, _CHATGPT = "anthropic", "openai", "chatgpt"
# The providers' own hosts never lead back here: requests to them are not marked with ``Via``.
_FIRST_PARTY = frozenset({"api.anthropic.com", "api.openai.com", "chatgpt.com"})


@dataclass(frozen=True)
class Api:
    """One compressing route family: its message format, upstream, and splices (none: relay only)."""

    name: str
    format: MessageFormat
    upstream: str
    splices: SpliceFactories | None


_MESSAGES = Api("anthropic_messages", MessageFormat.ANTHROPIC, _ANTHROPIC, (AnthropicStream, AnthropicJson))
_COUNT = Api("anthropic_count_tokens", MessageFormat.ANTHROPIC, _ANTHROPIC, None)
_CHAT = Api("openai_chat", MessageFormat.OPENAI_CHAT, _OPENAI, (ChatStream, ChatJson))
_RESPONSES = Api(
    "openai_responses", MessageFormat.OPENAI_RESPONSES, _OPENAI, (ResponsesStream, ResponsesJson)
)


@dataclass
class Proxy:
    """Everything one running proxy shares across requests."""

    settings: ProxySettings
    stage: CompressionStage
    client: Upstream
    store: Store
    sessions: Sessions
    metrics: Metrics = field(default_factory=Metrics)
    log: RequestLog = field(default_factory=RequestLog)
    started: float = field(default_factory=time.time)
    _ids: Any = field(default_factory=itertools.count)
    _id_prefix: str = field(default_factory=lambda: os.urandom(4).hex())

    @property
    def pseudonym(self) -> str:
        """This proxy in ``Via`` (random per process: a request that comes back carries it)."""
        return f"headroom-{self._id_prefix}"

    def upstream(self, name: str) -> str:
        base = {
            _ANTHROPIC: self.settings.anthropic_upstream,
            _OPENAI: self.settings.openai_upstream,
            _CHATGPT: self.settings.chatgpt_upstream,
        }[name]
        return base.rstrip("/")

    @functools.cached_property
    def _marked(self) -> frozenset[str]:
        names = (_ANTHROPIC, _OPENAI, _CHATGPT)
        return frozenset(n for n in names if urlsplit(self.upstream(n)).hostname not in _FIRST_PARTY)

    def outbound(self, raw: list[tuple[str, str]], name: str, *, streaming: bool) -> list[tuple[str, str]]:
        """The client's headers as they go to upstream ``name`` (the proxy's own token never does).

        Beyond the providers' own hosts, ``Via`` gains this proxy (after any the client sent),
        so a request an upstream routes back here is recognised and refused.
        """
        headers = upstream_headers(without_bearer(raw, self.settings.token), streaming=streaming)
        if name not in self._marked:
            return headers
        ours = f"1.1 {self.pseudonym}"
        vias = [v for k, v in headers if k.lower() == "via"]
        kept = [(k, v) for k, v in headers if k.lower() != "via"]
        return [*kept, ("via", ", ".join([*vias, ours]))]

    def request_id(self) -> str:
        return f"hr-{self._id_prefix}-{next(self._ids):x}"


def build_app(
    settings: ProxySettings | None = None,
    *,
    store: Store | None = None,
    policy: Policy | None = None,
    compress_fn: CompressFn = compress,
) -> Starlette:
    """The proxy app; ``store``, ``policy`` and ``compress_fn`` are injected in tests and benchmarks.

    Each proxied request writes one line to the ``headroom.proxy.requests`` logger (see
    :func:`headroom.proxy._request_log.request_logging` for where it goes).
    """
    from headroom.proxy._serve import proxy_policy, proxy_store

    settings = settings or ProxySettings()
    chosen_store = store if store is not None else proxy_store()
    stage = CompressionStage(
        policy or proxy_policy(settings),
        chosen_store,
        settings.deadline_seconds,
        settings.compress_workers,
        compress_fn,
    )
    proxy = Proxy(settings, stage, Upstream(settings), chosen_store, Sessions(settings.max_sessions))
    library = LibraryRoutes(settings, chosen_store, stage.policy, proxy.metrics, compress_fn)

    def route(path: str, api: Api) -> Route:
        return Route(path, functools.partial(_compressing, proxy, api=api), methods=["POST"])

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await proxy.client.close()
            stage.close()
            library.close()

    routes = [
        Route("/livez", _livez, methods=["GET"]),
        Route("/readyz", functools.partial(_readyz, proxy), methods=["GET"]),
        Route("/health", functools.partial(_health, proxy), methods=["GET"]),
        Route("/metrics", functools.partial(_metrics, proxy), methods=["GET"]),
        route("/v1/messages", _MESSAGES),
        route("/v1/messages/count_tokens", _COUNT),
        *(route(p, _CHAT) for p in ("/v1/chat/completions", "/chat/completions")),
        *(
            route(p, _RESPONSES)
            for p in ("/v1/responses", "/responses", "/v1/codex/responses", "/backend-api/codex/responses")
        ),
        *library.routes(),
        Route("/{path:path}", functools.partial(_passthrough, proxy), methods=_METHODS),
    ]
    guard = Middleware(Guard, token=settings.token, pseudonym=proxy.pseudonym)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[guard])
    app.state.proxy = proxy
    return app


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def _livez(_: Request) -> Response:
    return JSONResponse({"status": "ok", "service": "headroom-proxy", "version": __version__})


async def _readyz(proxy: Proxy, _: Request) -> Response:
    ready = proxy.stage.alive and not proxy.client.closed
    return JSONResponse({"status": "ready" if ready else "not ready"}, status_code=200 if ready else 503)


async def _health(proxy: Proxy, request: Request) -> Response:
    try:
        stats = await asyncio.to_thread(proxy.store.stats)
        store: dict[str, Any] = {"entries": stats.entries, "bytes": stats.total_bytes}
    except Exception as exc:  # health reports a broken store, it does not become one
        store = {"error": type(exc).__name__}
    return JSONResponse(
        {
            "service": "headroom-proxy",
            "version": __version__,
            "policy_hash": proxy.stage.policy.policy_hash,
            "upstreams": {"anthropic": proxy.upstream(_ANTHROPIC), "openai": proxy.upstream(_OPENAI)},
            "store": store,
            "uptime_s": round(time.time() - proxy.started, 3),
            "inflight": proxy.metrics.inflight,
            "counters": proxy.metrics.counters(),
            "sessions": proxy.sessions.summary(),
            "pid": os.getpid(),
            "port": request.url.port,
        }
    )


async def _metrics(proxy: Proxy, _: Request) -> Response:
    return Response(proxy.metrics.render(), media_type=CONTENT_TYPE)


def _raw_headers(request: Request) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]


def _query(request: Request) -> str:
    # Read from the ASGI scope: Starlette's ``request.url`` rebuilds the whole URL on every call.
    query: bytes = request.scope.get("query_string", b"")
    return "?" + query.decode("latin-1") if query else ""


def _url(proxy: Proxy, name: str, request: Request) -> str:
    path: str = request.scope["path"]
    return proxy.upstream(name) + path + _query(request)


def _chatgpt_url(proxy: Proxy, request: Request) -> str:
    """Codex signed in with ChatGPT talks to the ChatGPT backend, whatever path its base URL gave."""
    return proxy.upstream(_CHATGPT) + "/responses" + _query(request)


async def _read(proxy: Proxy, request: Request, api: Api) -> tuple[Outgoing, str | None]:
    """The outgoing body and, when the original is forwarded still encoded, its content coding."""
    raw, within = await read_capped(request.stream(), proxy.settings.max_body_bytes)
    coding = request.headers.get("content-encoding")
    if not within:
        return Outgoing(raw, None, "too_large"), coding
    body = (
        await asyncio.to_thread(decode_body, raw, coding, proxy.settings.max_decoded_bytes)
        if coding
        else None
    )
    if body is not None and body.decoded is None:
        return Outgoing(raw, None, body.problem), coding
    decoded = body.decoded if body is not None and body.decoded is not None else raw
    if _bypass(request):
        return Outgoing(decoded, None, "bypass"), None
    return await proxy.stage.prepare(decoded, api.format), None


def _bypass(request: Request) -> bool:
    return request.headers.get("x-headroom-bypass", "").lower() in ("1", "true", "yes") or (
        request.headers.get("x-headroom-mode", "").lower() == "passthrough"
    )


async def _compressing(proxy: Proxy, request: Request, *, api: Api) -> Response:
    proxy.metrics.started()
    line = RequestLine(proxy.request_id(), request.method, request.scope["path"], api.name)
    raw = _raw_headers(request)
    try:
        outgoing, coding = await _read(proxy, request, api)
        session = header_session(raw) or outgoing.fingerprint
        _note(line, outgoing, session)
        response = await _forward(proxy, raw, request, api, outgoing, coding, session, line)
    except BaseException as exc:
        proxy.metrics.finished()
        line.error = type(exc).__name__
        proxy.log.write(line)
        raise
    _count(proxy, api, outgoing, response, session)
    return _finishing(proxy, response, line)


def _note(line: RequestLine, outgoing: Outgoing, session: str) -> None:
    """What the compression step did, on the request's log line."""
    line.model = model_of(outgoing.request)
    line.stream = _streaming(outgoing)
    line.compress_ms = round(outgoing.seconds * 1000, 2)
    line.tokens_in, line.tokens_out = outgoing.tokens_in, outgoing.tokens_out
    line.tokens_saved = max(outgoing.tokens_in - outgoing.tokens_out, 0)
    line.fail_open = outgoing.reason
    line.session = session or None


def _finishing(proxy: Proxy, response: Response, line: RequestLine) -> Response:
    """``response``, its request counted in flight and its line written when its last byte is sent."""
    line.status = response.status_code
    if isinstance(response, RelayResponse):

        def ended(finished: bool) -> None:
            proxy.metrics.finished()
            line.client_gone = not finished
            proxy.log.write(line)

        response.on_end = ended
    else:
        proxy.metrics.finished()
        proxy.log.write(line)
    return response


def _streaming(outgoing: Outgoing) -> bool:
    if outgoing.request is not None:
        return outgoing.request.get("stream") is True
    return bool(_STREAMING.search(outgoing.body))


def _count(proxy: Proxy, api: Api, outgoing: Outgoing, response: Response, session: str) -> None:
    streaming = _streaming(outgoing)
    proxy.metrics.requests.labels(api.name, f"{response.status_code // 100}xx", str(streaming).lower()).inc()
    if session:
        # The tool is known only for requests that were compressed (not for a fail-open original).
        tool = outgoing.spliced if outgoing.policy_hash and outgoing.reason is None else None
        change = proxy.sessions.record(session, outgoing.tokens_in, outgoing.tokens_out, tool)
        if change:
            proxy.metrics.tool_changes.labels(change).inc()
    if outgoing.reason:
        proxy.metrics.passthrough.labels(outgoing.reason).inc()
    if outgoing.policy_hash:
        proxy.metrics.compress_seconds.observe(outgoing.seconds)
        proxy.metrics.tokens_in.inc(outgoing.tokens_in)
        proxy.metrics.tokens_out.inc(outgoing.tokens_out)
        proxy.metrics.tokens_saved.inc(max(outgoing.tokens_in - outgoing.tokens_out, 0))


def _ours(request_id: str, outgoing: Outgoing, session: str) -> list[tuple[str, str]]:
    extra = [
        ("x-headroom-request-id", request_id),
        ("x-headroom-tokens-in", str(outgoing.tokens_in)),
        ("x-headroom-tokens-out", str(outgoing.tokens_out)),
    ]
    if session:
        extra.append(("x-headroom-session-id", session))
    if outgoing.policy_hash:
        extra.append(("x-headroom-policy", outgoing.policy_hash))
    if outgoing.reason:
        extra.append(("x-headroom-passthrough", outgoing.reason))
    return extra


async def _forward(
    proxy: Proxy,
    raw: list[tuple[str, str]],
    request: Request,
    api: Api,
    outgoing: Outgoing,
    coding: str | None,
    session: str,
    line: RequestLine,
) -> Response:
    streaming = _streaming(outgoing)
    chatgpt = api is _RESPONSES and header(raw, "chatgpt-account-id") is not None
    headers = proxy.outbound(raw, _CHATGPT if chatgpt else api.upstream, streaming=streaming)
    if coding:
        headers.append(("content-encoding", coding))
    url = _chatgpt_url(proxy, request) if chatgpt else _url(proxy, api.upstream, request)
    started = time.perf_counter()
    try:
        upstream = await proxy.client.send("POST", url, headers, outgoing.body)
    except Unreachable as exc:
        return _unreachable(api.upstream, exc)
    waited = time.perf_counter() - started
    proxy.metrics.ttfb_seconds.observe(waited)
    line.upstream_ms = round(waited * 1000, 2)
    extra = _ours(line.request_id, outgoing, session)
    if api.splices is None or not outgoing.spliced or upstream.status != 200 or outgoing.request is None:
        return _streamed(upstream, plain(upstream, proxy.metrics), extra)
    rounds = Round(
        proxy.client,
        url,
        headers,
        proxy.store,
        proxy.metrics,
        proxy.settings.max_rounds,
        proxy.settings.max_retrieved_bytes,
        line,
    )
    stream_splice, json_splice = api.splices
    if upstream.content_type.startswith("text/event-stream"):
        splice = stream_splice(proxy.settings.max_withheld_bytes)
        return _streamed(upstream, spliced_stream(upstream, splice, outgoing.request, rounds), extra)
    return await _json(upstream, json_splice(), outgoing.request, rounds, extra)


async def _json(
    upstream: UpstreamResponse,
    splice: Any,
    request: dict[str, Any],
    rounds: Round,
    extra: list[tuple[str, str]],
) -> Response:
    raw = await upstream.read()
    await upstream.close()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    try:
        merged = await spliced_json(body, splice, request, rounds) if isinstance(body, dict) else None
    except Unreachable as exc:
        return _unreachable(_ANTHROPIC if isinstance(splice, AnthropicJson) else _OPENAI, exc)
    if merged is None:
        rounds.metrics.usage(body.get("usage") if isinstance(body, dict) else None)
        return _with_headers(Response(raw, status_code=upstream.status), upstream, extra)
    status, payload = merged
    return _with_headers(Response(serialize(payload), status_code=status), upstream, extra)


def _with_headers(response: Response, upstream: UpstreamResponse, extra: list[tuple[str, str]]) -> Response:
    pairs = client_headers(upstream.headers, extra)
    if not isinstance(response, RelayResponse):
        pairs.append(("content-length", str(len(response.body))))
    response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
    return response


def _streamed(
    upstream: UpstreamResponse, body: AsyncIterator[bytes], extra: list[tuple[str, str]]
) -> Response:
    return _with_headers(RelayResponse(body, upstream.status), upstream, extra)


def _unreachable(name: str, exc: Exception) -> Response:
    message = f"upstream unreachable ({type(exc).__name__})"
    return own_error(_ANTHROPIC if name == _ANTHROPIC else _OPENAI, 502, message, "upstream_unreachable")


async def _passthrough(proxy: Proxy, request: Request) -> Response:
    """Any other path, both ways as a stream; Anthropic's when the client speaks Anthropic."""
    proxy.metrics.started()
    line = RequestLine(proxy.request_id(), request.method, request.scope["path"], "passthrough")
    try:
        response = await _passed_through(proxy, request, line)
    except BaseException as exc:
        proxy.metrics.finished()
        line.error = type(exc).__name__
        proxy.log.write(line)
        raise
    return _finishing(proxy, response, line)


async def _passed_through(proxy: Proxy, request: Request, line: RequestLine) -> Response:
    raw = _raw_headers(request)
    name = _ANTHROPIC if header(raw, "anthropic-version") or header(raw, "x-api-key") else _OPENAI
    headers = proxy.outbound(raw, name, streaming=True)
    coding = request.headers.get("content-encoding")
    if coding:
        headers.append(("content-encoding", coding))
    body = await request.body()
    line.session = header_session(raw)
    started = time.perf_counter()
    try:
        upstream = await proxy.client.send(request.method, _url(proxy, name, request), headers, body)
    except Unreachable as exc:
        return _unreachable(name, exc)
    line.upstream_ms = round((time.perf_counter() - started) * 1000, 2)
    proxy.metrics.requests.labels("passthrough", f"{upstream.status // 100}xx", "false").inc()
    return _streamed(upstream, plain(upstream, proxy.metrics), [("x-headroom-request-id", line.request_id)])
