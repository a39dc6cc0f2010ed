"""SQLite backend: the embedded default, one file under the user cache directory."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import platformdirs

from headroom.ccr._store import Clock, StoreStats, content_key, to_bytes
from headroom.errors import EntryExpired, EntryNotFound, StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    accessed_at REAL NOT NULL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS entries_accessed ON entries(accessed_at);
"""


def default_store_path() -> Path:
    """``<user cache dir>/headroom/ccr.sqlite3``."""
    return Path(platformdirs.user_cache_dir("headroom")) / "ccr.sqlite3"


class SqliteStore:
    """Content-addressed originals in SQLite, with TTL and an LRU size cap."""

    def __init__(
        self,
        path: str | Path | None = None,
        ttl_seconds: float | None = 7 * 24 * 3600,
        max_bytes: int = 1024 * 1024 * 1024,
        clock: Clock = time.time,
    ) -> None:
        if max_bytes <= 0:
            raise StoreError("max_bytes must be positive")
        self.path = Path(path) if path is not None else default_store_path()
        self._ttl = ttl_seconds
        self._max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open CCR store at {self.path}: {exc}") from exc

    def put(self, content: str | bytes, kind: str = "text") -> str:
        data = to_bytes(content)
        key = content_key(data)
        now = self._clock()
        expires = None if self._ttl is None else now + self._ttl
        with self._lock, self._translate("put"):
            self._db.execute(
                "INSERT INTO entries(key, kind, content, size, created_at, accessed_at, expires_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET"
                " accessed_at=excluded.accessed_at, expires_at=excluded.expires_at",
                (key, kind, data, len(data), now, now, expires),
            )
            self._evict(keep=key)
        return key

    def get(self, key: str) -> bytes:
        now = self._clock()
        with self._lock, self._translate("get"):
            row = self._db.execute("SELECT content, expires_at FROM entries WHERE key=?", (key,)).fetchone()
            if row is None:
                raise EntryNotFound(f"no stored original for key {key!r}")
            content, expires_at = row
            if expires_at is not None and expires_at <= now:
                self._db.execute("DELETE FROM entries WHERE key=?", (key,))
                raise EntryExpired(f"stored original for key {key!r} has expired")
            self._db.execute("UPDATE entries SET accessed_at=? WHERE key=?", (now, key))
            return bytes(content)

    def contains(self, key: str) -> bool:
        try:
            self.get(key)
        except StoreError:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._lock, self._translate("delete"):
            self._db.execute("DELETE FROM entries WHERE key=?", (key,))

    def stats(self) -> StoreStats:
        with self._lock, self._translate("stats"):
            count, total = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries").fetchone()
        return StoreStats(entries=int(count), total_bytes=int(total))

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def _evict(self, keep: str) -> None:
        now = self._clock()
        self._db.execute("DELETE FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        (total,) = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()
        while total > self._max_bytes:
            row = self._db.execute(
                "SELECT key, size FROM entries WHERE key != ? ORDER BY accessed_at LIMIT 1", (keep,)
            ).fetchone()
            if row is None:
                break
            self._db.execute("DELETE FROM entries WHERE key=?", (row[0],))
            total -= row[1]

    def _translate(self, operation: str) -> _SqliteErrors:
        return _SqliteErrors(operation, self.path)


class _SqliteErrors:
    """Context manager turning sqlite3 errors into StoreError at the boundary."""

    def __init__(self, operation: str, path: Path) -> None:
        self._operation = operation
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"CCR store {self._operation} failed at {self._path}: {exc}") from exc
