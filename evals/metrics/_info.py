"""What the answer metrics share: predictions scored against lists of gold answers, averaged."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import evaluate

from evals.metrics._text import mean
from headroom.local_metrics import metric_info

_INPUTS = """
Args:
    predictions: list of predicted answers (str).
    references: list of lists of gold answers (each a list of str).
Returns:
    {key}: mean score in [0, 1].
"""


class AnswerMetric(evaluate.Metric, metaclass=ABCMeta):  # type: ignore[misc]  # evaluate ships no type hints
    """The mean of :meth:`score` over predictions (abstract: ``evaluate`` loads the subclass)."""

    key: ClassVar[str]
    """Name of the score in the result."""
    summary: ClassVar[str]
    """One line on what the score measures."""

    @staticmethod
    @abstractmethod
    def score(prediction: str, references: Sequence[str]) -> float:
        """The score of one prediction against its gold answers."""

    def _info(self) -> Any:
        features = {"predictions": "string", "references": "string[]"}
        return metric_info(self.summary, _INPUTS.format(key=self.key), features, extra="evals")

    def _compute(self, predictions: list[str], references: list[list[str]]) -> dict[str, float]:
        return {self.key: mean(self.score(p, r) for p, r in zip(predictions, references, strict=True))}
