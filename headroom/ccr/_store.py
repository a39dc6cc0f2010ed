"""The reversible store protocol and the in-memory backend."""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from headroom.ccr._keys import KEY_DIGITS, KEY_PREFIX, KeyScheme, key_from_digest
from headroom.errors import EntryExpired, EntryNotFound, KeyCollision, StoreError, StoreFull

TTL_SECONDS = 7 * 24 * 3600
"""How long every store keeps an original by default: a week."""

KEY_PATTERN = rf"{KEY_PREFIX}\d{{{KEY_DIGITS}}}|hr_[0-9a-f]{{16}}"
"""A key as markers write it. ``hr_`` + 16 hex digits is the older format: stores and conversations
written with it still resolve."""


def content_key(content: bytes) -> str:
    """An unkeyed content hash in the key format: what a key costs, before a store names it.

    Stores name entries with :meth:`Store.key_for` (a keyed hash of scope and content); this
    one only gives a key of the same shape, for estimating a marker's token cost.
    """
    return key_from_digest(hashlib.sha256(content).digest())


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
    """A keyed store of originals with TTL and a size cap, serving one scope.

    Keys are keyed hashes of (scope, content): deterministic for one store and scope, unguessable
    without the store's secret, and never served across scopes.
    """

    @property
    def scope(self) -> str:
        """The project, session or tenant whose entries this store writes and serves."""
        ...

    def key_for(self, content: str | bytes) -> str:
        """The key ``put(content)`` returns in this store (whether or not it is stored)."""
        ...

    def put(self, content: str | bytes, kind: str = "text", keep: Collection[str] = ()) -> str:
        """Store ``content``; return its key (idempotent).

        Eviction never removes ``keep`` (the keys a caller's markers already point to): when
        the entry cannot fit beside them, nothing is stored and :class:`StoreFull` is raised.
        When another content already holds the key, :class:`KeyCollision` is raised.
        """
        ...

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        """Store every ``(content, kind)`` at once (one transaction where the backend has them).

        All or nothing: when one entry fails, none of them is stored.
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
        """Entries and bytes currently held (every scope of a shared backend)."""
        ...

    def purge(self, all_scopes: bool = False) -> int:
        """Remove this scope's entries (every scope's with ``all_scopes``); how many went."""
        ...


@runtime_checkable
class SharedStore(Store, Protocol):
    """A store that outlives the process and that several scopes share (SQLite, Redis)."""

    def scopes(self) -> dict[str, StoreStats]:
        """Entries and bytes per scope (an administrator's view: it reads every scope's counts)."""
        ...

    def close(self) -> None:
        """Release the file or connection."""
        ...


Clock = Callable[[], float]


@dataclass
class _Entry:
    content: bytes
    digest: bytes
    expires_at: float | None


_IN_PROCESS_SECRET = b"headroom in-process store, keys never leave it"


class KeyedStore(ABC):
    """What every store derives from its key scheme: its scope, keys, and ``put`` as one ``put_many``."""

    _keys: KeyScheme

    @property
    def scope(self) -> str:
        return self._keys.scope

    def key_for(self, content: str | bytes) -> str:
        return self._keys.key(to_bytes(content))

    def put(self, content: str | bytes, kind: str = "text", keep: Collection[str] = ()) -> str:
        return self.put_many([(content, kind)], keep)[0]

    def _set_limits(self, ttl_seconds: float | None, max_bytes: int, clock: Clock) -> None:
        """Keep the expiry, byte cap and clock every store's constructor takes."""
        if max_bytes <= 0:
            raise StoreError("max_bytes must be positive")
        self._ttl = ttl_seconds
        self._max_bytes = max_bytes
        self._clock = clock

    @abstractmethod
    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        """Store every entry at once (see :class:`Store`)."""


class MemoryStore(KeyedStore):
    """A process-local LRU store: for tests, evals, and one-shot CLI runs when asked.

    Its default secret is a fixed one: nobody outside the process can query it, so there is
    nothing to guess against, and fixed keys make a compressed request the same bytes in every
    run (recorded cassettes replay, tuning trials compare like with like).
    """

    def __init__(
        self,
        ttl_seconds: float | None = TTL_SECONDS,
        max_bytes: int = 256 * 1024 * 1024,
        clock: Clock = time.time,
        *,
        keys: KeyScheme | None = None,
    ) -> None:
        self._set_limits(ttl_seconds, max_bytes, clock)
        self._keys = keys or KeyScheme(_IN_PROCESS_SECRET)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        rows = [self._row(content) for content, _ in entries]
        expires = None if self._ttl is None else self._clock() + self._ttl
        with self._lock:
            fresh: dict[str, tuple[bytes, bytes]] = {}
            for key, data, digest in rows:
                held = self._entries.get(key)
                if (held is not None and held.digest != digest) or fresh.get(key, (data, digest))[
                    1
                ] != digest:
                    raise KeyCollision(f"key {key} already holds another original; not stored")
                fresh[key] = (data, digest)
            pinned = {*fresh, *keep}
            size = sum(len(data) for data, _ in fresh.values())
            held_bytes = sum(
                len(self._entries[k].content) for k in pinned - fresh.keys() if k in self._entries
            )
            if held_bytes + size > self._max_bytes and (held_bytes or size > self._max_bytes):
                raise StoreFull(f"store full: {size} bytes do not fit beside {held_bytes} pinned bytes")
            for key, (data, digest) in fresh.items():
                old = self._entries.pop(key, None)
                self._bytes += len(data) - (len(old.content) if old is not None else 0)
                self._entries[key] = _Entry(data, digest, expires)
            self._evict(pinned)
        return [key for key, _, _ in rows]

    def _row(self, content: str | bytes) -> tuple[str, bytes, bytes]:
        data = to_bytes(content)
        digest = self._keys.digest(data)
        return key_from_digest(digest, self._keys.digits), data, digest

    def _evict(self, pinned: set[str]) -> None:
        if self._bytes <= self._max_bytes:
            return
        for victim in [k for k in self._entries if k not in pinned]:
            if self._bytes <= self._max_bytes:
                break
            self._bytes -= len(self._entries.pop(victim).content)

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

    def purge(self, all_scopes: bool = False) -> int:
        with self._lock:
            removed = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        return removed
