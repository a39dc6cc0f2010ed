"""Redis backend: one memory that the agents of many machines share (plain Redis, no modules).

Plain ``redis-server`` has no full-text search, so each project keeps one sorted set per search
term (fact id -> occurrences) and search ranks the facts holding any query word by the same
BM25 as the SQLite backend (``_base.rank``), on the project's own statistics. Saves, forgets and
use marks are Lua scripts (atomic, one round trip); connections follow the CCR Redis store's
conventions (``redis-py`` URLs, timeouts, the password never shown).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from headroom._redis import as_text, connect, store_errors, without_password
from headroom.errors import StoreBoundary, StoreError
from headroom.memory import _redis_scripts as scripts
from headroom.memory._base import Clock, check_project, draft, rank
from headroom.memory._model import Fact, Hit, MemoryLimits, MemoryStats, Saved
from headroom.memory._text import terms

DEFAULT_NAMESPACE = "headroom:memory"


class RedisMemory:
    """Facts in Redis under ``namespace``, one key prefix per project, capped per project (LRU)."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        limits: MemoryLimits | None = None,
        clock: Clock = time.time,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        timeout_s: float = 5.0,
    ) -> None:
        if not namespace:
            raise StoreError("the Redis namespace must not be empty")
        self.location = without_password(url)
        self.limits = limits or MemoryLimits()
        self._clock = clock
        self._ns = namespace
        self._client = connect(url, timeout_s)
        self._save, self._forget, self._touch = (
            self._client.register_script(source) for source in (scripts.SAVE, scripts.FORGET, scripts.TOUCH)
        )

    def save(self, project: str, content: str, *, agent: str = "unknown", session: str = "") -> Saved:
        fact = draft(project, content, self.limits)
        at = float(self._clock())
        prefix = self._prefix(project)
        args: list[str | int | float] = [prefix, fact.id, content, agent, session, repr(at), fact.size]
        args += [fact.length, self.limits.max_facts, self.limits.max_bytes]
        for term, count in fact.counts.items():
            args += [term, count]
        with self._translate("save"):
            answer = self._save(keys=[], args=args)
        if answer[0] == b"dup":
            held = self.get(project, fact.id)
            if held is None:  # forgotten between the two calls: save it again
                return self.save(project, content, agent=agent, session=session)
            return Saved(held, duplicate=True, evicted=())
        evicted = tuple(as_text(v) for v in answer[1:])
        return Saved(Fact(fact.id, project, content, agent, session, at, at, 0), False, evicted)

    def search(self, project: str, query: str, k: int = 10) -> list[Hit]:
        check_project(project)
        words = set(terms(query))
        if not words or k <= 0:
            return []
        prefix = self._prefix(project)
        ordered = sorted(words)
        with self._translate("search"):
            pipe = self._client.pipeline(transaction=True)
            pipe.hmget(f"{prefix}:m", ["facts", "length"])
            for word in ordered:
                pipe.zrange(f"{prefix}:w:{word}", 0, -1, withscores=True)
            totals, *postings = pipe.execute()
            counts: dict[str, dict[str, int]] = {}
            for word, posting in zip(ordered, postings, strict=True):
                for fid, count in posting:
                    counts.setdefault(as_text(fid), {})[word] = int(count)
            lengths = self._lengths(prefix, list(counts))
        candidates = {fid: (c, lengths[fid]) for fid, c in counts.items() if fid in lengths}
        best = rank(candidates, words, int(totals[0] or 0), int(totals[1] or 0), k)
        if not best:
            return []
        with self._translate("search"):
            alive = {
                as_text(f)
                for f in self._touch(
                    keys=[], args=[prefix, repr(float(self._clock()))] + [f for f, _ in best]
                )
            }
            facts = self._facts(project, [fid for fid, _ in best if fid in alive])
        return [Hit(facts[fid], score) for fid, score in best if fid in facts]

    def _lengths(self, prefix: str, ids: list[str]) -> dict[str, int]:
        pipe = self._client.pipeline(transaction=False)
        for fid in ids:
            pipe.hget(f"{prefix}:f:{fid}", "l")
        return {fid: int(n) for fid, n in zip(ids, pipe.execute(), strict=True) if n is not None}

    def _facts(self, project: str, ids: list[str]) -> dict[str, Fact]:
        prefix = self._prefix(project)
        pipe = self._client.pipeline(transaction=False)
        for fid in ids:
            pipe.hmget(f"{prefix}:f:{fid}", ["c", "a", "s", "t", "u", "n"])
        found = {}
        for fid, fields in zip(ids, pipe.execute(), strict=True):
            if fields[0] is not None:
                found[fid] = _fact(fid, project, fields)
        return found

    def get(self, project: str, fact_id: str) -> Fact | None:
        check_project(project)
        with self._translate("get"):
            return self._facts(project, [fact_id]).get(fact_id)

    def forget(self, project: str, fact_id: str) -> bool:
        check_project(project)
        with self._translate("forget"):
            return bool(self._forget(keys=[], args=[self._prefix(project), fact_id]))

    def recent(self, project: str, limit: int = 20) -> list[Fact]:
        check_project(project)
        if limit <= 0:
            return []
        with self._translate("recent"):
            held: list[bytes] = self._client.zrange(f"{self._prefix(project)}:lru", 0, -1)  # type: ignore[assignment]
            ids = [as_text(f) for f in held]
            facts = self._facts(project, ids)
        newest = sorted(facts.values(), key=lambda f: (-f.created_at, f.id))
        return newest[:limit]

    def stats(self, project: str) -> MemoryStats:
        check_project(project)
        with self._translate("stats"):
            count, size = self._client.hmget(f"{self._prefix(project)}:m", ["facts", "bytes"])
        return MemoryStats(int(count or 0), int(size or 0))

    def close(self) -> None:
        self._client.close()

    def _prefix(self, project: str) -> str:
        """The project's key prefix: a fixed-width tag, since project ids may hold any character."""
        tag = hashlib.sha256(project.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{self._ns}:{tag}"

    def _translate(self, operation: str) -> StoreBoundary:
        return store_errors(f"memory {operation}", self.location)


def _fact(fid: str, project: str, fields: list[Any]) -> Fact:
    content, agent, session, created, used, uses = (as_text(v) for v in fields)
    return Fact(fid, project, content, agent, session, float(created), float(used), int(uses))
