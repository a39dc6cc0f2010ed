from __future__ import annotations

from pathlib import Path

import pytest

from headroom.ccr import MemoryStore, SqliteStore, Store
from headroom.testing import StoreContract
from headroom.testing._store_contract import FakeClock


class TestMemoryStore(StoreContract):
    def make_store(
        self, clock: FakeClock, ttl_seconds: float | None = 60.0, max_bytes: int = 10_000
    ) -> Store:
        return MemoryStore(ttl_seconds=ttl_seconds, max_bytes=max_bytes, clock=clock)


class TestSqliteStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self._dir = tmp_path
        self._n = 0

    def make_store(
        self, clock: FakeClock, ttl_seconds: float | None = 60.0, max_bytes: int = 10_000
    ) -> Store:
        self._n += 1
        return SqliteStore(
            self._dir / f"s{self._n}.db", ttl_seconds=ttl_seconds, max_bytes=max_bytes, clock=clock
        )

    def test_persists_across_instances(self) -> None:
        path = self._dir / "persist.db"
        key = SqliteStore(path).put("kept across processes")
        assert SqliteStore(path).get(key) == b"kept across processes"
