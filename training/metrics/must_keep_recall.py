"""Must-keep recall as a local ``evaluate`` module (load it by path)."""

from __future__ import annotations

from typing import Any

import evaluate

from headroom.local_metrics import metric_info

_INPUTS = "predictions: per-word keep decisions (1/0); references: must-keep mask (1/0)."


def must_keep_recall(predictions: list[int], references: list[int]) -> float:
    """Share of must-keep words (references == 1) the predictions keep; 1.0 when there are none."""
    must = [p for p, r in zip(predictions, references, strict=True) if r]
    return sum(1 for p in must if p) / len(must) if must else 1.0


class MustKeepRecall(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Share of must-keep words the predictions keep."""

    def _info(self) -> Any:
        return metric_info(
            self.__doc__, _INPUTS, {"predictions": "int8", "references": "int8"}, extra="train"
        )

    def _compute(self, predictions: list[int], references: list[int]) -> dict[str, float]:
        return {"must_keep_recall": must_keep_recall(predictions, references)}
