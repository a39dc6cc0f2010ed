"""Token F1 as a local ``evaluate`` module: best word-overlap F1 against any gold answer."""

from __future__ import annotations

from typing import Any

import evaluate

from evals.metrics._info import answer_metric_info
from evals.metrics._text import mean, token_f1

_DESCRIPTION = "SQuAD-style token F1 of each prediction against its best-matching gold answer."
_INPUTS = """
Args:
    predictions: list of predicted answers (str).
    references: list of lists of gold answers (each a list of str).
Returns:
    token_f1: mean score in [0, 1].
"""


class TokenF1(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Word-overlap F1; punctuation separates words so paths and hosts earn partial credit."""

    def _info(self) -> Any:
        return answer_metric_info(_DESCRIPTION, _INPUTS)

    def _compute(self, predictions: list[str], references: list[list[str]]) -> dict[str, float]:
        return {"token_f1": mean(token_f1(p, r) for p, r in zip(predictions, references, strict=True))}
