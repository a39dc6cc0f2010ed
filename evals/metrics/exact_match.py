"""Exact match as a local ``evaluate`` module: a prediction scores 1 when it equals any gold answer."""

from __future__ import annotations

from evals.metrics._info import AnswerMetric
from evals.metrics._text import exact_match


class ExactMatch(AnswerMetric):
    """Exact match after lower-casing, dropping articles and splitting on punctuation."""

    key = "exact_match"
    summary = "Share of predictions equal to one of their gold answers after normalisation."
    score = staticmethod(exact_match)
