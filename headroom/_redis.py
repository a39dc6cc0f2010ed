"""The conventions every Redis-backed store follows (CCR store, memory): how it connects, how
its URL is shown, how the client's errors and bytes come back to the caller."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from headroom.errors import MissingDependency, StoreBoundary, StoreError

if TYPE_CHECKING:
    import redis


def connect(url: str, timeout_s: float) -> redis.Redis:
    """A client for ``url`` (``redis-py`` URL syntax) whose every socket call gives up after ``timeout_s``."""
    try:
        import redis
    except ModuleNotFoundError as exc:
        raise MissingDependency("the Redis store's client, the package 'redis',", extra="redis") from exc
    try:
        return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    except ValueError as exc:
        raise StoreError(f"invalid Redis store URL {without_password(url)!r}: {exc}") from exc


def store_errors(what: str, location: str) -> StoreBoundary:
    """Where a Redis client error becomes :class:`StoreError` naming ``what`` failed where."""
    import redis

    return StoreBoundary(redis.RedisError, what, location)


def as_text(value: bytes | str) -> str:
    """A string read back from Redis (bytes, since the client does not decode)."""
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def without_password(url: str) -> str:
    """``url`` as it may be shown: the password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
