from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from headroom.ccr import SqliteStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_file_and_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "ccr.db"
    store = SqliteStore(path)
    store.put("secret original")
    assert _mode(path.parent) == 0o700
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            assert _mode(candidate) == 0o600, candidate
    store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_read_only_store_still_serves_reads(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    writer = SqliteStore(path)
    key = writer.put("kept for readers")
    writer.close()
    for candidate in tmp_path.iterdir():
        candidate.chmod(0o400)
    tmp_path.chmod(0o500)
    try:
        assert SqliteStore(path).get(key) == b"kept for readers"
    finally:
        tmp_path.chmod(0o700)


def _hammer(path: str) -> int:
    store = SqliteStore(path)
    keys = [store.put(f"entry {os.getpid()} {i}" * 20) for i in range(40)]
    return sum(store.get(key) is not None for key in keys)


def test_eight_processes_on_a_fresh_file_never_hit_locked(tmp_path: Path) -> None:
    import multiprocessing

    path = str(tmp_path / "shared.db")
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        counts = pool.map(_hammer, [path] * 8)
    assert counts == [40] * 8


def test_put_does_not_sum_the_table(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "acct.db", max_bytes=200)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    for i in range(10):
        store.put(f"payload number {i} " * 3)
    assert not [s for s in statements if "SUM(" in s.upper()]
    total = sum(len(store.get(k)) for k in [store.put("last one")])
    assert store.stats().total_bytes <= 200
    assert total == len(b"last one")


def test_store_file_deleted_in_use_is_reopened(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    store = SqliteStore(path)
    store.put("before the delete")
    for candidate in tmp_path.iterdir():
        candidate.unlink()
    key = store.put("after the delete")
    assert SqliteStore(path).get(key) == b"after the delete"
