"""Blocks already compressed in this process, so a conversation re-sent each turn costs its new part.

An agent re-sends its whole history on every call; compressing it again gives the same bytes
(a block's output depends only on its text, its turn's query and recent turns, the parts of the
policy its compression read, and the store), so the result is remembered per store and looked up
by a digest of the text and context. Each result records which policy sections its compression
read (a recorder stands in for the policy while it runs) and their fingerprints: a later policy
that differs only in sections the block never read gets the same result without compressing it
again, which is what makes a tuning study that varies one section cheap on every other block.
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
from typing import Any

from pydantic import BaseModel

from headroom._provenance import holds
from headroom.ccr import Store
from headroom.compressors import CompressContext, Compressed

_MAX_BYTES = 64 * 1024 * 1024


Reads = tuple[tuple[str, str], ...]
"""``(policy attribute, fingerprint)`` for each part of the policy a compression read."""
_WHOLE = "*"  # a read that depends on the whole policy (its hash, a dump, a method)
_SECTION = "section:"  # a compressor section asked for by name (``Policy.section``)
_VARIANTS_PER_BLOCK = 16


class BlockMemo:
    """Compressed blocks by the digest of their text and context, one variant per policy slice read."""

    def __init__(self, max_bytes: int = _MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[bytes, list[tuple[Reads, Compressed]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, digest: bytes, policy: object, store: Store) -> Compressed | None:
        with self._lock:
            variants = self._entries.get(digest)
            if variants is not None:
                self._entries.move_to_end(digest)
                variants = list(variants)
        whole = policy_hash(policy) if variants else ""
        for reads, out in variants or ():
            if all(fingerprint(policy, name, whole) == value for name, value in reads):
                return out if all(holds(store, e.key) for e in out.elisions) else None
        return None

    def put(self, digest: bytes, reads: Reads, out: Compressed) -> None:
        size = len(out.text)
        if size > self._max_bytes // 4:
            return
        with self._lock:
            variants = self._entries.pop(digest, [])
            kept = [(r, o) for r, o in variants if r != reads][-(_VARIANTS_PER_BLOCK - 1) :]
            self._bytes += size - sum(len(o.text) for _, o in variants) + sum(len(o.text) for _, o in kept)
            self._entries[digest] = [*kept, (reads, out)]
            while self._bytes > self._max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= sum(len(o.text) for _, o in evicted)


class PolicyReads:
    """Stands in for a policy while a block compresses, noting each top-level attribute read."""

    def __init__(self, policy: object) -> None:
        object.__setattr__(self, "_policy", policy)
        object.__setattr__(self, "_names", set())

    def __getattr__(self, name: str) -> Any:
        self._names.add(name)
        return getattr(self._policy, name)

    def section(self, name: str) -> Any:
        """A compressor's section, as ``Policy.section`` gives it (noted like an attribute read)."""
        self._names.add(_SECTION + name)
        return self._policy.section(name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a policy is frozen")

    def __hash__(self) -> int:
        self._names.add(_WHOLE)
        return hash(self._policy)

    def __eq__(self, other: object) -> bool:
        self._names.add(_WHOLE)
        return bool(self._policy == (other._policy if isinstance(other, PolicyReads) else other))

    def reads(self) -> Reads:
        """The fingerprints of what was read (the whole policy's hash when anything opaque was)."""
        names = sorted(self._names)
        attributes = [n for n in names if not n.startswith(_SECTION)]
        if any(callable(getattr(self._policy, n, None)) for n in attributes):  # a method: the whole policy
            names = [_WHOLE]
        whole = policy_hash(self._policy)
        return tuple((name, fingerprint(self._policy, name, whole)) for name in names)


_FINGERPRINTS: dict[tuple[str, str], str] = {}


_HASHES: dict[int, tuple[object, str]] = {}
_HASHES_MAX = 256


def policy_hash(policy: object) -> str:
    """``policy.policy_hash``, worked out once per policy object (a policy is frozen).

    The memo asks for it once per block, and the hash is a JSON dump of the whole policy: uncached,
    it cost more than a remembered block saves. Held by identity, with the object kept alive so
    its id cannot be reused while it is cached.
    """
    known = _HASHES.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    value = str(getattr(policy, "policy_hash"))  # noqa: B009 (any policy-like object)
    if isinstance(policy, PolicyReads):  # a stand-in, not a policy: never held
        return value
    if len(_HASHES) >= _HASHES_MAX:
        _HASHES.clear()
    _HASHES[id(policy)] = (policy, value)
    return value


_FINGERPRINTS_MAX = 8192


def fingerprint(policy: object, name: str, whole: str | None = None) -> str:
    """A digest of one top-level part of ``policy`` (``*``: all of it), cached by the policy's hash."""
    if whole is None:
        whole = policy_hash(policy)
    if name == _WHOLE:
        return whole
    cached = _FINGERPRINTS.get((whole, name))
    if cached is None:
        if name.startswith(_SECTION):
            value = policy.section(name[len(_SECTION) :])  # type: ignore[attr-defined]
        else:
            value = getattr(policy, name, None)
        if isinstance(value, BaseModel):
            cached = hashlib.sha256(value.model_dump_json().encode()).hexdigest()[:16]
        else:
            cached = value if isinstance(value, str) else repr(value)
        if len(_FINGERPRINTS) >= _FINGERPRINTS_MAX:
            _FINGERPRINTS.clear()
        _FINGERPRINTS[(whole, name)] = cached
    return cached


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


def block_digest(text: str, ctx: CompressContext) -> bytes:
    """Everything a block's compression depends on besides the policy, hashed."""
    parts = (ctx.encoding, ctx.filename or "", ctx.query or "", ctx.recent_text, text)
    # Each part prefixed by its length in characters, so no two contexts join to the same string;
    # one encode and one hash (the memo is asked for every live block of every call).
    joined = "".join(f"{len(part)}:{part}" for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).digest()
