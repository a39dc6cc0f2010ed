"""SQLite backend: the embedded default, one owner-only file under the user cache directory.

Built for many processes on one file: a busy timeout and retried open (a fresh file is
initialised by one process at a time), size accounting kept by triggers (a put never sums the
table), an index on expiry, reads that need no write (a read-only store still serves), and a
check that the file on disk is still the one opened (a deleted store is reopened, never written
to an unlinked inode).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import platformdirs

from headroom.ccr._store import Clock, StoreStats, content_key, to_bytes
from headroom.errors import EntryExpired, EntryNotFound, StoreError, StoreFull

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
CREATE INDEX IF NOT EXISTS entries_expires ON entries(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 0), entries INTEGER, bytes INTEGER);
INSERT OR IGNORE INTO totals SELECT 0, COUNT(*), COALESCE(SUM(size), 0) FROM entries;
CREATE TRIGGER IF NOT EXISTS totals_insert AFTER INSERT ON entries BEGIN
    UPDATE totals SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 0;
END;
CREATE TRIGGER IF NOT EXISTS totals_delete AFTER DELETE ON entries BEGIN
    UPDATE totals SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 0;
END;
"""
_BUSY_TIMEOUT_S = 30.0
_OPEN_ATTEMPTS = 8


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
        self._in_memory = str(self.path) == ":memory:"
        self._db, self._inode = self._open()

    def put(self, content: str | bytes, kind: str = "text", keep: Collection[str] = ()) -> str:
        data = to_bytes(content)
        key = content_key(data)
        now = self._clock()
        expires = None if self._ttl is None else now + self._ttl
        with self._lock, self._translate("put"), self._transaction() as db:
            db.execute(
                "INSERT INTO entries(key, kind, content, size, created_at, accessed_at, expires_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET"
                " accessed_at=excluded.accessed_at, expires_at=excluded.expires_at",
                (key, kind, data, len(data), now, now, expires),
            )
            self._evict(db, now, {key, *keep})
        return key

    def get(self, key: str) -> bytes:
        now = self._clock()
        with self._lock, self._translate("get"):
            db = self._current()
            row = db.execute("SELECT content, expires_at FROM entries WHERE key=?", (key,)).fetchone()
            if row is None:
                raise EntryNotFound(f"no stored original for key {key!r}")
            content, expires_at = row
            if expires_at is not None and expires_at <= now:
                self._best_effort(db, "DELETE FROM entries WHERE key=?", (key,))
                raise EntryExpired(f"stored original for key {key!r} has expired")
            self._best_effort(db, "UPDATE entries SET accessed_at=? WHERE key=?", (now, key))
            return bytes(content)

    def contains(self, key: str) -> bool:
        try:
            self.get(key)
        except StoreError:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._lock, self._translate("delete"):
            self._current().execute("DELETE FROM entries WHERE key=?", (key,))

    def stats(self) -> StoreStats:
        with self._lock, self._translate("stats"):
            count, total = self._current().execute("SELECT entries, bytes FROM totals").fetchone()
        return StoreStats(entries=int(count), total_bytes=int(total))

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def _open(self) -> tuple[sqlite3.Connection, int | None]:
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return self._connect()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(f"cannot open CCR store at {self.path}: {exc}") from exc
                if attempt == _OPEN_ATTEMPTS - 1:
                    raise StoreError(f"cannot open CCR store at {self.path}: {exc}") from exc
                time.sleep(0.05 * 2**attempt)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open CCR store at {self.path}: {exc}") from exc
        raise AssertionError("unreachable")

    def _connect(self) -> tuple[sqlite3.Connection, int | None]:
        inode = None if self._in_memory else _create_private(self.path)
        db = sqlite3.connect(
            str(self.path), timeout=_BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        try:
            if not self._in_memory:
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            _restrict_sidecars(self.path)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc).replace(" ", "") and "read-only" not in str(exc):
                db.close()
                raise
            db.execute("SELECT 1 FROM entries LIMIT 1")  # read-only: serve what is there
        except BaseException:
            db.close()
            raise
        return db, inode

    def _current(self) -> sqlite3.Connection:
        """The connection, reopened when the file was deleted or replaced under it."""
        if self._inode is not None and _inode(self.path) != self._inode:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db, self._inode = self._open()
        return self._db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._current()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _evict(self, db: sqlite3.Connection, now: float, pinned: set[str]) -> None:
        db.execute("DELETE FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        (total,) = db.execute("SELECT bytes FROM totals").fetchone()
        marks = ",".join("?" * len(pinned))
        while total > self._max_bytes:
            victims = db.execute(
                f"SELECT key, size FROM entries WHERE key NOT IN ({marks}) ORDER BY accessed_at LIMIT 64",
                tuple(pinned),
            ).fetchall()
            if not victims:  # only this call's entries are left, and they are over the cap
                raise StoreFull(
                    f"store full: the entries pinned for this call exceed the cap of {self._max_bytes} bytes"
                )
            for key, size in victims:
                db.execute("DELETE FROM entries WHERE key=?", (key,))
                total -= size
                if total <= self._max_bytes:
                    break

    @staticmethod
    def _best_effort(db: sqlite3.Connection, sql: str, args: tuple[object, ...]) -> None:
        """A bookkeeping write a read-only or busy store may skip; the read still succeeds."""
        with contextlib.suppress(sqlite3.OperationalError):
            db.execute(sql, args)

    def _translate(self, operation: str) -> _SqliteErrors:
        return _SqliteErrors(operation, self.path)


def _create_private(path: Path) -> int | None:
    """Create the directory (0700) and the file (0600) when absent; the file's inode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError, PermissionError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return _inode(path)


def _restrict_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.chmod(f"{path}{suffix}", 0o600)


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


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
