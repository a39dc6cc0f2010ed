"""The reversible store protocol and the in-memory backend."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from headroom.errors import EntryExpired, EntryNotFound, StoreError, StoreFull

KEY_PREFIX = "hr"
KEY_DIGITS = 18
KEY_PATTERN = rf"{KEY_PREFIX}\d{{{KEY_DIGITS}}}|hr_[0-9a-f]{{16}}"
"""A key as markers write it. ``hr_`` + 16 hex digits is the older format: stores and conversations
written with it still resolve."""


def content_key(content: bytes) -> str:
    """Content-hash key: the same original always gets the same key.

    Decimal, because tokenizers read digits three to a token: 18 digits (60 bits of SHA-256)
    cost 6 tokens where 16 hex digits (64 bits) cost about 10, and every marker carries one.
    """
    digest = int.from_bytes(hashlib.sha256(content).digest()[:8], "big") % 10**KEY_DIGITS
    return f"{KEY_PREFIX}{digest:0{KEY_DIGITS}d}"


def to_bytes(content: str | bytes) -> bytes:
    """Encode text exactly; lone surrogates survive the round trip."""
    if isinstance(content, bytes):
        return content
    return content.encode("utf-8", "surrogatepass")


def to_text(content: bytes) -> str:
    """Inverse of :func:`to_bytes` for text originals."""
    return content.decode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class StoreStats:
    """Counts describing a store's contents."""

    entries: int
    total_bytes: int


@runtime_checkable
class Store(Protocol):
    """A content-addressed store of originals with TTL and a size cap."""

    def put(self, content: str | bytes, kind: str = "text", keep: Collection[str] = ()) -> str:
        """Store ``content``; return its content-hash key (idempotent).

        Eviction never removes ``keep`` (the keys a caller's markers already point to): when
        the entry cannot fit beside them, nothing is stored and :class:`StoreFull` is raised.
        """
        ...

    def get(self, key: str) -> bytes:
        """Exact original bytes; raises EntryNotFound or EntryExpired."""
        ...

    def contains(self, key: str) -> bool:
        """True when ``key`` is present and not expired."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        ...

    def stats(self) -> StoreStats:
        """Entries and bytes currently held."""
        ...


Clock = Callable[[], float]


@dataclass
class _Entry:
    content: bytes
    expires_at: float | None


class MemoryStore:
    """A process-local LRU store: for tests, and for one-shot CLI runs when asked."""

    def __init__(
        self,
        ttl_seconds: float | None = 7 * 24 * 3600,
        max_bytes: int = 256 * 1024 * 1024,
        clock: Clock = time.time,
    ) -> None:
        if max_bytes <= 0:
            raise StoreError("max_bytes must be positive")
        self._ttl = ttl_seconds
        self._max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, content: str | bytes, kind: str = "text", keep: Collection[str] = ()) -> str:
        data = to_bytes(content)
        key = content_key(data)
        expires = None if self._ttl is None else self._clock() + self._ttl
        with self._lock:
            pinned = {key, *keep}
            held = sum(len(e.content) for k, e in self._entries.items() if k in pinned and k != key)
            if held + len(data) > self._max_bytes and (held or len(data) > self._max_bytes):
                raise StoreFull(f"store full: {len(data)} bytes do not fit beside {held} pinned bytes")
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)
            self._entries[key] = _Entry(data, expires)
            self._bytes += len(data)
            for victim in [k for k in self._entries if k not in pinned]:
                if self._bytes <= self._max_bytes:
                    break
                self._bytes -= len(self._entries.pop(victim).content)
        return key

    def get(self, key: str) -> bytes:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                raise EntryNotFound(f"no stored original for key {key!r}")
            if entry.expires_at is not None and entry.expires_at <= self._clock():
                del self._entries[key]
                self._bytes -= len(entry.content)
                raise EntryExpired(f"stored original for key {key!r} has expired")
            self._entries.move_to_end(key)
            return entry.content

    def contains(self, key: str) -> bool:
        try:
            self.get(key)
        except StoreError:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._bytes -= len(entry.content)

    def stats(self) -> StoreStats:
        with self._lock:
            return StoreStats(entries=len(self._entries), total_bytes=self._bytes)
