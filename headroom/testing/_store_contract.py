"""Contract tests every CCR store backend inherits (subclass and provide ``make_store``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.ccr import Store, content_key, retrieve, to_bytes
from headroom.errors import EntryExpired, EntryNotFound, StoreError, StoreFull


class FakeClock:
    """A settable clock so TTL tests never sleep."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class StoreContract:
    """Shared expectations for store backends."""

    def make_store(
        self, clock: FakeClock, ttl_seconds: float | None = 60.0, max_bytes: int = 10_000
    ) -> Store:
        raise NotImplementedError

    def _store(self, **kwargs: object) -> tuple[Store, FakeClock]:
        clock = FakeClock()
        return self.make_store(clock, **kwargs), clock  # type: ignore[arg-type]

    def test_round_trip_exact_bytes(self) -> None:
        store, _ = self._store()
        for content in ["plain", "línea\r\nwith crlf\n", "\ud800 lone surrogate", "", "\x00\xff"]:
            key = store.put(content)
            assert store.get(key) == to_bytes(content)

    def test_keys_are_deterministic_and_keyed(self) -> None:
        store, _ = self._store()
        assert store.put("same") == store.put("same") == store.key_for("same") == store.key_for(b"same")
        assert store.put("other") != store.put("same")
        assert store.key_for("same") != content_key(b"same"), "keys must not be the bare content hash"

    def test_put_many_stores_all_under_their_keys(self) -> None:
        store, _ = self._store()
        keys = store.put_many([("one", "text"), (b"two", "json"), ("one", "text")])
        assert keys == [store.key_for("one"), store.key_for("two"), store.key_for("one")]
        assert store.get(keys[1]) == b"two" and store.get(keys[0]) == b"one"

    def test_put_many_is_all_or_nothing(self) -> None:
        store, _ = self._store(max_bytes=100)
        try:
            store.put_many([("a" * 60, "text"), ("b" * 60, "text")])
        except StoreFull:
            assert not store.contains(store.key_for("a" * 60))
            return
        raise AssertionError("expected StoreFull: the batch cannot fit under the cap")

    def test_purge_removes_this_scopes_entries(self) -> None:
        store, _ = self._store()
        keys = [store.put(f"entry {i}") for i in range(3)]
        assert store.purge() == 3
        assert not any(store.contains(k) for k in keys)
        assert store.stats().entries == 0

    def test_missing_key(self) -> None:
        store, _ = self._store()
        try:
            store.get("hr000000000000000000")
        except EntryNotFound:
            return
        raise AssertionError("expected EntryNotFound")

    def test_ttl_expiry(self) -> None:
        store, clock = self._store(ttl_seconds=10.0)
        key = store.put("short-lived")
        clock.now += 11
        try:
            store.get(key)
        except (EntryExpired, EntryNotFound):
            assert not store.contains(key)
            return
        raise AssertionError("expected the entry to expire")

    def test_size_cap_evicts_least_recently_used(self) -> None:
        store, clock = self._store(max_bytes=100)
        first = store.put("a" * 40)
        clock.now += 1
        second = store.put("b" * 40)
        clock.now += 1
        store.get(first)
        clock.now += 1
        third = store.put("c" * 40)
        assert store.contains(first) and store.contains(third)
        assert not store.contains(second)
        assert store.stats().total_bytes <= 100

    def test_delete_and_stats(self) -> None:
        store, _ = self._store()
        key = store.put("gone soon")
        assert store.stats().entries == 1
        store.delete(key)
        assert not store.contains(key)
        assert store.stats().entries == 0

    def test_query_retrieval_returns_matching_lines(self) -> None:
        store, _ = self._store()
        key = store.put("alpha ok\nbeta timeout error\ngamma ok\n")
        found = retrieve(store, key, "timeout")
        assert found.text == "beta timeout error"
        assert found.matched == 1 and found.total == 3

    def test_errors_share_the_tree(self) -> None:
        assert issubclass(EntryNotFound, StoreError) and issubclass(EntryExpired, StoreError)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(st.text(max_size=500))
    def test_any_text_round_trips(self, text: str) -> None:
        store, _ = self._store(max_bytes=1_000_000)
        assert store.get(store.put(text)) == to_bytes(text)
