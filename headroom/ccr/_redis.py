"""Redis backend: one store that many proxies, MCP servers and machines share.

Every mutation is one Lua script (atomic on the server, one round trip): a put checks key
collisions and room beside the pinned keys, evicts least-recently-used entries of any scope and
writes, or writes nothing. Reads are one ``MULTI`` (the fields, and the entry's LRU touch). Keys
are the same keyed hashes as every store's (:mod:`headroom.ccr._keys`); entries live under their
scope's tag, so a scope can neither read nor delete another's, and the secret comes from the
settings or, when none is set, from the server itself (made once, shared by every process of
the deployment). Entries expire twice over: on the store's clock when read (so a shorter TTL
applies at once) and by Redis ``PEXPIRE`` (memory comes back with nobody reading).
Standalone Redis (or one primary behind Sentinel): the scripts touch keys they compute.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from headroom._redis import as_text, connect, store_errors, without_password
from headroom.ccr import _redis_scripts as scripts
from headroom.ccr._keys import DEFAULT_SCOPE, KeyScheme, ephemeral_secret, key_from_digest
from headroom.ccr._sqlite import _decode, _encode
from headroom.ccr._store import TTL_SECONDS, Clock, KeyedStore, StoreStats, to_bytes
from headroom.errors import (
    EntryExpired,
    EntryNotFound,
    KeyCollision,
    StoreBoundary,
    StoreError,
    StoreFull,
)

if TYPE_CHECKING:
    pass

DEFAULT_NAMESPACE = "headroom:ccr"
_PURGE_CHUNK = 1000
_SEND_WITHOUT_ASKING = 64 * 1024


class RedisStore(KeyedStore):
    """Originals in Redis, keyed per scope, with TTL and an LRU size cap over the whole server.

    ``url`` is any URL ``redis-py`` opens (``redis://[:password@]host:port/db``, ``rediss://``,
    ``unix://``); ``namespace`` prefixes every Redis key, so deployments can share a server;
    ``timeout_s`` bounds each call (a store that does not answer fails the put, and its block
    passes through uncompressed).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        ttl_seconds: float | None = TTL_SECONDS,
        max_bytes: int = 1024 * 1024 * 1024,
        clock: Clock = time.time,
        *,
        scope: str = DEFAULT_SCOPE,
        secret: bytes | None = None,
        keys: KeyScheme | None = None,
        namespace: str = DEFAULT_NAMESPACE,
        timeout_s: float = 5.0,
    ) -> None:
        self._set_limits(ttl_seconds, max_bytes, clock)
        if not namespace:
            raise StoreError("the Redis namespace must not be empty")
        self.location = without_password(url)
        self._ns = namespace
        self._client = connect(url, timeout_s)
        self._put, self._remove, self._purge, self._stats = (
            self._client.register_script(source)
            for source in (scripts.PUT, scripts.REMOVE, scripts.PURGE_SCOPE, scripts.STATS)
        )
        self._keys = keys or KeyScheme(secret or self._deployment_secret(), scope)
        self._tag = _scope_tag(self._keys.scope)

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        rows: dict[str, tuple[str, bytes, bytes]] = {}
        keys = []
        for content, kind in entries:
            data = to_bytes(content)
            digest = self._keys.digest(data)
            key = key_from_digest(digest, self._keys.digits)
            if rows.setdefault(key, (kind, data, digest))[2] != digest:
                raise KeyCollision(f"key {key} is shared by two originals of one batch; not stored")
            keys.append(key)
        if not rows:
            return []
        with self._translate("put"):
            held: set[str] = set()
            if sum(len(data) for _, data, _ in rows.values()) > _SEND_WITHOUT_ASKING:
                # Large content already stored (a conversation re-sent each turn) is neither encoded
                # nor sent again; small content costs less to send than a round trip to ask.
                digests = self._held_digests(list(rows))
                held = {k for k, (_, _, d) in rows.items() if digests.get(k) == d}
            answer = self._run_put(rows, keep, held)
            if answer[0] == b"gone":  # evicted by another process since the read: send it all
                answer = self._run_put(rows, keep, set())
        self._raise_refusal(answer)
        return keys

    def _held_digests(self, keys: list[str]) -> dict[str, bytes]:
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.hget(self._entry(key), "d")
        return {k: d for k, d in zip(keys, pipe.execute(), strict=True) if d is not None}

    def _run_put(
        self, rows: dict[str, tuple[str, bytes, bytes]], keep: Collection[str], held: set[str]
    ) -> Any:
        now = self._clock()
        expires = "" if self._ttl is None else repr(now + self._ttl)
        ttl_ms = "" if self._ttl is None else str(max(1, int(self._ttl * 1000)))
        args: list[str | bytes] = [self._ns, self._tag, self.scope, repr(now), expires, ttl_ms]
        pinned = [self._id(k) for k in keep]
        args += [str(self._max_bytes), str(len(pinned)), *pinned]
        for key, (kind, data, digest) in rows.items():
            if key in held:
                args += [self._id(key), "held", kind, digest, "", b""]
            else:
                stored, codec = _encode(data)
                args += [self._id(key), "new", kind, digest, codec or "", stored]
        return self._put(keys=[], args=args)

    def _raise_refusal(self, answer: Any) -> None:
        verdict = answer[0]
        if verdict == b"collision":
            raise KeyCollision(
                f"key {answer[1].decode().split(':', 1)[1]} already holds another original; not stored"
            )
        if verdict == b"full":
            held, adding = int(answer[1]), int(answer[2])
            raise StoreFull(
                f"store full: {adding} bytes do not fit under the cap of {self._max_bytes} bytes"
                f" ({held} held) beside the entries pinned for this call"
            )
        if verdict != b"ok":
            raise StoreError(f"CCR store put failed at {self.location}: the server answered {verdict!r}")

    def get(self, key: str) -> bytes:
        fields = self._read(key, "c", "z")
        if fields is None:
            raise EntryNotFound(f"no stored original for key {key!r}")
        content, codec = fields
        return _decode(content, codec.decode() or None, key)

    def contains(self, key: str) -> bool:
        """Present and unexpired (and used, for the LRU), read without fetching the content."""
        try:
            return self._read(key) is not None
        except StoreError:
            return False

    def _read(self, key: str, *fields: str) -> list[bytes] | None:
        """The entry's ``fields`` (touching it for the LRU); None when absent, EntryExpired when expired."""
        now = self._clock()
        with self._translate("get"):
            pipe = self._client.pipeline(transaction=True)
            pipe.hmget(self._entry(key), ["t", "x", *fields])
            pipe.zadd(f"{self._ns}:lru", {self._id(key): now}, xx=True)
            values, _ = pipe.execute()
        stored_at, expires_at, *rest = values
        if stored_at is None:
            return None
        if self._expired(now, float(stored_at), float(expires_at) if expires_at else None):
            with self._translate("get"):
                self._remove(keys=[], args=[self._ns, self._id(key)])
            raise EntryExpired(f"stored original for key {key!r} has expired")
        return list(rest)

    def _expired(self, now: float, stored_at: float, expires_at: float | None) -> bool:
        """Past the TTL it was stored with, or past this store's TTL (a shorter one set since)."""
        if expires_at is not None and expires_at <= now:
            return True
        return self._ttl is not None and stored_at + self._ttl <= now

    def delete(self, key: str) -> None:
        with self._translate("delete"):
            self._remove(keys=[], args=[self._ns, self._id(key)])

    def stats(self) -> StoreStats:
        with self._translate("stats"):
            entries, total = self._stats(keys=[], args=[self._ns, repr(self._clock())])
        return StoreStats(entries=int(entries), total_bytes=int(total))

    def scopes(self) -> dict[str, StoreStats]:
        """Entries and bytes per scope (an administrator's view: it reads every scope's counts)."""
        with self._translate("stats"):
            names = self._client.hgetall(f"{self._ns}:scopes")
            pipe = self._client.pipeline(transaction=False)
            for tag in names:
                pipe.hmget(f"{self._ns}:t:{as_text(tag)}", ["entries", "bytes"])
            counts = pipe.execute()
        return {
            as_text(name): StoreStats(int(n or 0), int(size or 0))
            for name, (n, size) in zip(names.values(), counts, strict=True)
        }

    def purge(self, all_scopes: bool = False) -> int:
        with self._translate("purge"):
            tags = (
                [as_text(t) for t in self._client.hkeys(f"{self._ns}:scopes")] if all_scopes else [self._tag]
            )
            removed = 0
            for tag in tags:
                while taken := int(self._purge(keys=[], args=[self._ns, tag, str(_PURGE_CHUNK)])):
                    removed += taken
        return removed

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _deployment_secret(self) -> bytes:
        """The server's secret for this namespace, made by whichever process asks first."""
        where = f"{self._ns}:secret"
        with self._translate("open"):
            self._client.set(where, ephemeral_secret(), nx=True)
            secret = self._client.get(where)
        if not isinstance(secret, bytes) or len(secret) < 16:
            raise StoreError(f"the store secret at {self.location} key {where!r} is missing or too short")
        return secret

    def _id(self, key: str) -> str:
        return f"{self._tag}:{key}"

    def _entry(self, key: str) -> str:
        return f"{self._ns}:e:{self._tag}:{key}"

    def _translate(self, operation: str) -> StoreBoundary:
        return store_errors(f"CCR store {operation}", self.location)


def _scope_tag(scope: str) -> str:
    """A fixed-width name for a scope inside Redis keys (scope names may hold any character)."""
    return hashlib.sha256(scope.encode("utf-8", "surrogatepass")).hexdigest()[:16]
