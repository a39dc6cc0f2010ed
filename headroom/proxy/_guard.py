"""Who may use the proxy, and requests that went round in a loop: checked before any route runs.

- ``/livez`` and ``/readyz`` always answer (probes carry no token).
- ``/health``, ``/metrics`` and the library routes (``/v1/compress``, ``/v1/retrieve``) answer
  loopback callers (whose ``Host`` is a loopback name, so a page that rebinds a DNS name to
  127.0.0.1 cannot read them) and callers with the token; anyone else gets a 404, as if they
  did not exist.
- With a token set, every other route needs it, from loopback too: a tunnel (how a hosted
  agent reaches a local proxy) delivers its requests from loopback.
- A request that went round in a loop is answered 508 Loop Detected: one whose ``Via`` names
  this proxy (it adds ``Via: 1.1 <its pseudonym>`` on the way out, RFC 9110 §7.6.3, the
  standard loop check; a chain of different Headroom proxies still works), or one carrying
  ``x-headroom-hop`` (the spec's chained-proxy breaker, honoured inbound; never sent out,
  since no ``x-headroom-*`` header reaches an upstream).

The token is compared in constant time. A pure ASGI middleware: nothing is read or copied on
the way through.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from headroom.proxy._own_errors import own_error, provider_of

OPEN_PATHS = frozenset({"/livez", "/readyz"})
ADMIN_PATHS = frozenset({"/health", "/metrics", "/v1/compress", "/v1/retrieve"})
"""Loopback or the token, else 404 (the library routes check the same themselves)."""
HOP_HEADER = "x-headroom-hop"
VIA = b"via"
TOKEN_HEADER = "x-headroom-proxy-token"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


def presented_token(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The token a request carries: ``X-Headroom-Proxy-Token``, else a Bearer ``Authorization``."""
    bearer = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == TOKEN_HEADER.encode():
            return value.strip()
        if lowered == b"authorization" and value[:7].lower() == b"bearer ":
            bearer = value[7:].strip()
    return bearer


def token_matches(expected: str | None, presented: bytes | None) -> bool:
    """Whether ``presented`` is the token (constant time); False when no token is set."""
    if not expected or presented is None:
        return False
    return hmac.compare_digest(presented, expected.encode())


def loopback_address(host: str | None) -> bool:
    """True for a loopback IP (IPv4-mapped too), and for ``None``: a unix-socket peer is local."""
    if host is None:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _loopback_host_header(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    host = next((v.decode("latin-1") for k, v in headers if k.lower() == b"host"), "")
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]")[0]
    return not name or name.lower() in _LOOPBACK_NAMES or loopback_address(name)


class Guard:
    """The checks above, in front of the proxy's app."""

    def __init__(self, app: ASGIApp, token: str | None, pseudonym: str) -> None:
        self.app = app
        self.token = token
        self._own_via = pseudonym.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        path: str = scope["path"]
        if path in ADMIN_PATHS or path.startswith("/v1/retrieve/"):
            local = scope.get("client") is None or loopback_address(scope["client"][0])
            if scope.get("client") is not None and local and not _loopback_host_header(headers):
                local = False
            allowed = local or token_matches(self.token, presented_token(headers))
            return None if allowed else Response(b"Not Found", status_code=404, media_type="text/plain")
        if any(self._looped(name.lower(), value) for name, value in headers):
            return own_error(
                provider_of(path, headers),
                508,
                "loop detected: this request already passed a Headroom proxy (its upstream leads back here)",
                "loop_detected",
            )
        if self.token and not token_matches(self.token, presented_token(headers)):
            return own_error(
                provider_of(path, headers),
                401,
                f"this proxy needs its token ({TOKEN_HEADER} header, or Authorization: Bearer)",
                "proxy_token_required",
            )
        return None

    def _looped(self, name: bytes, value: bytes) -> bool:
        if name == HOP_HEADER.encode():
            return True
        if name != VIA:
            return False
        return any(entry.split()[1:2] == [self._own_via] for entry in value.split(b",") if entry.strip())
