"""The query selector: features, the artefact, selection under the budget, and the compress() path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors._base import CompressContext
from headroom.errors import ConfigError
from headroom.kompress import KompressCompressor, QuerySelector, default_model_dir, load_selector
from headroom.kompress._selector import FEATURES, segment_features, select_segments
from headroom.policy import Policy, ProsePolicy

TEXT = (
    "The harbour town grew up around a fishing fleet in the eighteenth century. "
    "Its narrow streets climb the hill behind the quay, lined with painted houses. "
    "A market is held on the square every Saturday morning throughout the year. "
    "The lighthouse on the point was designed by the engineer Alan Stevenson in 1839. "
    "Visitors can walk along the cliffs to a ruined chapel beyond the lighthouse. "
    "In winter the ferry to the islands runs only twice a week because of the storms. "
    "The local museum keeps nets, boats and photographs of the old herring trade."
)


def lexical() -> QuerySelector:
    """A hand-set selector: BM25 share and typed answer words decide (no fit needed)."""
    coef = tuple(3.0 if f in {"bm25_share", "typed"} else 0.0 for f in FEATURES)
    return QuerySelector(coef, -2.0, tuple(0.0 for _ in FEATURES), tuple(1.0 for _ in FEATURES), rules=False)


def policy(rate: float) -> Policy:
    base = Policy()
    prose = ProsePolicy(keep_rate=rate, min_tokens=0, engine="kompress")
    return base.model_copy(update={"prose": prose})


def ctx(query: str | None) -> CompressContext:
    return CompressContext(store=MemoryStore(), query=query, batched=True)


def test_features_relate_segments_to_the_question() -> None:
    segments = ["The cat sat on the mat.", "Alan Stevenson designed the lighthouse in 1839.", "Rain fell."]
    vectors = segment_features(segments, "Who designed the lighthouse?", [False, True, False])
    assert len(vectors) == 3 and all(len(v) == len(FEATURES) for v in vectors)
    cover = FEATURES.index("cover")
    assert vectors[1][cover] > vectors[0][cover] == 0.0
    assert vectors[1][FEATURES.index("bm25_rank")] == 1.0
    assert vectors[1][FEATURES.index("typed")] == 1.0


def test_selection_keeps_the_most_probable_segments_within_the_limit() -> None:
    ranges = [(0, 3), (3, 6), (6, 9)]
    costs = [1] * 9
    keep = select_segments(ranges, [0.1, 0.9, 0.5], costs, [False] * 9, limit=6)
    assert keep == [False] * 3 + [True] * 6
    # Nothing fits whole: the best segment is kept from its start as far as the budget goes.
    keep = select_segments(ranges, [0.1, 0.9, 0.5], costs, [False] * 9, limit=2)
    assert keep == [False, False, False, True, True, False, False, False, False]


def test_with_a_question_the_answering_sentence_survives_at_three_times() -> None:
    compressor = KompressCompressor(selector=lexical(), budget=None)
    out = compressor.compress(TEXT, policy(0.33), ctx("Who designed the lighthouse?"))
    assert "Alan Stevenson" in out.text and out.compressor == "kompress"
    assert out.tokens_out <= 0.33 * out.tokens_in
    assert "herring" not in out.text


def test_without_a_question_the_word_classifier_decides() -> None:
    seen: list[int] = []

    def scorer(lines: list[list[str]]) -> list[list[float]]:
        seen.append(len(lines))
        return [[0.5] * len(line) for line in lines]

    compressor = KompressCompressor(scorer=scorer, selector=lexical(), budget=None)
    compressor.compress(TEXT, policy(0.5), ctx(None))
    assert seen, "the query-free path scores words with the classifier"
    seen.clear()
    compressor.compress(TEXT, policy(0.5), ctx("Who designed the lighthouse?"))
    assert not seen, "with a question the selector decides, the classifier is not run"


def test_selector_can_be_turned_off() -> None:
    compressor = KompressCompressor(selector=lexical(), use_selector=False)
    assert compressor.selector_for(ProsePolicy(), "Who designed it?") is None
    assert KompressCompressor(selector=lexical()).selector_for(ProsePolicy(), "the of") is None


def test_artefact_round_trips_and_bad_files_are_refused(tmp_path: Path) -> None:
    selector = lexical()
    (tmp_path / "query_selector.json").write_text(json.dumps(selector.to_json()), encoding="utf-8")
    assert load_selector(tmp_path) == selector
    assert load_selector(tmp_path / "missing") is None
    (tmp_path / "query_selector.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a headroom-query-selector"):
        load_selector(tmp_path)
    with pytest.raises(ConfigError, match="lengths differ"):
        QuerySelector((1.0,), 0.0, (0.0, 0.0), (1.0,))


def test_the_bundled_selector_loads_and_keeps_the_answer() -> None:
    selector = load_selector(default_model_dir())
    assert selector is not None and selector.features == FEATURES
    out = KompressCompressor(budget=None).compress(TEXT, policy(0.5), ctx("Who designed the lighthouse?"))
    assert "Stevenson" in out.text
