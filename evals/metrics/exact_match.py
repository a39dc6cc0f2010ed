"""Exact match as a local ``evaluate`` module: a prediction scores 1 when it equals any gold answer."""

from __future__ import annotations

from typing import Any

import evaluate

from evals.metrics._info import answer_metric_info
from evals.metrics._text import exact_match, mean

_DESCRIPTION = "Share of predictions equal to one of their gold answers after normalisation."
_INPUTS = """
Args:
    predictions: list of predicted answers (str).
    references: list of lists of gold answers (each a list of str).
Returns:
    exact_match: mean score in [0, 1].
"""


class ExactMatch(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Exact match after lower-casing, dropping articles and splitting on punctuation."""

    def _info(self) -> Any:
        return answer_metric_info(_DESCRIPTION, _INPUTS)

    def _compute(self, predictions: list[str], references: list[list[str]]) -> dict[str, float]:
        return {"exact_match": mean(exact_match(p, r) for p, r in zip(predictions, references, strict=True))}
