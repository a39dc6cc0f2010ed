"""Which headers cross the proxy, each way: everything except hop-by-hop, framing and our own."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
# Recomputed or decoded here: replaying them would describe bytes the other side never gets
# (``expect: 100-continue`` was answered by this server; the upstream gets the whole body at once).
_FRAMING = frozenset({"content-length", "content-encoding", "host", "accept-encoding", "expect"})
_RESPONSE_DROP = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)
OWN_PREFIX = "x-headroom-"

Headers = list[tuple[str, str]]


def _connection_named(headers: Iterable[tuple[str, str]]) -> set[str]:
    named: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            named.update(token.strip().lower() for token in value.split(",") if token.strip())
    return named


def upstream_headers(client: Iterable[tuple[str, str]], *, streaming: bool) -> Headers:
    """The client's headers as sent upstream: verbatim (order and case), minus what must not cross.

    ``accept-encoding`` is replaced: a stream must be readable as it arrives, and a codec the
    proxy cannot decode must never be chosen by the upstream on the client's say-so.
    """
    pairs = list(client)
    dropped = _HOP_BY_HOP | _FRAMING | _connection_named(pairs)
    kept = [
        (name, value)
        for name, value in pairs
        if name.lower() not in dropped
        and not name.lower().startswith((OWN_PREFIX, "x-forwarded-"))
        and name.lower() != "forwarded"
    ]
    kept.append(("accept-encoding", "identity" if streaming else "gzip, deflate"))
    return kept


def client_headers(upstream: Iterable[tuple[str, str]], extra: Iterable[tuple[str, str]] = ()) -> Headers:
    """The upstream's response headers as relayed to the client, plus ours."""
    pairs = list(upstream)
    dropped = _RESPONSE_DROP | _connection_named(pairs)
    return [(n, v) for n, v in pairs if n.lower() not in dropped] + list(extra)


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of ``name`` (case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def without_bearer(headers: list[tuple[str, str]], token: str | None) -> list[tuple[str, str]]:
    """``headers`` less an ``Authorization: Bearer`` that is the proxy's own token (not an upstream key)."""
    if not token:
        return headers
    return [(n, v) for n, v in headers if n.lower() != "authorization" or not _is_bearer(v, token)]


def _is_bearer(value: str, token: str) -> bool:
    # Header values arrive decoded as latin-1: encoding back gives the bytes sent (UTF-8 tokens too).
    value = value.strip()
    return value[:7].lower() == "bearer " and hmac.compare_digest(
        value[7:].strip().encode("latin-1"), token.encode()
    )
