"""The SQLite store keeps originals compressed, and a re-sent original costs one UPDATE."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from headroom.ccr import SqliteStore
from headroom.errors import StoreError

LOG = "".join(
    f"2026-12-03T08:00:{i % 60:02d}Z INFO worker-{i % 7} request {i} took {i % 97} ms\n" for i in range(3000)
)


def test_large_originals_are_stored_compressed_and_come_back_exact(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "c.db")
    key = store.put(LOG)
    assert store.stats().total_bytes < len(LOG.encode()) / 3
    assert store.get(key) == LOG.encode()
    tiny = store.put("short")
    assert store.get(tiny) == b"short"
    noise = bytes(range(256)) * 8  # does not compress: kept as it is
    assert store.get(store.put(noise)) == noise


def test_a_resent_original_is_renewed_not_rewritten(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.db")
    store.put(LOG)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.put_many([(LOG, "text")])
    assert not any(s.lstrip().upper().startswith("INSERT INTO ENTRIES") for s in statements)
    assert any(s.lstrip().upper().startswith("UPDATE ENTRIES SET CREATED_AT") for s in statements)


def test_a_corrupt_entry_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    store = SqliteStore(path)
    key = store.put(LOG)
    raw = sqlite3.connect(path)
    raw.execute("UPDATE entries SET content = x'00ff00' WHERE key = ?", (key,))
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="corrupt"):
        store.get(key)
