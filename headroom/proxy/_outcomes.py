"""Outcomes of requests already compressed, by body digest: a resent body skips the thread pool.

Agents resend bodies whole: SDK retries, ``count_tokens`` before ``messages``, subagents that
share a prompt. Compression is deterministic, so the same body compresses to the same bytes
while every original its markers point to is still stored; a hit is checked against the store
and dropped otherwise. Only clean outcomes are kept (a fail-open result says nothing about the
next try). Bounded by the bytes held, least recently used first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from headroom.messages import MessageFormat
from headroom.proxy._outgoing import Outgoing

Holds = Callable[[str], bool]


class Outcomes:
    """An LRU of :class:`Outgoing` results keyed by format and body digest."""

    def __init__(self, holds: Holds, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._holds = holds
        self._max_bytes = max_bytes
        self._entries: OrderedDict[bytes, Outgoing] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def digest(body: bytes, fmt: MessageFormat) -> bytes:
        return hashlib.sha256(fmt.value.encode() + b"\x00" + body).digest()

    def get(self, digest: bytes) -> Outgoing | None:
        """The outcome for ``digest`` whose originals are all still stored (asks the store)."""
        out = self.peek(digest)
        return out if out is None or self.verify(digest, out) else None

    def peek(self, digest: bytes) -> Outgoing | None:
        """The outcome held for ``digest``, not yet checked against the store (memory only)."""
        with self._lock:
            out = self._entries.get(digest)
            if out is not None:
                self._entries.move_to_end(digest)
        return out

    def verify(self, digest: bytes, out: Outgoing) -> bool:
        """Whether every original ``out``'s markers point to is still stored; forgets it when not.

        Store I/O (SQLite, or a Redis round trip): the proxy calls it off the event loop.
        """
        if all(self._holds(key) for key in out.keys):
            return True
        with self._lock:
            self._drop(digest)
        return False

    def put(self, digest: bytes, out: Outgoing) -> None:
        if out.reason is not None or out.request is None or len(out.body) > self._max_bytes // 8:
            return
        with self._lock:
            self._drop(digest)
            self._entries[digest] = out
            self._bytes += len(out.body)
            while self._bytes > self._max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def _drop(self, digest: bytes) -> None:
        old = self._entries.pop(digest, None)
        if old is not None:
            self._bytes -= len(old.body)
