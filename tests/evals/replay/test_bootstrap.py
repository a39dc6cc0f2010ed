"""Bootstrap intervals: seeded, paired, degenerate cases."""

from __future__ import annotations

import numpy as np
import pytest

from evals.replay import bootstrap_ci, mean, paired_bootstrap_ci, ratio_of_sums


def test_interval_brackets_the_mean_and_is_deterministic() -> None:
    values = [1.0] * 30 + [0.0] * 10
    low, high = bootstrap_ci(values)
    assert low < 0.75 < high
    assert bootstrap_ci(values) == (low, high)
    assert bootstrap_ci(values, seed=1) != (low, high)


def test_single_value_and_constant_values_collapse() -> None:
    assert bootstrap_ci([0.4]) == (0.4, 0.4)
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)
    with pytest.raises(ValueError):
        bootstrap_ci([])


def test_paired_difference_cancels_shared_variance() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=50)
    low, high = paired_bootstrap_ci(base + 1.0, base)
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0)
    with pytest.raises(ValueError):
        paired_bootstrap_ci([1.0], [1.0, 2.0])


def test_ratio_of_sums_resamples_clusters() -> None:
    rows = np.array([[3, 4], [1, 4], [4, 4]], dtype=np.float64)
    assert ratio_of_sums(rows) == pytest.approx(8 / 12)
    low, high = bootstrap_ci(rows, ratio_of_sums, n=500)
    assert 0.25 <= low <= 8 / 12 <= high <= 1.0
    assert mean(np.array([1.0, 0.0])) == 0.5
