"""The Redis store against a real server on loopback: the store contract and what sharing adds.

Needs ``HEADROOM_TEST_REDIS_URL`` (``.ci/run`` starts a server with ``.ci/redis.sh``); without it
the tests skip saying why, and fail under ``CI``.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import redis

from headroom import compress_text
from headroom.ccr import KeyScheme, RedisStore, Store, StoreStats, parse_markers
from headroom.errors import ConfigError, EntryExpired, EntryNotFound, KeyCollision, StoreError, StoreFull
from headroom.policy import policy_from_mapping
from headroom.settings import Settings
from headroom.testing import StoreContract
from headroom.testing._store_contract import FakeClock
from tests.conftest import make_log

pytestmark = pytest.mark.server

SECRET = b"r" * 32
EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})


class TestRedisStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _server(self, redis_url: str, redis_namespace: str) -> None:
        self._url, self._ns = redis_url, redis_namespace
        self._n = 0

    def make_store(
        self, clock: FakeClock, ttl_seconds: float | None = 60.0, max_bytes: int = 10_000
    ) -> Store:
        self._n += 1  # a namespace per store: the contract expects each store to start empty
        return RedisStore(
            self._url, ttl_seconds, max_bytes, clock, namespace=f"{self._ns}:{self._n}", secret=SECRET
        )

    def test_persists_across_instances(self) -> None:
        key = RedisStore(self._url, namespace=self._ns).put("kept across processes")
        assert RedisStore(self._url, namespace=self._ns).get(key) == b"kept across processes"


def _store(url: str, namespace: str, **kwargs: object) -> RedisStore:
    return RedisStore(url, namespace=namespace, **kwargs)  # type: ignore[arg-type]


def test_scopes_on_one_server_never_read_each_other(redis_url: str, redis_namespace: str) -> None:
    alpha = _store(redis_url, redis_namespace, scope="alpha")
    beta = _store(redis_url, redis_namespace, scope="beta")
    key = alpha.put("tenant alpha's tool output")
    with pytest.raises(EntryNotFound):
        beta.get(key)
    assert not beta.contains(key)
    beta.delete(key)  # another scope cannot delete it either
    assert alpha.get(key) == b"tenant alpha's tool output"
    assert beta.put("tenant alpha's tool output") != key
    assert set(alpha.scopes()) == {"alpha", "beta"} and alpha.scopes()["beta"].entries == 1
    assert beta.purge() == 1 and alpha.contains(key)
    assert alpha.stats().entries == 1


def test_the_deployment_secret_is_made_once_and_shared(redis_url: str, redis_namespace: str) -> None:
    first = _store(redis_url, redis_namespace)
    assert _store(redis_url, redis_namespace).key_for("x") == first.key_for("x")
    other_deployment = _store(redis_url, redis_namespace + ":other")
    assert other_deployment.key_for("x") != first.key_for("x")
    configured = _store(redis_url, redis_namespace, secret=SECRET)
    assert configured.key_for("x") == KeyScheme(SECRET).key(b"x") != first.key_for("x")


def test_a_collision_is_refused_never_served_as_the_other_content(
    redis_url: str, redis_namespace: str
) -> None:
    store = _store(redis_url, redis_namespace, keys=KeyScheme(SECRET, digits=1))
    stored: dict[str, bytes] = {}
    collisions = 0
    for i in range(40):
        content = f"original number {i}".encode()
        try:
            stored[store.put(content)] = content
        except KeyCollision:
            collisions += 1
    assert collisions >= 30  # 40 contents over 10 keys
    assert all(store.get(key) == content for key, content in stored.items())
    with pytest.raises(KeyCollision):  # two contents of one batch on one key: nothing stored
        store.put_many([(f"fresh {i}", "text") for i in range(11)])


def test_pinned_keys_are_never_evicted(redis_url: str, redis_namespace: str) -> None:
    store = _store(redis_url, redis_namespace, max_bytes=100)
    first = store.put("a" * 60)
    with pytest.raises(StoreFull):
        store.put("b" * 60, keep=(first,))
    assert store.contains(first) and store.stats().total_bytes == 60
    second = store.put("b" * 60)  # unpinned, the older entry may go
    assert store.contains(second) and not store.contains(first)


def test_entries_carry_redis_expiry_and_vanish_with_it(redis_url: str, redis_namespace: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store = _store(redis_url, redis_namespace, ttl_seconds=0.3)
    key = store.put("gone in a moment")
    entry = next(client.scan_iter(match=f"{redis_namespace}:e:*"))
    assert 0 < client.pttl(entry) <= 300
    time.sleep(0.5)
    assert not client.exists(entry), "Redis itself reclaims the entry"
    with pytest.raises((EntryNotFound, EntryExpired)):
        store.get(key)
    assert store.stats().entries == 0 and store.stats().total_bytes == 0
    assert store.get(store.put("gone in a moment")) == b"gone in a moment"
    assert store.stats().entries == 1
    no_ttl = _store(redis_url, redis_namespace, ttl_seconds=None)
    no_ttl.put("gone in a moment")
    assert client.pttl(entry) == -1, "re-put without a TTL keeps it"


def test_a_shorter_ttl_applies_to_entries_already_stored(redis_url: str, redis_namespace: str) -> None:
    clock = FakeClock()
    week = _store(redis_url, redis_namespace, ttl_seconds=7 * 24 * 3600, clock=clock)
    key = week.put("kept a week")
    clock.now += 3600
    assert week.contains(key)
    assert not _store(redis_url, redis_namespace, ttl_seconds=600, clock=clock).contains(key)


def test_concurrent_writers_keep_the_accounting_exact(redis_url: str, redis_namespace: str) -> None:
    cap = 40_000
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        store = _store(redis_url, redis_namespace, max_bytes=cap)
        for i in range(60):
            try:
                store.put_many([(f"worker {worker} entry {i} part {j} " * 20, "text") for j in range(3)])
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    client = redis.Redis.from_url(redis_url)
    sizes = {k.decode(): int(v) for k, v in client.hgetall(f"{redis_namespace}:size").items()}
    stats = _store(redis_url, redis_namespace).stats()
    assert stats.entries == len(sizes) == client.zcard(f"{redis_namespace}:lru")
    assert stats.total_bytes == sum(sizes.values()) <= cap
    assert all(client.exists(f"{redis_namespace}:e:{entry}") for entry in sizes)


def test_a_large_original_is_stored_compressed_and_read_back_exactly(
    redis_url: str, redis_namespace: str
) -> None:
    store = _store(redis_url, redis_namespace)
    original = make_log(40_000).encode()  # about 3 MB of log lines
    key = store.put(original)
    assert store.get(key) == original
    assert store.stats().total_bytes < len(original) / 3


def test_purge_every_scope(redis_url: str, redis_namespace: str) -> None:
    alpha = _store(redis_url, redis_namespace, scope="alpha")
    for i in range(2500):  # more than one purge chunk
        alpha.put(f"alpha {i}")
    _store(redis_url, redis_namespace, scope="beta").put("beta")
    assert alpha.purge(all_scopes=True) == 2501
    assert alpha.stats().entries == 0 and alpha.stats().total_bytes == 0


def test_compressed_markers_resolve_from_another_process_view(redis_url: str, redis_namespace: str) -> None:
    writer = _store(redis_url, redis_namespace, scope="team")
    out = compress_text(make_log(), EAGER, store=writer)
    markers = parse_markers(out.text)
    assert markers
    reader = _store(redis_url, redis_namespace, scope="team")
    assert all(reader.contains(marker.key) for marker in markers)


def test_an_unreachable_server_is_a_store_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        RedisStore(f"redis://127.0.0.1:{port}/0", timeout_s=1)
    store = RedisStore(f"redis://127.0.0.1:{port}/0", timeout_s=1, secret=SECRET)
    with pytest.raises(StoreError):
        store.put("nowhere to go")
    assert not store.contains(store.key_for("nowhere to go"))


def test_settings_select_redis_by_url(
    redis_url: str, redis_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADROOM_STORE", redis_url)
    monkeypatch.setenv("HEADROOM_STORE_REDIS_NAMESPACE", redis_namespace)
    monkeypatch.setenv("HEADROOM_STORE_SCOPE", "project-x")
    settings = Settings()
    store = settings.open_store()
    assert isinstance(store, RedisStore) and store.scope == "project-x"
    assert store.get(store.put("via settings")) == b"via settings"
    password = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs.get("password")
    if password:
        assert password not in settings.store_location() and password not in repr(settings)
    monkeypatch.setenv("HEADROOM_STORE", "postgres://db/x")
    with pytest.raises(ConfigError, match="Redis URL"):
        Settings().open_store()


class _EvictedMeanwhile(RedisStore):
    """A store whose entries another process evicts right after this one has asked what it holds."""

    def _held_digests(self, keys: list[str]) -> dict[str, bytes]:
        held = super()._held_digests(keys)
        RedisStore(self._url, namespace=self._namespace, secret=SECRET).purge()
        return held

    def __init__(self, url: str, namespace: str) -> None:
        self._url, self._namespace = url, namespace
        super().__init__(url, namespace=namespace, secret=SECRET)


def test_a_large_original_evicted_while_put_again_is_sent_again(redis_url: str, redis_namespace: str) -> None:
    original = make_log(2_000).encode()  # over the size below which a put sends without asking
    assert len(original) > 64 * 1024
    key = RedisStore(redis_url, namespace=redis_namespace, secret=SECRET).put(original)
    store = _EvictedMeanwhile(redis_url, redis_namespace)
    assert store.put(original) == key
    assert store.get(key) == original and store.stats().entries == 1


def test_a_put_after_redis_expired_the_entry_counts_it_once(redis_url: str, redis_namespace: str) -> None:
    # The store's clock stands still, so no prune removes the entry: only Redis's own expiry does.
    store = _store(redis_url, redis_namespace, ttl_seconds=0.3, clock=FakeClock())
    first, second = b"expired by Redis, then put again", b"a second, small original"
    key = store.put(first)
    time.sleep(0.5)
    assert store.stats().entries == 1, "the index still counts the hash Redis dropped"
    assert store.put_many([(first, "text"), (second, "text")])[0] == key
    assert store.get(key) == first
    assert store.stats() == StoreStats(entries=2, total_bytes=len(first) + len(second))


def test_a_batch_larger_than_one_lua_unpack_is_stored_whole(redis_url: str, redis_namespace: str) -> None:
    store = _store(redis_url, redis_namespace)
    keys = store.put_many([(f"entry {i}", "text") for i in range(5000)])
    assert store.stats().entries == 5000 and all(store.contains(k) for k in keys[::97])
