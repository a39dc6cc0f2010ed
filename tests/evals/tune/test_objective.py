"""Facts, the retention proxy, and the per-block cache."""

from __future__ import annotations

from pathlib import Path

from evals.tune import Evaluator, content_type, study_files
from evals.tune._corpus import Fact, make_file
from evals.tune._objective import KEPT, LOST, RETRIEVABLE, retention
from headroom.ccr import MemoryStore
from headroom.policy import Policy
from tests.evals.tune._tune_fixtures import write_corpus


def test_files_route_by_content_type(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    assert [f.rel for f in study_files(corpus, content_type("json"))] == [
        "json/records1.json",
        "json/records2.json",
    ]
    assert [f.rel for f in study_files(corpus, content_type("log"))] == [
        "log/service1.log",
        "log/service2.log",
    ]
    assert study_files(corpus, content_type("search")) == []


def test_facts_are_deterministic_and_drawn_from_the_file(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    first = study_files(corpus, content_type("log"))
    again = study_files(corpus, content_type("log"))
    assert first == again
    for file in first:
        assert file.facts and file.query
        for fact in file.facts:
            assert fact.text in file.text
        assert any(f.kind == "critical" for f in file.facts)
        assert {f.text for f in file.facts if f.kind == "query"} == set(file.query.split())


def test_retention_scores_kept_retrievable_lost() -> None:
    store = MemoryStore()
    original = "alpha_one beta_two\nERROR disk failed on /dev/sda1\n"
    key = store.put(original)
    output = f"alpha_one\n[1 lines omitted; retrieve: {key}]\n"
    facts = [Fact("token", "alpha_one"), Fact("token", "beta_two"), Fact("token", "gamma_9000")]
    assert retention(facts, output, store) == (KEPT + RETRIEVABLE + LOST) / 3


def test_critical_line_kept_by_75_percent_of_its_words() -> None:
    line = "ERROR worker_1 failed to open /var/lib/app/shard_5.db: permission denied"
    file = make_file("log/x.log", line + "\n", content_type("log"), 0)
    critical = [f for f in file.facts if f.kind == "critical"]
    assert len(critical) == 1
    # Another instance of the same template stands for it.
    other = "ERROR worker_2 failed to open /var/lib/app/shard_9.db: permission denied"
    assert retention(critical, other, MemoryStore()) == KEPT
    assert retention(critical, "nothing here", MemoryStore()) == LOST


def test_cache_hits_on_repeated_params(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    evaluator = Evaluator(study_files(corpus, content_type("json")), Policy())
    params = {"json.max_items": 10, "json.keep_first": 2}
    first, scores = evaluator.totals(params)
    assert (evaluator.hits, evaluator.misses) == (0, 2)
    again, _ = evaluator.totals(dict(reversed(list(params.items()))))
    assert again == first
    assert (evaluator.hits, evaluator.misses) == (2, 2)
    assert 0 < first.savings < 1 and 0 <= first.retention <= 1 and first.latency > 0
    assert all(s.tokens_out < s.tokens_in for s in scores)


def test_tighter_budget_saves_more_and_keeps_less(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    evaluator = Evaluator(study_files(corpus, content_type("json")), Policy())
    loose, _ = evaluator.totals({"json.max_items": 200, "json.min_items_to_select": 100})
    tight, _ = evaluator.totals({"json.max_items": 3, "json.min_items_to_select": 3})
    assert tight.savings >= loose.savings
    assert tight.retention <= loose.retention
