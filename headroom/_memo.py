"""Blocks already compressed in this process, so a conversation re-sent each turn costs its new part.

An agent re-sends its whole history on every call; compressing it again gives the same bytes
(a block's output depends only on its text, its turn's query and recent turns, the policy and
the store), so the result is remembered per store and looked up by a digest of those inputs.
A hit is used only while every original its markers point to still resolves in the store (else
the block is compressed again), and it keeps a block's bytes fixed across turns, which is what
the provider's prompt cache needs. Bounded by the bytes of the outputs it holds, least recently
used first.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict

from headroom._provenance import holds
from headroom.ccr import Store
from headroom.compressors import CompressContext, Compressed

_MAX_BYTES = 64 * 1024 * 1024


class BlockMemo:
    """Compressed blocks by input digest, for one store."""

    def __init__(self, max_bytes: int = _MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[bytes, Compressed] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, digest: bytes, store: Store) -> Compressed | None:
        with self._lock:
            out = self._entries.get(digest)
            if out is not None:
                self._entries.move_to_end(digest)
        if out is None or not all(holds(store, e.key) for e in out.elisions):
            return None
        return out

    def put(self, digest: bytes, out: Compressed) -> None:
        size = len(out.text)
        if size > self._max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(digest, None)
            self._bytes += size - (len(old.text) if old is not None else 0)
            self._entries[digest] = out
            while self._bytes > self._max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.text)


_MEMOS: weakref.WeakKeyDictionary[object, BlockMemo] = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def memo_for(store: Store) -> BlockMemo | None:
    """The memo of ``store`` (``None`` for a store that cannot be weakly referenced)."""
    with _MEMOS_LOCK:
        try:
            memo = _MEMOS.get(store)
            if memo is None:
                memo = _MEMOS[store] = BlockMemo()
        except TypeError:
            return None
    return memo


def block_digest(text: str, policy_hash: str, ctx: CompressContext) -> bytes:
    """Everything a block's compression depends on, hashed."""
    digest = hashlib.sha256()
    for part in (policy_hash, ctx.encoding, ctx.filename or "", ctx.query or "", ctx.recent_text, text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()
