"""Both memory backends pass the memory contract: SQLite on a temporary file, Redis on a real server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from headroom.memory import MemoryLimits, MemoryStore, RedisMemory, SqliteMemory
from headroom.testing import MemoryContract
from headroom.testing._store_contract import FakeClock


class TestSqliteMemory(MemoryContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self._dir = tmp_path
        self._n = 0

    def make_store(self, clock: FakeClock, limits: MemoryLimits) -> MemoryStore:
        self._n += 1  # hypothesis calls this many times in one test: each store starts empty
        return SqliteMemory(self._dir / f"memory-{self._n}.sqlite3", limits, clock)

    def reopen(self, store: MemoryStore, clock: FakeClock) -> MemoryStore:
        assert isinstance(store, SqliteMemory)
        return SqliteMemory(store.path, store.limits, clock)


@pytest.mark.server
class TestRedisMemory(MemoryContract):
    @pytest.fixture(autouse=True)
    def _server(self, redis_url: str, redis_namespace: str) -> None:
        self._url, self._ns = redis_url, redis_namespace
        self._n = 0

    def make_store(self, clock: FakeClock, limits: MemoryLimits) -> MemoryStore:
        self._n += 1
        return RedisMemory(self._url, limits, clock, namespace=f"{self._ns}:{self._n}")

    def reopen(self, store: MemoryStore, clock: FakeClock) -> MemoryStore:
        return RedisMemory(self._url, store.limits, clock, namespace=f"{self._ns}:{self._n}")


def test_the_sqlite_file_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "memory.sqlite3"
    SqliteMemory(path).save("p", "a fact")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    for sidecar in ("-wal", "-shm"):
        if Path(f"{path}{sidecar}").exists():
            assert stat.S_IMODE(os.stat(f"{path}{sidecar}").st_mode) == 0o600


@pytest.mark.server
def test_both_backends_rank_and_score_alike(tmp_path: Path, redis_url: str, redis_namespace: str) -> None:
    facts = [
        "The API server listens on port 8080 in development.",
        "Database migrations run with alembic upgrade head.",
        "Alembic's env.py reads the database URL from DATABASE_URL.",
        "Frontend tests use vitest and run in CI on every push.",
    ]
    sqlite, redis = SqliteMemory(tmp_path / "m.sqlite3"), RedisMemory(redis_url, namespace=redis_namespace)
    for store in (sqlite, redis):
        for fact in facts:
            store.save("p", fact)
    for query in ["alembic database", "tests in CI", "port of the api server"]:
        left = [(h.fact.id, round(h.score, 9)) for h in sqlite.search("p", query)]
        right = [(h.fact.id, round(h.score, 9)) for h in redis.search("p", query)]
        assert left == right and left, query


@pytest.mark.server
def test_the_redis_location_never_shows_the_password(redis_url: str) -> None:
    assert "headroom-ci" not in RedisMemory(redis_url).location


def _save_many(path: str, worker: int) -> int:
    store = SqliteMemory(path)
    for i in range(40):
        store.save("p", f"worker {worker} fact {i}", agent=f"agent-{worker}")
        store.search("p", f"worker {worker}")
    store.close()
    return worker


def test_processes_saving_and_searching_at_once_lose_nothing(tmp_path: Path) -> None:
    import multiprocessing

    path = str(tmp_path / "shared.sqlite3")
    SqliteMemory(path).close()
    # fork: the workers open their own connection, and start in milliseconds rather than re-importing.
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert sorted(pool.starmap(_save_many, [(path, w) for w in range(4)])) == [0, 1, 2, 3]
    store = SqliteMemory(path)
    assert store.stats("p").facts == 160
    assert {f.agent for f in store.recent("p", limit=200)} == {f"agent-{w}" for w in range(4)}
