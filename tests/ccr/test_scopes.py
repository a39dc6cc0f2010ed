"""Scoped, keyed stores: a key means nothing without the secret, and no scope reads another's."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom.ccr import KeyScheme, MemoryStore, SqliteStore, Store, content_key
from headroom.cli import cli
from headroom.errors import EntryNotFound, KeyCollision
from headroom.settings import Settings
from headroom.testing._store_contract import FakeClock

SECRET = b"s" * 32


def test_scopes_on_one_file_never_read_each_other(tmp_path: Path) -> None:
    path = tmp_path / "ccr.sqlite3"
    alpha, beta = SqliteStore(path, scope="alpha"), SqliteStore(path, scope="beta")
    key = alpha.put("tenant alpha's tool output")
    assert alpha.get(key) == b"tenant alpha's tool output"
    with pytest.raises(EntryNotFound):
        beta.get(key)
    assert not beta.contains(key)
    beta.delete(key)  # another scope cannot delete it either
    assert alpha.contains(key)
    assert beta.put("tenant alpha's tool output") != key
    assert beta.purge() == 1 and alpha.contains(key)


def test_the_installation_secret_is_private_and_shared_by_instances(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "ccr.sqlite3"
    first = SqliteStore(path)
    secret_file = path.with_name("ccr.sqlite3.key")
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert SqliteStore(path).key_for("x") == first.key_for("x")
    other_install = SqliteStore(tmp_path / "elsewhere" / "ccr.sqlite3")
    assert other_install.key_for("x") != first.key_for("x") != content_key(b"x")


def test_settings_carry_scope_and_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADROOM_STORE_PATH", str(tmp_path / "s.db"))
    monkeypatch.setenv("HEADROOM_STORE_SCOPE", "project-x")
    monkeypatch.setenv("HEADROOM_STORE_SECRET", "a shared deployment secret")
    store = Settings().open_store()
    assert store.scope == "project-x"
    assert store.key_for("x") == SqliteStore(
        tmp_path / "t.db", scope="project-x", secret=b"a shared deployment secret"
    ).key_for("x")
    assert "a shared deployment secret" not in repr(Settings())


def test_a_short_secret_or_empty_scope_is_refused() -> None:
    with pytest.raises(Exception, match="16 bytes"):
        KeyScheme(b"short")
    with pytest.raises(Exception, match="scope"):
        KeyScheme(SECRET, scope="")


def _colliding_stores(tmp_path: Path) -> list[Store]:
    keys = KeyScheme(SECRET, digits=1)  # ten possible keys: eleven contents must collide
    return [MemoryStore(keys=keys), SqliteStore(tmp_path / "c.db", keys=keys)]


@pytest.mark.parametrize("index", [0, 1], ids=["memory", "sqlite"])
def test_a_collision_is_refused_never_served_as_the_other_content(tmp_path: Path, index: int) -> None:
    store = _colliding_stores(tmp_path)[index]
    stored: dict[str, bytes] = {}
    collisions = 0
    for i in range(40):
        content = f"original number {i}".encode()
        try:
            key = store.put(content)
        except KeyCollision:
            collisions += 1
            continue
        stored[key] = content
    assert collisions >= 30  # 40 contents over 10 keys
    for key, content in stored.items():
        assert store.get(key) == content


def test_a_collision_across_scopes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    alpha = SqliteStore(path, keys=KeyScheme(SECRET, "alpha", digits=1))
    beta = SqliteStore(path, keys=KeyScheme(SECRET, "beta", digits=1))
    taken = {alpha.put(f"alpha {i}".encode()) for i in range(60) if _fits(alpha, f"alpha {i}")}
    for i in range(60):
        content = f"beta {i}"
        if beta.key_for(content) in taken:
            with pytest.raises(KeyCollision):
                beta.put(content)
            break
    else:
        raise AssertionError("expected one of beta's keys to land on alpha's")
    assert all(alpha.contains(k) for k in taken)


def _fits(store: Store, content: str) -> bool:
    return not store.contains(store.key_for(content))


def test_a_shorter_ttl_applies_to_entries_already_stored(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "ttl.db"
    key = SqliteStore(path, ttl_seconds=7 * 24 * 3600, clock=clock, secret=SECRET).put("kept a week")
    clock.now += 3600
    assert SqliteStore(path, ttl_seconds=7 * 24 * 3600, clock=clock, secret=SECRET).contains(key)
    assert not SqliteStore(path, ttl_seconds=600, clock=clock, secret=SECRET).contains(key)


def test_a_store_written_before_scopes_still_serves_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, content BLOB NOT NULL,"
        " size INTEGER NOT NULL, created_at REAL NOT NULL, accessed_at REAL NOT NULL, expires_at REAL);"
    )
    legacy_key = content_key(b"written by 0.x")
    old.execute(
        "INSERT INTO entries VALUES (?, 'text', ?, 14, 1e12, 1e12, NULL)", (legacy_key, b"written by 0.x")
    )
    old.commit()
    old.close()
    store = SqliteStore(path, ttl_seconds=None)
    assert store.get(legacy_key) == b"written by 0.x"
    assert store.stats().entries == 1
    assert store.get(store.put("new entry")) == b"new entry"


def test_store_commands_show_scopes_and_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("HEADROOM_STORE_PATH", str(path))
    SqliteStore(path, scope="alpha").put("one")
    beta = SqliteStore(path, scope="beta")
    key = beta.put("two")
    runner = CliRunner()
    shown = runner.invoke(cli, ["store", "stats"])
    assert shown.exit_code == 0, shown.output
    assert "alpha" in shown.output and "beta" in shown.output
    fetched = runner.invoke(cli, ["retrieve", key, "--scope", "beta"])
    assert fetched.exit_code == 0 and fetched.output == "two"
    assert runner.invoke(cli, ["retrieve", key, "--scope", "alpha"]).exit_code == 2
    purged = runner.invoke(cli, ["store", "purge", "--scope", "beta", "--yes"])
    assert purged.exit_code == 0 and "removed 1 entries" in purged.output
    assert not beta.contains(key) and SqliteStore(path, scope="alpha").stats().entries == 1
    refused = runner.invoke(cli, ["store", "purge", "--all-scopes"], input="n\n")
    assert refused.exit_code == 1 and SqliteStore(path).stats().entries == 1
    assert runner.invoke(cli, ["store", "purge", "--all-scopes", "--yes"]).exit_code == 0
    assert SqliteStore(path).stats().entries == 0


def test_a_store_whose_secret_cannot_be_written_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "ro" / "ccr.sqlite3"
    SqliteStore(path).close()
    path.with_name("ccr.sqlite3.key").unlink()
    blocker = path.with_name("ccr.sqlite3.key")
    blocker.mkdir()  # a directory where the file would go: creating it fails even as root
    (blocker / "x").write_text("x")
    store = SqliteStore(path)
    assert store.get(store.put("still works")) == b"still works"
