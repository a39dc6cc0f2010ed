"""Contract tests every memory backend inherits (subclass; provide ``make_store`` and ``reopen``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.errors import StoreError, StoreFull
from headroom.memory import MemoryLimits, MemoryStore, fact_id, terms
from headroom.testing._store_contract import FakeClock

A, B = "git:example.com/team/alpha", "dir:/home/dev/beta"


class MemoryContract:
    """Shared expectations for memory backends: each ``make_store`` starts empty."""

    def make_store(self, clock: FakeClock, limits: MemoryLimits) -> MemoryStore:
        raise NotImplementedError

    def reopen(self, store: MemoryStore, clock: FakeClock) -> MemoryStore:
        """Another instance on ``store``'s location (what a second agent's process opens)."""
        raise NotImplementedError

    def _store(self, **caps: int) -> tuple[MemoryStore, FakeClock]:
        clock = FakeClock()
        return self.make_store(clock, MemoryLimits(**caps)), clock

    def test_save_keeps_content_and_provenance(self) -> None:
        store, clock = self._store()
        content = "Builds use `make dist`; the wheel lands in dist/ — not build/ ✓ 日本語"
        saved = store.save(A, content, agent="claude-code", session="s-1")
        assert not saved.duplicate and saved.evicted == ()
        fact = store.get(A, saved.fact.id)
        assert fact is not None and fact == saved.fact
        assert (fact.content, fact.agent, fact.session, fact.created_at) == (
            content,
            "claude-code",
            "s-1",
            clock.now,
        )
        assert fact.id == fact_id(content) and fact.project == A

    def test_a_fact_saved_twice_is_kept_once_with_its_first_provenance(self) -> None:
        store, clock = self._store()
        first = store.save(A, "Deploys go through  the staging cluster first.", agent="codex", session="1")
        clock.now += 5
        again = store.save(
            A, "deploys go through the STAGING cluster first.", agent="claude-code", session="2"
        )
        assert again.duplicate and again.fact.id == first.fact.id
        assert (again.fact.agent, again.fact.content) == ("codex", first.fact.content)
        assert store.stats(A).facts == 1
        assert not store.save(B, "Deploys go through the staging cluster first.").duplicate

    def test_search_ranks_the_relevant_fact_first(self) -> None:
        store, _ = self._store()
        store.save(A, "The API server listens on port 8080 in development.")
        wanted = store.save(A, "Database migrations run with alembic upgrade head; alembic config in db/.")
        store.save(A, "Frontend tests use vitest; run them with pnpm test.")
        hits = store.search(A, "how do I run the alembic migrations?", k=2)
        assert [h.fact.id for h in hits][:1] == [wanted.fact.id]
        assert len(hits) <= 2 and all(h.score > 0 for h in hits)
        assert hits == sorted(hits, key=lambda h: -h.score)

    def test_search_finds_words_regardless_of_case_accents_and_plurals(self) -> None:
        store, _ = self._store()
        saved = store.save(A, "The Café service retries failed payments three times.")
        for query in ["cafe", "CAFÉ payment", "retry failed payment"]:
            assert saved.fact.id in [h.fact.id for h in store.search(A, query)], query

    def test_scripts_without_spaces_are_searched_by_character_pairs(self) -> None:
        store, _ = self._store()
        saved = store.save(A, "要件定義はdocs/requirements.mdにあります。")
        store.save(A, "デプロイ手順はREADMEを参照。")
        assert [h.fact.id for h in store.search(A, "要件定義の場所は？")] == [saved.fact.id]

    def test_search_without_searchable_words_finds_nothing(self) -> None:
        store, _ = self._store()
        store.save(A, "Logs rotate daily.")
        assert store.search(A, "") == [] and store.search(A, "the of and ?!") == []
        assert store.search(A, "logs", k=0) == []

    def test_projects_never_see_each_others_facts(self) -> None:
        store, _ = self._store()
        secret = store.save(A, "The alpha signing key lives in vault path kv/alpha.")
        store.save(B, "Beta uses poetry for dependencies.")
        assert store.search(B, "alpha signing key vault") == []
        assert store.get(B, secret.fact.id) is None
        assert not store.forget(B, secret.fact.id)
        assert store.get(A, secret.fact.id) is not None
        assert [f.project for f in store.recent(B)] == [B]
        assert store.stats(A).facts == 1 and store.stats(B).facts == 1

    def test_forget_removes_the_fact_from_search_and_counts(self) -> None:
        store, _ = self._store()
        saved = store.save(A, "Use the nightly toolchain for the wasm target.")
        assert store.forget(A, saved.fact.id)
        assert store.get(A, saved.fact.id) is None and store.search(A, "wasm nightly toolchain") == []
        assert store.stats(A).facts == 0 and store.stats(A).bytes == 0
        assert not store.forget(A, saved.fact.id)
        assert not store.save(A, "Use the nightly toolchain for the wasm target.").duplicate

    def test_an_over_long_or_empty_fact_is_refused_and_nothing_is_stored(self) -> None:
        store, _ = self._store(max_fact_chars=50, max_bytes=1000)
        for bad, error in [("x" * 51, StoreFull), ("", StoreError), ("   \n", StoreError)]:
            try:
                store.save(A, bad)
            except error:
                continue
            raise AssertionError(f"expected {error.__name__} for {bad[:10]!r}")
        assert store.save(A, "y" * 50).fact.content == "y" * 50
        assert store.stats(A).facts == 1

    def test_a_call_without_a_project_is_refused(self) -> None:
        store, _ = self._store()
        for call in (lambda: store.save("", "a fact"), lambda: store.search("", "fact")):
            try:
                call()
            except StoreError:
                continue
            raise AssertionError("expected StoreError for an empty project id")

    def test_the_fact_cap_evicts_the_least_recently_used_and_says_which(self) -> None:
        store, clock = self._store(max_facts=3)
        ids = []
        for i, word in enumerate(["apple", "banana", "cherry"]):
            clock.now += 1
            ids.append(store.save(A, f"fact {i} about {word}").fact.id)
        clock.now += 1
        assert [h.fact.id for h in store.search(A, "apple")] == [ids[0]]  # used: now the most recent
        clock.now += 1
        saved = store.save(A, "fact 3 about durian")
        assert saved.evicted == (ids[1],)
        assert store.get(A, ids[1]) is None and store.get(A, ids[0]) is not None
        assert store.stats(A).facts == 3 and store.search(A, "banana") == []
        assert store.save(B, "another project's fact").evicted == ()

    def test_the_byte_cap_evicts_until_the_project_fits(self) -> None:
        store, clock = self._store(max_fact_chars=100, max_bytes=400)
        first = []
        for i in range(4):
            clock.now += 1
            first.append(store.save(A, f"{i} " + "w" * 95).fact.id)
        clock.now += 1
        saved = store.save(A, "the newest fact " + "z" * 80)
        assert saved.evicted == (first[0],)
        assert store.stats(A).bytes <= 400 and store.get(A, saved.fact.id) is not None

    def test_recent_lists_newest_first(self) -> None:
        store, clock = self._store()
        for i in range(4):
            clock.now += 1
            store.save(A, f"numbered fact {i}")
        assert [f.content for f in store.recent(A, limit=2)] == ["numbered fact 3", "numbered fact 2"]
        assert store.recent(A, limit=0) == []

    def test_search_marks_found_facts_used(self) -> None:
        store, clock = self._store()
        saved = store.save(A, "Run the linters with ruff check.")
        clock.now += 10
        store.search(A, "ruff linters")
        fact = store.get(A, saved.fact.id)
        assert fact is not None and fact.uses == 1 and fact.used_at == clock.now

    def test_a_second_process_on_the_same_location_shares_the_memory(self) -> None:
        store, clock = self._store()
        other = self.reopen(store, clock)
        try:
            saved = store.save(A, "CI caches the pip wheels under ~/.cache/pip.", agent="claude-code")
            hits = other.search(A, "pip cache in CI")
            assert [(h.fact.id, h.fact.agent) for h in hits] == [(saved.fact.id, "claude-code")]
            assert other.save(A, "ci caches the pip wheels under ~/.cache/pip.").duplicate
            assert other.forget(A, saved.fact.id) and store.get(A, saved.fact.id) is None
        finally:
            other.close()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200))
    def test_any_fact_round_trips_and_is_found_by_its_own_words(self, content: str) -> None:
        store, _ = self._store()
        if not content.strip():
            return
        saved = store.save(A, content)
        held = store.get(A, saved.fact.id)
        assert held is not None and held.content == content
        if terms(content):
            assert saved.fact.id in [h.fact.id for h in store.search(A, content, k=1000)]
