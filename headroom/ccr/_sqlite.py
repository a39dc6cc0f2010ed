"""SQLite backend: the embedded default, one owner-only file under the user cache directory.

Built for many processes on one file: a busy timeout and retried open (a fresh file is
initialised by one process at a time), size accounting kept by triggers (a put never sums the
table), an index on expiry, reads that need no write (a read-only store still serves), and a
check that the file on disk is still the one opened (a deleted store is reopened, never written
to an unlinked inode). Entries carry their scope and keyed digest: a store serves only its own
scope's entries, and a key held by another content is a collision, never the other content.
Commits are WAL with ``synchronous=NORMAL``: durable across a crash of the process, one fsync per
checkpoint rather than per put.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
import weakref
import zlib
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

import platformdirs

from headroom.ccr._blobs import BlobFiles
from headroom.ccr._checkpoint import WalCheckpointer
from headroom.ccr._gate import WriteGate
from headroom.ccr._keys import (
    DEFAULT_SCOPE,
    KeyScheme,
    ephemeral_secret,
    installation_secret,
    key_from_digest,
)
from headroom.ccr._store import TTL_SECONDS, Clock, KeyedStore, StoreStats, to_bytes
from headroom.errors import EntryExpired, EntryNotFound, KeyCollision, StoreBoundary, StoreError, StoreFull

_TABLE = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    accessed_at REAL NOT NULL,
    expires_at REAL,
    scope TEXT NOT NULL DEFAULT 'default',
    digest BLOB,
    codec TEXT,
    outside INTEGER NOT NULL DEFAULT 0
);
"""
# Stores written before scopes and keyed digests gain the columns; their rows join the default scope.
_ADDED_COLUMNS = {
    "scope": "TEXT NOT NULL DEFAULT 'default'",
    "digest": "BLOB",
    "codec": "TEXT",
    "outside": "INTEGER NOT NULL DEFAULT 0",
}
_INDEXES = """
CREATE INDEX IF NOT EXISTS entries_accessed ON entries(accessed_at);
CREATE INDEX IF NOT EXISTS entries_expires ON entries(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_scope_created ON entries(scope, created_at);
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
# A batch commits in slices of this many rows or stored bytes, so another process's put waits
# behind one slice (a few milliseconds), not behind a whole block's 250 originals.
_SLICE_ROWS = 32
_SLICE_BYTES = 256 * 1024
# Reads note what they used and the LRU order is written with the next put, or by a read once this
# many are pending or this long has passed: a read never waits for the write lock.
_TOUCHES_PENDING = 256
_TOUCHES_EVERY_S = 2.0
# Stored originals from this size on live in files beside the database (see ``_blobs``).
_OUTSIDE_FROM_BYTES = 64 * 1024
_SWEEP_EVERY_S = 24 * 3600.0
logger = logging.getLogger("headroom")
_OPEN_ATTEMPTS = 8


def default_store_path() -> Path:
    """``<user cache dir>/headroom/ccr.sqlite3``."""
    return Path(platformdirs.user_cache_dir("headroom")) / "ccr.sqlite3"


class SqliteStore(KeyedStore):
    """Originals in SQLite, keyed per scope, with TTL and an LRU size cap.

    ``secret`` defaults to the installation's (a 0600 file beside the store, made on first use);
    ``keys`` replaces the whole key scheme (tests use it to force collisions); ``busy_timeout_s``
    is how long a put waits for another process's write before it fails (and its block passes
    through).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        ttl_seconds: float | None = TTL_SECONDS,
        max_bytes: int = 1024 * 1024 * 1024,
        clock: Clock = time.time,
        *,
        scope: str = DEFAULT_SCOPE,
        secret: bytes | None = None,
        keys: KeyScheme | None = None,
        busy_timeout_s: float = _BUSY_TIMEOUT_S,
    ) -> None:
        self._set_limits(ttl_seconds, max_bytes, clock)
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.Lock()
        self._in_memory = str(self.path) == ":memory:"
        self._busy_timeout = busy_timeout_s
        self._keys = keys or KeyScheme(secret or self._default_secret(), scope)
        self._gate = WriteGate(None if self._in_memory else self.path, busy_timeout_s)
        self._blobs = None if self._in_memory else BlobFiles(self.path.with_name(self.path.name + ".blobs"))
        self._touched: dict[str, float] = {}
        self._touches_written_at = clock()
        self._db, self._inode = self._open()
        self._sweep_now_and_then()
        self._checkpointer = None if self._in_memory else WalCheckpointer(self.path, busy_timeout_s)
        if self._checkpointer is not None:
            weakref.finalize(self, self._checkpointer.close)

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        rows = []
        for content, kind in entries:
            data = to_bytes(content)
            digest = self._keys.digest(data)
            rows.append((key_from_digest(digest, self._keys.digits), kind, data, digest))
        seen: dict[str, bytes] = {}
        for key, _, _, digest in rows:
            if seen.setdefault(key, digest) != digest:
                raise KeyCollision(f"key {key} is shared by two originals of one batch; not stored")
        held = self._held_digests(list(seen))
        # Encoded before the write lock is taken, and only what is not stored already: a
        # conversation re-sent each turn re-puts its originals, which then cost one UPDATE each.
        encoded = {key: _encode(data) for key, _, data, digest in rows if held.get(key) != digest}
        for key, (stored, _) in encoded.items():
            if self._outside(stored):  # written before the lock; the row checks it is there
                self._blobs.write(key, stored)  # type: ignore[union-attr]
        now = self._clock()
        expires = None if self._ttl is None else now + self._ttl
        pinned = {*seen, *keep}
        try:
            for part in _slices(rows, encoded):
                with self._lock, self._translate("put"), self._transaction() as db:
                    for key, kind, data, digest in part:
                        if key not in encoded and self._refresh(db, key, digest, now, expires):
                            continue
                        self._check_free(db, key, data, digest)
                        self._insert(db, (key, kind, data, digest), encoded.get(key), now, expires)
                    self._evict(db, now, pinned)
        finally:
            self._written()
        return [row[0] for row in rows]

    def _insert(
        self,
        db: sqlite3.Connection,
        row: _Row,
        encoded: tuple[bytes, str | None] | None,
        now: float,
        expires: float | None,
    ) -> None:
        key, kind, data, digest = row
        stored, codec = encoded or _encode(data)
        outside = self._outside(stored)
        inline = b"" if outside else stored
        if outside:  # another process's eviction may have removed the file written before the lock
            self._blobs.ensure(key, lambda: stored)  # type: ignore[union-attr]
        db.execute(
            "INSERT INTO entries(key, kind, content, size, created_at, accessed_at, expires_at, scope, digest,"
            " codec, outside) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET"
            " created_at=excluded.created_at, accessed_at=excluded.accessed_at,"
            " expires_at=excluded.expires_at, digest=excluded.digest",
            (key, kind, inline, len(stored), now, now, expires, self.scope, digest, codec, int(outside)),
        )

    def _held_digests(self, keys: list[str]) -> dict[str, bytes]:
        """Digests of the entries this scope already holds under ``keys`` (a read: no write lock)."""
        held: dict[str, bytes] = {}
        with self._lock, self._translate("put"):
            db = self._current()
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, digest FROM entries WHERE scope=? AND digest IS NOT NULL AND key IN ({marks})"
                held.update({str(k): bytes(d) for k, d in db.execute(query, (self.scope, *chunk))})
        return held

    def _refresh(
        self, db: sqlite3.Connection, key: str, digest: bytes, now: float, expires: float | None
    ) -> bool:
        """Renew an entry already stored; False when it went meanwhile (evicted by another process)."""
        cursor = db.execute(
            "UPDATE entries SET created_at=?, accessed_at=?, expires_at=? WHERE key=? AND scope=? AND digest=?",
            (now, now, expires, key, self.scope, digest),
        )
        return cursor.rowcount > 0

    def get(self, key: str) -> bytes:
        now = self._clock()
        with self._lock, self._translate("get"):
            db = self._current()
            row = db.execute(
                "SELECT content, codec, expires_at, created_at, outside FROM entries WHERE key=? AND scope=?",
                (key, self.scope),
            ).fetchone()
            if row is None:
                raise EntryNotFound(f"no stored original for key {key!r}")
            content, codec, expires_at, created_at, outside = row
            if self._expired(now, expires_at, created_at):  # the next put's eviction deletes it
                raise EntryExpired(f"stored original for key {key!r} has expired")
            if outside:
                content = self._blobs.read(key) if self._blobs is not None else b""
            self._touch(key, now)
        return _decode(bytes(content), codec, key)

    def contains(self, key: str) -> bool:
        """Present and unexpired (and used, for the LRU), read without decoding the content."""
        now = self._clock()
        try:
            with self._lock, self._translate("contains"):
                db = self._current()
                row = db.execute(
                    "SELECT expires_at, created_at FROM entries WHERE key=? AND scope=?", (key, self.scope)
                ).fetchone()
                if row is None:
                    return False
                if self._expired(now, *row):
                    return False
                self._touch(key, now)
        except StoreError:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._lock, self._translate("delete"), self._transaction() as db:
            self._delete(db, "DELETE FROM entries WHERE key=? AND scope=?", (key, self.scope))

    def stats(self) -> StoreStats:
        with self._lock, self._translate("stats"):
            count, total = self._current().execute("SELECT entries, bytes FROM totals").fetchone()
        return StoreStats(entries=int(count), total_bytes=int(total))

    def scopes(self) -> dict[str, StoreStats]:
        """Entries and bytes per scope (an administrator's view: it reads every scope's counts)."""
        with self._lock, self._translate("stats"):
            rows = (
                self._current()
                .execute("SELECT scope, COUNT(*), SUM(size) FROM entries GROUP BY scope")
                .fetchall()
            )
        return {str(scope): StoreStats(int(n), int(size or 0)) for scope, n, size in rows}

    def purge(self, all_scopes: bool = False) -> int:
        with self._lock, self._translate("purge"), self._transaction() as db:
            if all_scopes:
                removed = self._delete(db, "DELETE FROM entries", ())
            else:
                removed = self._delete(db, "DELETE FROM entries WHERE scope=?", (self.scope,))
            if self._blobs is not None:  # and files a crash left without a row, of any age
                self._blobs.sweep(lambda names: self._named(db, names), older_than_s=0.0)
        self._written()
        return removed

    def _delete(self, db: sqlite3.Connection, sql: str, args: tuple[object, ...]) -> int:
        """Run a DELETE on ``entries`` (the gate held) and remove the files of the rows it took; how many."""
        gone = db.execute(f"{sql} RETURNING key, outside", args).fetchall()
        if self._blobs is not None:
            self._blobs.remove(str(key) for key, outside in gone if outside)
        return len(gone)

    @staticmethod
    def _named(db: sqlite3.Connection, names: list[str]) -> set[str]:
        """Which of ``names`` rows keep outside."""
        found: set[str] = set()
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                str(k)
                for (k,) in db.execute(f"SELECT key FROM entries WHERE outside=1 AND key IN ({marks})", chunk)
            )
        return found

    def _outside(self, stored: bytes) -> bool:
        return self._blobs is not None and len(stored) >= _OUTSIDE_FROM_BYTES

    def _sweep_now_and_then(self) -> None:
        """Remove old orphaned files about once a day (a stamp file says when it last ran)."""
        if self._blobs is None or not self._blobs.directory.is_dir():
            return
        stamp = self._blobs.directory / ".swept"
        with contextlib.suppress(FileNotFoundError):
            if time.time() - stamp.stat().st_mtime < _SWEEP_EVERY_S:
                return
        with contextlib.suppress(OSError, sqlite3.Error, StoreError), self._gate.held(wait=False) as free:
            if free:
                self._blobs.sweep(lambda names: self._named(self._db, names))
                stamp.touch(mode=0o600)

    def _expired(self, now: float, expires_at: float | None, created_at: float) -> bool:
        """Past the TTL it was stored with, or past this store's TTL (a shorter one set since)."""
        if expires_at is not None and expires_at <= now:
            return True
        return self._ttl is not None and created_at + self._ttl <= now

    def _check_free(self, db: sqlite3.Connection, key: str, data: bytes, digest: bytes) -> None:
        """Raise when ``key`` already names another content or another scope's entry."""
        row = db.execute(
            "SELECT scope, digest, CASE WHEN digest IS NULL THEN content END FROM entries WHERE key=?", (key,)
        ).fetchone()
        if row is None:
            return
        scope, held_digest, legacy_content = row
        same = held_digest == digest if held_digest is not None else bytes(legacy_content) == data
        if scope != self.scope or not same:
            raise KeyCollision(f"key {key} already holds another original; not stored")

    def _default_secret(self) -> bytes:
        if self._in_memory:
            return ephemeral_secret()
        where = self.path.with_name(self.path.name + ".key")
        try:
            return installation_secret(where)
        except OSError as exc:  # a read-only place: serve what is there, with keys only this process knows
            logger.warning(
                "cannot create the store secret at %s (%s); using one for this process only", where, exc
            )
            return ephemeral_secret()

    def close(self) -> None:
        """Close the database connection (after writing pending reads' LRU order and checkpointing)."""
        with self._lock:
            self._write_touches(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._db.close()
        self._gate.close()

    def _touch(self, key: str, now: float) -> None:
        """Note a read for the LRU order; written with the next put, or here when many are pending."""
        self._touched[key] = now
        if len(self._touched) >= _TOUCHES_PENDING or now - self._touches_written_at >= _TOUCHES_EVERY_S:
            self._write_touches(wait=False)

    def _write_touches(self, *, wait: bool) -> None:
        """Write the pending reads' access times: best effort (a busy or read-only store skips them)."""
        if not self._touched:
            return
        with contextlib.suppress(sqlite3.Error, StoreError), self._gate.held(wait=wait) as free:
            if free:
                db = self._current()
                db.execute("BEGIN IMMEDIATE")
                try:
                    self._store_touches(db)
                finally:
                    db.execute("COMMIT")
        self._touched.clear()
        self._touches_written_at = self._clock()

    def _store_touches(self, db: sqlite3.Connection) -> None:
        db.executemany(
            "UPDATE entries SET accessed_at=MAX(accessed_at, ?) WHERE key=? AND scope=?",
            [(at, key, self.scope) for key, at in self._touched.items()],
        )
        self._touched.clear()
        self._touches_written_at = self._clock()

    def _written(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.written()

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
            str(self.path), timeout=self._busy_timeout, check_same_thread=False, isolation_level=None
        )
        try:
            if not self._in_memory:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer does it, off the put path
            _create_schema(db)
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
            self._gate.close()  # its sidecar may have gone with the file
            self._db, self._inode = self._open()
        return self._db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction behind the gate; it also writes the LRU order of pending reads."""
        with self._gate.held():
            db = self._current()
            db.execute("BEGIN IMMEDIATE")
            try:
                if self._touched:
                    self._store_touches(db)
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _evict(self, db: sqlite3.Connection, now: float, pinned: set[str]) -> None:
        self._delete(db, "DELETE FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        if self._ttl is not None:
            self._delete(
                db, "DELETE FROM entries WHERE scope=? AND created_at <= ?", (self.scope, now - self._ttl)
            )
        (total,) = db.execute("SELECT bytes FROM totals").fetchone()
        if total <= self._max_bytes:
            return
        victims = []
        for key, size in db.execute("SELECT key, size FROM entries ORDER BY accessed_at"):
            if key in pinned:
                continue
            victims.append((key,))
            total -= size
            if total <= self._max_bytes:
                break
        if total > self._max_bytes:  # only this call's entries are left, and they are over the cap
            raise StoreFull(
                f"store full: the entries pinned for this call exceed the cap of {self._max_bytes} bytes"
            )
        for (victim,) in victims:
            self._delete(db, "DELETE FROM entries WHERE key=?", (victim,))

    def _translate(self, operation: str) -> StoreBoundary:
        return StoreBoundary(sqlite3.Error, f"CCR store {operation}", self.path)


_COMPRESS_FROM_BYTES = 1024
_Row = tuple[str, str, bytes, bytes]


def _slices(rows: list[_Row], encoded: dict[str, tuple[bytes, str | None]]) -> Iterator[list[_Row]]:
    """``rows`` in runs of at most ``_SLICE_ROWS`` rows and about ``_SLICE_BYTES`` stored bytes."""
    part: list[_Row] = []
    size = 0
    for row in rows:
        part.append(row)
        size += len(encoded[row[0]][0]) if row[0] in encoded else 64
        if len(part) >= _SLICE_ROWS or size >= _SLICE_BYTES:
            yield part
            part, size = [], 0
    if part:
        yield part


def _encode(data: bytes) -> tuple[bytes, str | None]:
    """``(stored bytes, codec)``: zlib at its fastest level when that saves a tenth or more.

    Tool output compresses 3-4x, so the store holds several times more originals under its cap
    and a large put holds the write lock for a fraction of the time.
    """
    if len(data) < _COMPRESS_FROM_BYTES:
        return data, None
    packed = zlib.compress(data, 1)
    return (packed, "zlib") if len(packed) <= len(data) * 0.9 else (data, None)


def _decode(stored: bytes, codec: str | None, key: str) -> bytes:
    if codec is None:
        return stored
    if codec != "zlib":
        raise StoreError(f"stored original for key {key!r} uses an unknown codec {codec!r}")
    try:
        return zlib.decompress(stored)
    except zlib.error as exc:
        raise StoreError(f"stored original for key {key!r} is corrupt: {exc}") from exc


def _create_schema(db: sqlite3.Connection) -> None:
    db.executescript(_TABLE)
    columns = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
    for name, declaration in _ADDED_COLUMNS.items():
        if name not in columns:
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it first
                db.execute(f"ALTER TABLE entries ADD COLUMN {name} {declaration}")
    db.executescript(_INDEXES)


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
