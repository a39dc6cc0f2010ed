"""The router's shortcuts (declared ceilings, remembered decisions) give the decision of asking
every detector, and are taken."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom import router
from headroom.compressors import Compressor, all_compressors
from tests.test_router import LABELED


def exhaustive(text: str, candidates: list[Compressor]) -> router.Detection:
    """Routing as it was before any shortcut: every detector asked, the first best one wins."""
    scored = [(c.detect(text), c) for c in candidates]
    best = max(scored, key=lambda pair: pair[0]) if scored else None  # max keeps the first of ties
    if best is None or best[0] < router.MIN_CONFIDENCE:
        fallback = next(c for c in candidates if c.name == router.FALLBACK_COMPRESSOR)
        return router.Detection(router._content_type(fallback, text), fallback.name, best[0] if best else 0.0)
    return router.Detection(router._content_type(best[1], text), best[1].name, best[0])


@pytest.fixture(autouse=True)
def fresh_memo() -> Iterator[None]:
    router._MEMO.clear()
    yield
    router._MEMO.clear()


_SAMPLES = [text for _, text in LABELED]
_SHAPED = st.lists(
    st.sampled_from(
        [
            "2026-03-01T10:00:00Z ERROR api failed",
            "def handler(event):",
            "    return compute(event)",
            '{"id": 1, "name": "x"}',
            "diff --git a/x b/x",
            "@@ -1,2 +1,3 @@",
            "src/app.py:12:    value = fetch()",
            "name,age,city",
            "ada,36,london",
            "<div><p>hello</p></div>",
            "# Heading",
            "- a list item with several ordinary words in it",
            "The service restarted after the queue drained and the workers caught up.",
            "",
        ]
    ),
    min_size=1,
    max_size=40,
).map("\n".join)


def test_every_builtin_detector_stays_under_its_declared_ceiling() -> None:
    for compressor in all_compressors():
        ceiling = getattr(compressor, "max_confidence", 1.0)
        for text in _SAMPLES:
            assert compressor.detect(text) <= ceiling, (compressor.name, text[:80])


@given(text=_SHAPED)
@settings(max_examples=150, deadline=None)
def test_shortcut_routing_decides_as_asking_everyone(text: str) -> None:
    candidates = all_compressors()
    for compressor in candidates:
        assert compressor.detect(text) <= getattr(compressor, "max_confidence", 1.0)
    router._MEMO.clear()
    assert router.detect(text) == exhaustive(text, candidates)


def test_labeled_samples_route_as_asking_everyone() -> None:
    candidates = all_compressors()
    for text in _SAMPLES:
        router._MEMO.clear()
        assert router.detect(text) == exhaustive(text, candidates)


@dataclass(eq=False)
class Scripted:
    """A detector with a fixed answer that counts how often it is asked."""

    name: str
    answer: float
    max_confidence: float = 1.0
    content_type: str = "prose"
    asked: list[str] = field(default_factory=list)

    def detect(self, sample: str) -> float:
        self.asked.append(sample)
        return self.answer

    def compress(self, text: str, policy: object, ctx: object) -> object:
        raise NotImplementedError("routing only")


def test_detectors_that_cannot_outrank_the_best_are_not_asked() -> None:
    first = Scripted("first", 0.9, max_confidence=0.9)
    tie = Scripted("tie", 0.9, max_confidence=0.9)  # a tie goes to the earlier detector anyway
    lower = Scripted("prose", 0.5, max_confidence=0.6)
    found = router.detect("some text", [first, tie, lower])  # type: ignore[list-item]
    assert found.compressor == "first"
    assert (len(first.asked), len(tie.asked), len(lower.asked)) == (1, 0, 0)


def test_a_detector_that_could_outrank_is_still_asked() -> None:
    first = Scripted("first", 0.9, max_confidence=0.9)
    undeclared = Scripted("plugin", 0.95)  # no ceiling declared: it may return anything
    prose = Scripted("prose", 0.5, max_confidence=0.6)
    found = router.detect("some text", [first, undeclared, prose])  # type: ignore[list-item]
    assert found.compressor == "plugin"
    assert len(undeclared.asked) == 1


def test_a_resent_text_is_routed_from_memory_per_candidate_set() -> None:
    code = Scripted("code", 0.8, max_confidence=0.98)
    prose = Scripted("prose", 0.3, max_confidence=0.6)
    assert router.detect("same text", [code, prose]).compressor == "code"  # type: ignore[list-item]
    assert router.detect("same text", [code, prose]).compressor == "code"  # type: ignore[list-item]
    assert len(code.asked) == 1
    # Another set of candidates (a plugin registered since) is routed afresh.
    other = Scripted("other", 0.9, max_confidence=0.9)
    assert router.detect("same text", [code, other, prose]).compressor == "other"  # type: ignore[list-item]
    assert len(code.asked) == 2


def test_memory_is_bounded_in_characters() -> None:
    memo = router._DetectionMemo(max_chars=100, max_entries=10)
    found = router.Detection("prose", "prose", 0.6)
    for i in range(30):
        memo.put(((), f"{i:020d}"), 20, found)
    assert memo._chars <= 100
    assert memo.get(((), f"{29:020d}")) == found
    assert memo.get(((), f"{0:020d}")) is None
    memo.put(((), "x" * 60), 60, found)  # over a quarter of the bound: not remembered
    assert memo.get(((), "x" * 60)) is None


@dataclass
class Unhashable(Scripted):
    """A plugin written as a plain dataclass: equality defined, so no hash."""


def test_unhashable_compressors_are_routed_without_memory() -> None:
    plugin = Unhashable("plugin", 0.9, max_confidence=0.9)
    prose = Scripted("prose", 0.3, max_confidence=0.6)
    for _ in range(2):
        assert router.detect("text", [plugin, prose]).compressor == "plugin"  # type: ignore[list-item]
    assert len(plugin.asked) == 2
