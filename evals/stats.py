"""Paired bootstrap confidence intervals and the non-inferiority verdict.

Every interval resamples *samples* (probes, sessions) with replacement, the same indices for
baseline and candidate, so the pairing between the two policies is kept. Generators are
seeded, so a run with the same data and settings gives the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from headroom.errors import ConfigError

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bootstrap:
    """How intervals are drawn."""

    resamples: int = 2000
    """Bootstrap resamples per interval."""
    confidence: float = 0.95
    """Two-sided confidence level of the percentile interval."""
    seed: int = 0
    """Seed of the resampling generator."""


@dataclass(frozen=True)
class Interval:
    """A point estimate with its percentile bootstrap interval."""

    estimate: float
    low: float
    high: float
    confidence: float
    n: int

    def as_list(self) -> list[float]:
        """``[estimate, low, high]``, the shape provenance and summaries store."""
        return [self.estimate, self.low, self.high]


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate is non-inferior to a baseline on one accuracy metric."""

    metric: str
    baseline: float
    """Mean score of the baseline."""
    candidate: float
    """Mean score of the candidate."""
    delta: Interval
    """Candidate minus baseline, paired over samples."""
    margin: float
    """Largest tolerated loss (δ): non-inferior when ``delta.low > -margin``."""

    @property
    def non_inferior(self) -> bool:
        """True when the whole interval lies above ``-margin``."""
        return self.delta.low > -self.margin

    @property
    def superior(self) -> bool:
        """True when the candidate is better with the stated confidence."""
        return self.delta.low > 0


def _indices(n: int, settings: Bootstrap) -> npt.NDArray[np.intp]:
    if n == 0:
        raise ConfigError("a bootstrap interval needs at least one sample")
    if settings.resamples < 1 or not 0 < settings.confidence < 1:
        raise ConfigError("bootstrap needs resamples >= 1 and 0 < confidence < 1")
    rng = np.random.default_rng(settings.seed)
    return rng.integers(0, n, size=(settings.resamples, n))


def _interval(estimate: float, draws: Floats, settings: Bootstrap, n: int) -> Interval:
    tail = (1 - settings.confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    # With identical paired values every draw equals the estimate; float noise must not move it.
    return Interval(
        float(estimate), min(float(low), estimate), max(float(high), estimate), settings.confidence, n
    )


def mean_ci(values: Sequence[float], settings: Bootstrap = Bootstrap()) -> Interval:
    """The mean of ``values`` with its bootstrap interval."""
    data = np.asarray(values, dtype=np.float64)
    draws = data[_indices(len(data), settings)].mean(axis=1)
    return _interval(float(data.mean()), draws, settings, len(data))


def paired_delta_ci(
    baseline: Sequence[float], candidate: Sequence[float], settings: Bootstrap = Bootstrap()
) -> Interval:
    """Mean of ``candidate - baseline`` over paired samples, with its interval."""
    if len(baseline) != len(candidate):
        raise ConfigError(f"paired samples differ in length: {len(baseline)} vs {len(candidate)}")
    diffs = np.asarray(candidate, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    return mean_ci(diffs.tolist(), settings)


def savings_ci(
    tokens_in: Sequence[float], tokens_out: Sequence[float], settings: Bootstrap = Bootstrap()
) -> Interval:
    """Pooled savings ``1 - sum(out) / sum(in)`` with an interval from resampling samples.

    Any paired quantity works: tokens, or the dollars of a baseline and a candidate per session.
    """
    before, after = _pair(tokens_in, tokens_out)
    picks = _indices(len(before), settings)
    draws = 1 - _ratio(after[picks].sum(axis=1), before[picks].sum(axis=1))
    return _interval(_pooled(before, after), draws, settings, len(before))


def savings_delta_ci(
    tokens_in: Sequence[int],
    baseline_out: Sequence[int],
    candidate_out: Sequence[int],
    settings: Bootstrap = Bootstrap(),
) -> Interval:
    """Candidate savings minus baseline savings on the same inputs, paired over samples."""
    before, base = _pair(tokens_in, baseline_out)
    _, cand = _pair(tokens_in, candidate_out)
    picks = _indices(len(before), settings)
    totals = np.maximum(before[picks].sum(axis=1), 1)
    draws = (base[picks].sum(axis=1) - cand[picks].sum(axis=1)) / totals
    estimate = _pooled(before, cand) - _pooled(before, base)
    return _interval(estimate, draws, settings, len(before))


def non_inferiority(
    metric: str,
    baseline: Sequence[float],
    candidate: Sequence[float],
    margin: float,
    settings: Bootstrap = Bootstrap(),
) -> Verdict:
    """Test that ``candidate`` loses less than ``margin`` against ``baseline`` (paired)."""
    if margin < 0:
        raise ConfigError(f"the non-inferiority margin must be >= 0, got {margin}")
    delta = paired_delta_ci(baseline, candidate, settings)
    return Verdict(
        metric=metric,
        baseline=float(np.mean(baseline)),
        candidate=float(np.mean(candidate)),
        delta=delta,
        margin=margin,
    )


def pooled_delta_ci(
    baseline_hits: Sequence[int],
    candidate_hits: Sequence[int],
    totals: Sequence[int],
    settings: Bootstrap = Bootstrap(),
) -> Interval:
    """``(sum(candidate) - sum(baseline)) / sum(totals)`` over clusters, with clusters resampled.

    For shares pooled over items that come in correlated groups (facts within a session).
    """
    base, cand = _pair(baseline_hits, candidate_hits)
    _, sizes = _pair(baseline_hits, totals)
    picks = _indices(len(base), settings)
    draws = (cand[picks].sum(axis=1) - base[picks].sum(axis=1)) / np.maximum(sizes[picks].sum(axis=1), 1)
    estimate = float(cand.sum() - base.sum()) / max(float(sizes.sum()), 1.0)
    return _interval(estimate, draws, settings, len(base))


def _ratio(numerators: Floats, denominators: Floats) -> Floats:
    """Elementwise ``numerators / denominators``, 0 where a denominator is 0 (dollars are below 1)."""
    safe = np.where(denominators > 0, denominators, 1.0)
    return np.where(denominators > 0, numerators / safe, 0.0)


def _pair(first: Sequence[float], second: Sequence[float]) -> tuple[Floats, Floats]:
    if len(first) != len(second):
        raise ConfigError(f"paired samples differ in length: {len(first)} vs {len(second)}")
    return np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)


def _pooled(before: Floats, after: Floats) -> float:
    total = float(before.sum())
    return 1 - float(after.sum()) / total if total else 0.0
