"""Opening a memory by location, the settings that choose it, and the caps' own check."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from headroom.errors import ConfigError
from headroom.memory import (
    MemoryLimits,
    MemorySettings,
    MemoryStore,
    SqliteMemory,
    backends,
    open_memory,
    register_backend,
)
from headroom.memory._registry import _BACKENDS


def test_paths_and_sqlite_urls_open_the_sqlite_backend(tmp_path: Path) -> None:
    for location in (
        tmp_path / "a.sqlite3",
        str(tmp_path / "b.sqlite3"),
        f"sqlite://{tmp_path / 'c.sqlite3'}",
    ):
        store = open_memory(location, MemoryLimits(max_facts=7))
        assert isinstance(store, SqliteMemory) and store.limits.max_facts == 7
        assert isinstance(store, MemoryStore)
        store.close()
    assert {"redis", "rediss", "sqlite", "unix"} <= set(backends())


def test_an_unknown_scheme_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known: .*redis"):
        open_memory("postgres://db/memory")


def test_a_registered_backend_opens_its_scheme(tmp_path: Path) -> None:
    opened: list[tuple[str, str | None]] = []

    def opener(location: str, limits: MemoryLimits, namespace: str | None) -> MemoryStore:
        opened.append((location, namespace))
        return SqliteMemory(tmp_path / "x.sqlite3", limits)

    register_backend("example", opener)
    try:
        open_memory("example://somewhere", namespace="ns").close()
    finally:
        del _BACKENDS["example"]
    assert opened == [("example://somewhere", "ns")]


def test_settings_prefer_the_memory_url_then_a_redis_ccr_store_then_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEADROOM_MEMORY_PATH", "/data/memory.sqlite3")
    assert MemorySettings().location() == Path("/data/memory.sqlite3")
    monkeypatch.setenv("HEADROOM_STORE", "redis://:pw@cache:6379/0")
    assert MemorySettings().location() == "redis://:pw@cache:6379/0"
    monkeypatch.setenv("HEADROOM_MEMORY_STORE", "redis://memory:6379/2")
    assert MemorySettings().location() == "redis://memory:6379/2"
    monkeypatch.setenv("HEADROOM_MEMORY_MAX_FACTS", "12")
    assert MemorySettings().limits().max_facts == 12


def test_settings_ignore_a_sqlite_ccr_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEADROOM_MEMORY_STORE", raising=False)
    monkeypatch.delenv("HEADROOM_MEMORY_PATH", raising=False)
    monkeypatch.setenv("HEADROOM_STORE", "/tmp/not-a-url")
    assert MemorySettings().location() is None


def test_the_project_cap_must_hold_one_whole_fact() -> None:
    with pytest.raises(ValidationError, match="at least one fact"):
        MemoryLimits(max_fact_chars=1000, max_bytes=3000)
