"""What keeps eight writers from waiting on each other: large originals as files, a write gate, reads that do not write."""

from __future__ import annotations

import fcntl
import os
import random
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from headroom.ccr import SqliteStore
from headroom.ccr._blobs import BlobFiles
from headroom.errors import EntryNotFound, StoreError


def _incompressible(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _blob_dir(path: Path) -> Path:
    return path.with_name(path.name + ".blobs")


def test_a_large_original_lives_in_a_private_file_not_in_the_row(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    data = _incompressible(300_000, 1)
    key = store.put(data)
    assert store.get(key) == data
    files = [p for p in _blob_dir(path).iterdir() if not p.name.startswith(".")]
    assert [p.name for p in files] == [key]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(_blob_dir(path).stat().st_mode) == 0o700
    row = sqlite3.connect(path).execute("SELECT length(content), size FROM entries").fetchone()
    assert row == (0, len(data))  # the cap still counts it
    assert store.stats().total_bytes == len(data)


def test_small_originals_stay_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    store.put(_incompressible(10_000, 2))
    assert not _blob_dir(path).exists()


def test_eviction_delete_and_purge_remove_the_files(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path, max_bytes=250_000)
    first = store.put(_incompressible(100_000, 1))
    second = store.put(_incompressible(100_000, 2))
    store.put(_incompressible(100_000, 3))  # over the cap: the least recently used goes
    names = {p.name for p in _blob_dir(path).iterdir()}
    assert first not in names and second in names
    with pytest.raises(EntryNotFound):
        store.get(first)
    store.delete(second)
    assert second not in {p.name for p in _blob_dir(path).iterdir()}
    assert store.purge() == 1
    assert not [p for p in _blob_dir(path).iterdir() if not p.name.startswith(".")]


def test_a_file_without_a_row_is_swept_once_old(tmp_path: Path) -> None:
    blobs = BlobFiles(tmp_path / "b")
    blobs.write("hr1", b"kept")
    blobs.write("hr2", b"orphan")
    blobs.write("hr3", b"young orphan")
    old = time.time() - 7200
    for name in ("hr1", "hr2"):
        os.utime(tmp_path / "b" / name, (old, old))
    assert blobs.sweep(lambda names: {"hr1"} & set(names)) == 1
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["hr1", "hr3"]


def test_a_file_gone_from_under_its_row_is_not_found_and_rewritten_on_the_next_put(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    data = _incompressible(200_000, 4)
    key = store.put(data)
    (_blob_dir(path) / key).unlink()
    with pytest.raises(EntryNotFound):
        store.get(key)
    blobs = BlobFiles(_blob_dir(path))
    blobs.ensure(key, lambda: data)
    assert store.get(key) == data


def test_file_names_cannot_leave_the_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        BlobFiles(tmp_path).read("../escape")


def test_a_writer_that_cannot_get_the_gate_in_time_fails_with_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path, busy_timeout_s=0.2)
    store.put("warm")  # the file and its gate exist
    holder = os.open(path.with_name(path.name + ".lock"), os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's writer, stuck
    try:
        began = time.monotonic()
        with pytest.raises(StoreError, match="busy"):
            store.put("blocked")
        assert time.monotonic() - began < 5
        assert store.get(store.key_for("warm")) == b"warm"  # reads never wait for the gate
    finally:
        os.close(holder)
    store.put("after")


def test_reads_do_not_write_and_the_lru_order_still_counts_them(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path, max_bytes=2_500)
    used = store.put(_incompressible(1_000, 1))
    unused = store.put(_incompressible(1_000, 2))
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    assert store.contains(used) and store.get(used)
    assert not any(s.lstrip().upper().startswith(("UPDATE", "DELETE", "INSERT")) for s in statements)
    store._db.set_trace_callback(None)
    store.put(_incompressible(1_000, 3))  # over the cap: the entry read last stays
    assert store.contains(used)
    assert not store.contains(unused)


def test_a_large_batch_commits_in_slices(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    keys = store.put_many([(f"entry {i} " * 20, "text") for i in range(100)])
    assert sum(s.strip().upper() == "COMMIT" for s in statements) >= 3
    assert all(store.get(k) == f"entry {i} ".encode() * 20 for i, k in enumerate(keys))
