"""The time budget: the model takes a block only when this machine can score it in time."""

from __future__ import annotations

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import CostBudget, KompressCompressor, Throughput, kompress_or_reason
from headroom.kompress._budget import STALE_SECONDS, over_budget_reason
from headroom.policy import Policy, ProsePolicy
from tests.kompress.test_compressor import PROSE, fake_scorer


class _Estimator:
    """Prices every block at a fixed number of seconds per word, and counts the questions."""

    def __init__(self, per_word: float) -> None:
        self.per_word = per_word
        self.asked: list[bool] = []

    def first_seen_seconds(self, lines: list[list[str]], with_encoder: bool) -> float:
        self.asked.append(with_encoder)
        return self.per_word * sum(len(line) for line in lines)


def _policy(engine: str = "auto") -> Policy:
    return Policy(prose=ProsePolicy(engine=engine, keep_rate=0.5, min_tokens=0))  # type: ignore[arg-type]


def _compress(compressor: KompressCompressor, policy: Policy, query: str | None = None) -> object:
    return kompress_or_reason(PROSE, policy, CompressContext(store=MemoryStore(), query=query), compressor)


def test_a_block_within_budget_is_the_models() -> None:
    estimator = _Estimator(per_word=1e-6)  # ~0.2 ms for the block: far inside 300 ms per 10K tokens
    out = _compress(KompressCompressor(scorer=fake_scorer, estimator=estimator), _policy(), "winter?")
    assert not isinstance(out, str) and out.compressor == "kompress"
    assert estimator.asked == [False, True]  # a query means the sentence encoder runs too


def test_the_encoder_is_not_priced_when_the_classifier_alone_is_over() -> None:
    estimator = _Estimator(per_word=1e-3)
    assert isinstance(
        _compress(KompressCompressor(scorer=fake_scorer, estimator=estimator), _policy(), "q?"), str
    )
    assert estimator.asked == [False]


def test_a_block_over_budget_goes_extractive_with_the_reason_and_stays_there() -> None:
    estimator = _Estimator(per_word=1e-3)  # ~1 ms per word: far over 300 ms per 10K tokens
    compressor = KompressCompressor(scorer=fake_scorer, estimator=estimator)
    reason = _compress(compressor, _policy())
    assert isinstance(reason, str) and "over the time budget" in reason and "ms per 10K tokens" in reason
    estimator.per_word = 0.0  # the machine got faster: the same text still compresses as before
    again = _compress(compressor, _policy())
    assert isinstance(again, str) and "when first seen" in again


@pytest.mark.parametrize(("engine", "budget"), [("kompress", CostBudget()), ("auto", None)])
def test_an_explicit_engine_or_no_budget_always_runs_the_model(
    engine: str, budget: CostBudget | None
) -> None:
    estimator = _Estimator(per_word=1.0)
    compressor = KompressCompressor(scorer=fake_scorer, estimator=estimator, budget=budget)
    out = _compress(compressor, _policy(engine))
    assert not isinstance(out, str) and out.compressor == "kompress"
    assert estimator.asked == []


def test_budget_is_a_rate_per_10k_tokens() -> None:
    budget = CostBudget(first_seen_ms_per_10k=300.0)
    assert over_budget_reason(0.29, 10_000, budget) is None
    assert over_budget_reason(0.031, 1_000, budget) is not None
    assert over_budget_reason(0.0, 0, budget) is None


def test_throughput_is_a_moving_average_that_goes_stale() -> None:
    now = [0.0]
    meter = Throughput(clock=lambda: now[0])
    assert meter.rate("classifier") is None
    meter.record("classifier", 1000, 1.0)
    assert meter.rate("classifier") == pytest.approx(1e-3)
    meter.record("classifier", 1000, 2.0)
    assert 1e-3 < meter.rate("classifier") < 2e-3  # type: ignore[operator]
    meter.record("classifier", 0, 5.0)  # nothing scored: nothing learnt
    now[0] = STALE_SECONDS + 1
    assert meter.rate("classifier") is None
