"""SQLite backend: the embedded default, one owner-only file in the user data directory.

Facts live in a table keyed by (project, id); an FTS5 table indexes each fact's search terms
(the same terms the Redis backend keeps, see ``_text``) and ranks with FTS5's BM25. Many
processes share the file (the MCP servers of several agents): WAL, a busy timeout, and a save
that checks, inserts and evicts in one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs

from headroom.ccr._sqlite import _create_private, _restrict_sidecars
from headroom.errors import StoreBoundary, StoreError
from headroom.memory._base import Clock, Draft, check_project, draft, rank
from headroom.memory._model import Fact, Hit, MemoryLimits, MemoryStats, Saved
from headroom.memory._text import terms

_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    content TEXT NOT NULL,
    agent TEXT NOT NULL,
    session TEXT NOT NULL,
    created_at REAL NOT NULL,
    used_at REAL NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    terms TEXT NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (project, id)
);
CREATE INDEX IF NOT EXISTS facts_lru ON facts(project, used_at, created_at);
CREATE INDEX IF NOT EXISTS facts_created ON facts(project, created_at);
CREATE VIRTUAL TABLE IF NOT EXISTS facts_fts USING fts5(terms, project UNINDEXED);
"""
_FACT = "id, project, content, agent, session, created_at, used_at, uses"


def default_memory_path() -> Path:
    """``<user data dir>/headroom/memory.sqlite3`` (kept, unlike the cache directory's CCR store)."""
    return Path(platformdirs.user_data_dir("headroom")) / "memory.sqlite3"


class SqliteMemory:
    """Facts in one SQLite file, searched with FTS5, capped per project (LRU eviction)."""

    def __init__(
        self,
        path: str | Path | None = None,
        limits: MemoryLimits | None = None,
        clock: Clock = time.time,
        *,
        busy_timeout_s: float = 30.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_memory_path()
        self.location = str(self.path)
        self.limits = limits or MemoryLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._db = self._open(busy_timeout_s)

    def save(self, project: str, content: str, *, agent: str = "unknown", session: str = "") -> Saved:
        fact = draft(project, content, self.limits)
        at = float(self._clock())
        with self._transaction("save") as db:
            held = db.execute(
                "UPDATE facts SET used_at=? WHERE project=? AND id=? RETURNING " + _FACT,
                (at, project, fact.id),
            ).fetchone()
            if held is not None:
                return Saved(_fact(held), duplicate=True, evicted=())
            row = (
                project,
                fact.id,
                content,
                agent,
                session,
                at,
                at,
                0,
                fact.size,
                fact.term_text,
                fact.length,
            )
            rowid = db.execute(
                "INSERT INTO facts(project, id, content, agent, session, created_at, used_at, uses, size, terms,"
                " length) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                row,
            ).lastrowid
            db.execute(
                "INSERT INTO facts_fts(rowid, terms, project) VALUES (?,?,?)",
                (rowid, fact.term_text, project),
            )
            evicted = self._evict(db, fact)
        return Saved(Fact(fact.id, project, content, agent, session, at, at, 0), False, evicted)

    def _evict(self, db: sqlite3.Connection, kept: Draft) -> tuple[str, ...]:
        """Remove least recently used facts (never ``kept``) until the project is under its caps."""
        count, size = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM facts WHERE project=?", (kept.project,)
        ).fetchone()
        evicted: list[str] = []
        if count <= self.limits.max_facts and size <= self.limits.max_bytes:
            return ()
        oldest = db.execute(
            "SELECT rowid, id, size FROM facts WHERE project=? AND id<>? ORDER BY used_at, created_at, id",
            (kept.project, kept.id),
        )
        for rowid, fid, fact_size in oldest.fetchall():
            if count <= self.limits.max_facts and size <= self.limits.max_bytes:
                break
            self._delete(db, rowid)
            evicted.append(str(fid))
            count, size = count - 1, size - fact_size
        return tuple(evicted)

    def search(self, project: str, query: str, k: int = 10) -> list[Hit]:
        check_project(project)
        words = set(terms(query))
        if not words or k <= 0:
            return []
        match = " OR ".join(f'"{word}"' for word in sorted(words))  # terms are letters and digits only
        at = float(self._clock())
        with self._transaction("search") as db:
            found = db.execute(
                "SELECT f.id, f.terms, f.length FROM facts_fts JOIN facts f ON f.rowid = facts_fts.rowid"
                " WHERE facts_fts MATCH ? AND facts_fts.project = ?",
                (match, project),
            ).fetchall()
            facts, total = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(length), 0) FROM facts WHERE project=?", (project,)
            ).fetchone()
            candidates = {str(fid): (_counts(str(text), words), int(n)) for fid, text, n in found}
            best = rank(candidates, words, int(facts), int(total), k)
            hits = []
            for fid, score in best:
                row = db.execute(
                    f"UPDATE facts SET used_at=?, uses=uses+1 WHERE project=? AND id=? RETURNING {_FACT}",
                    (at, project, fid),
                ).fetchone()
                hits.append(Hit(_fact(row), score))
        return hits

    def get(self, project: str, fact_id: str) -> Fact | None:
        check_project(project)
        with self._reading("get") as db:
            row = db.execute(
                f"SELECT {_FACT} FROM facts WHERE project=? AND id=?", (project, fact_id)
            ).fetchone()
        return None if row is None else _fact(row)

    def forget(self, project: str, fact_id: str) -> bool:
        check_project(project)
        with self._transaction("forget") as db:
            row = db.execute(
                "SELECT rowid FROM facts WHERE project=? AND id=?", (project, fact_id)
            ).fetchone()
            if row is None:
                return False
            self._delete(db, row[0])
        return True

    def recent(self, project: str, limit: int = 20) -> list[Fact]:
        check_project(project)
        with self._reading("recent") as db:
            rows = db.execute(
                f"SELECT {_FACT} FROM facts WHERE project=? ORDER BY created_at DESC, id LIMIT ?",
                (project, max(0, limit)),
            ).fetchall()
        return [_fact(row) for row in rows]

    def stats(self, project: str) -> MemoryStats:
        check_project(project)
        with self._reading("stats") as db:
            count, size = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM facts WHERE project=?", (project,)
            ).fetchone()
        return MemoryStats(int(count), int(size))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def _delete(db: sqlite3.Connection, rowid: int) -> None:
        db.execute("DELETE FROM facts_fts WHERE rowid=?", (rowid,))
        db.execute("DELETE FROM facts WHERE rowid=?", (rowid,))

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        in_memory = str(self.path) == ":memory:"
        try:
            if not in_memory:
                _create_private(self.path)
            db = sqlite3.connect(
                str(self.path), timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
            )
            if not in_memory:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")  # one process creates it
            _restrict_sidecars(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the memory store at {self.path}: {exc}") from exc
        return db

    @contextlib.contextmanager
    def _transaction(self, operation: str) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at its start (``BEGIN IMMEDIATE``) so it never deadlocks."""
        with self._lock, StoreBoundary(sqlite3.Error, f"memory {operation}", self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _reading(self, operation: str) -> Iterator[sqlite3.Connection]:
        with self._lock, StoreBoundary(sqlite3.Error, f"memory {operation}", self.path):
            yield self._db


def _counts(term_text: str, words: set[str]) -> dict[str, int]:
    """How often each query word occurs in a fact's indexed terms."""
    counts: dict[str, int] = {}
    for term in term_text.split():
        if term in words:
            counts[term] = counts.get(term, 0) + 1
    return counts


def _fact(row: tuple[Any, ...]) -> Fact:
    fid, project, content, agent, session, created_at, used_at, uses = row
    return Fact(
        str(fid),
        str(project),
        str(content),
        str(agent),
        str(session),
        float(created_at),
        float(used_at),
        int(uses),
    )
