"""Percentile bootstrap confidence intervals, plain and paired.

Resampling uses a seeded NumPy generator, so the same values and seed always give the
same interval. Two calls with the same seed and sample size draw the same indices, which
is what makes intervals of several arms over the same units paired.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Stat = Callable[[NDArray[np.float64]], float]


def mean(values: NDArray[np.float64]) -> float:
    """Arithmetic mean over the first axis (the default statistic)."""
    return float(np.mean(values))


def ratio_of_sums(values: NDArray[np.float64]) -> float:
    """``sum(numerators) / sum(denominators)`` for rows of ``(numerator, denominator)``.

    The statistic for a cluster bootstrap: resample sessions, pool their facts.
    """
    total = float(values[:, 1].sum())
    return float(values[:, 0].sum()) / total if total else 0.0


def bootstrap_ci(
    values: ArrayLike,
    stat: Stat = mean,
    n: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of ``stat`` over ``n`` resamples of ``values`` (rows resampled).

    A single value (or none) has no spread: the interval collapses to the statistic.
    """
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    if len(data) == 1:
        point = stat(data)
        return point, point
    indices = _draws(len(data), n, seed)
    estimates = np.fromiter((stat(data[row]) for row in indices), dtype=np.float64, count=n)
    return _percentiles(estimates, level)


def paired_bootstrap_ci(
    a: ArrayLike,
    b: ArrayLike,
    stat: Stat = mean,
    n: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Interval of ``stat(a) - stat(b)`` where ``a[i]`` and ``b[i]`` belong to the same unit.

    Each resample draws units once and applies the draw to both arms, so the
    between-unit variance that both arms share cancels out of the difference.
    """
    left = np.asarray(a, dtype=np.float64)
    right = np.asarray(b, dtype=np.float64)
    if left.shape[0] != right.shape[0]:
        raise ValueError(f"paired samples differ in length: {left.shape[0]} != {right.shape[0]}")
    if len(left) == 0:
        raise ValueError("paired_bootstrap_ci needs at least one pair")
    if len(left) == 1:
        point = stat(left) - stat(right)
        return point, point
    indices = _draws(len(left), n, seed)
    estimates = np.fromiter(
        (stat(left[row]) - stat(right[row]) for row in indices), dtype=np.float64, count=n
    )
    return _percentiles(estimates, level)


def _draws(size: int, n: int, seed: int) -> NDArray[np.int64]:
    if n < 1:
        raise ValueError("the number of resamples must be positive")
    return np.random.default_rng(seed).integers(0, size, size=(n, size))


def _percentiles(estimates: NDArray[np.float64], level: float) -> tuple[float, float]:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(estimates, [tail, 100.0 - tail])
    return float(low), float(high)
