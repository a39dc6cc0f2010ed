"""What the keep-label metrics share: per-word keep decisions scored against per-word gold labels."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

import evaluate

from headroom.local_metrics import metric_info


class LabelMetric(evaluate.Metric, metaclass=ABCMeta):  # type: ignore[misc]  # evaluate ships no type hints
    """:meth:`score` of the predictions against the references (abstract: ``evaluate`` loads the subclass)."""

    key: ClassVar[str]
    """Name of the score in the result."""
    inputs: ClassVar[str]
    """What the predictions and the references hold."""

    @staticmethod
    @abstractmethod
    def score(predictions: list[int], references: list[int]) -> float:
        """The score of all the decisions against all the labels."""

    def _info(self) -> Any:
        features = {"predictions": "int8", "references": "int8"}
        return metric_info(self.__doc__, self.inputs, features, extra="train")

    def _compute(self, predictions: list[int], references: list[int]) -> dict[str, float]:
        return {self.key: self.score(predictions, references)}
