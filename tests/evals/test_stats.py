"""Paired bootstrap intervals are seeded and honest; non-inferiority verdicts go both ways."""

from __future__ import annotations

import numpy as np
import pytest

from evals.stats import (
    Bootstrap,
    mean_ci,
    non_inferiority,
    paired_delta_ci,
    savings_ci,
    savings_delta_ci,
)
from headroom.errors import ConfigError


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    values = [0.1, 0.9, 0.4, 0.7, 0.3, 0.8]
    assert mean_ci(values, Bootstrap(seed=3)) == mean_ci(values, Bootstrap(seed=3))
    assert mean_ci(values, Bootstrap(seed=3)) != mean_ci(values, Bootstrap(seed=4))


def test_interval_covers_the_true_mean_of_a_known_sample() -> None:
    rng = np.random.default_rng(11)
    sample = rng.normal(loc=0.6, scale=0.1, size=400).tolist()
    ci = mean_ci(sample, Bootstrap(resamples=2000, seed=0))
    assert ci.low < 0.6 < ci.high
    assert ci.high - ci.low < 0.05
    assert ci.n == 400 and ci.confidence == 0.95


def test_identical_paired_samples_give_a_point_interval() -> None:
    scores = [1.0, 0.0, 1.0, 0.5]
    delta = paired_delta_ci(scores, scores)
    assert (delta.estimate, delta.low, delta.high) == (0.0, 0.0, 0.0)


def test_savings_intervals() -> None:
    ci = savings_ci([100, 200, 300], [50, 100, 150])
    assert (
        ci.estimate == pytest.approx(0.5) and ci.low == pytest.approx(0.5) and ci.high == pytest.approx(0.5)
    )
    delta = savings_delta_ci([100, 100], [80, 80], [40, 60])
    assert delta.estimate == pytest.approx(0.3)
    assert delta.low <= 0.3 <= delta.high


def test_non_inferior_when_the_loss_is_within_the_margin() -> None:
    baseline = [1.0] * 40
    candidate = [1.0] * 39 + [0.0]
    verdict = non_inferiority("exact_match", baseline, candidate, margin=0.10)
    assert verdict.non_inferior
    assert verdict.delta.estimate == pytest.approx(-0.025)
    assert not verdict.superior


def test_inferior_when_the_interval_crosses_the_margin() -> None:
    baseline = [1.0] * 20
    candidate = [1.0] * 14 + [0.0] * 6
    verdict = non_inferiority("exact_match", baseline, candidate, margin=0.05)
    assert not verdict.non_inferior
    assert verdict.delta.low < -0.05
    assert (verdict.baseline, verdict.candidate) == (1.0, 0.7)


def test_better_candidate_is_superior() -> None:
    verdict = non_inferiority("token_f1", [0.0] * 30, [1.0] * 30, margin=0.0)
    assert verdict.non_inferior and verdict.superior


def test_bad_inputs_raise_config_errors() -> None:
    with pytest.raises(ConfigError):
        paired_delta_ci([1.0], [1.0, 0.0])
    with pytest.raises(ConfigError):
        mean_ci([])
    with pytest.raises(ConfigError):
        non_inferiority("em", [1.0], [1.0], margin=-0.1)
    with pytest.raises(ConfigError):
        mean_ci([1.0], Bootstrap(confidence=1.5))


def test_savings_of_amounts_below_one_are_not_clamped() -> None:
    from evals.stats import savings_ci

    same = savings_ci([0.01, 0.02, 0.005], [0.01, 0.02, 0.005], Bootstrap(resamples=200))
    assert same.as_list() == [0.0, 0.0, 0.0]
    half = savings_ci([0.02, 0.04], [0.01, 0.02], Bootstrap(resamples=200))
    assert half.low == pytest.approx(0.5) and half.high == pytest.approx(0.5)


def test_pooled_delta_resamples_clusters() -> None:
    from evals.stats import pooled_delta_ci

    interval = pooled_delta_ci([5, 5, 5], [5, 4, 5], [5, 5, 5], Bootstrap(resamples=300))
    assert interval.estimate == pytest.approx(-1 / 15)
    assert interval.low < interval.estimate <= interval.high <= 0
