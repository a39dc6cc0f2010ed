"""Must-keep recall as a local ``evaluate`` module (load it by path)."""

from __future__ import annotations

from typing import Any

import datasets
import evaluate


def must_keep_recall(predictions: list[int], references: list[int]) -> float:
    """Share of must-keep words (references == 1) the predictions keep; 1.0 when there are none."""
    must = [p for p, r in zip(predictions, references, strict=True) if r]
    return sum(1 for p in must if p) / len(must) if must else 1.0


class MustKeepRecall(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Share of must-keep words the predictions keep."""

    def _info(self) -> Any:
        return evaluate.MetricInfo(
            description="Share of must-keep words the predictions keep.",
            citation="",
            inputs_description="predictions: per-word keep decisions (1/0); references: must-keep mask (1/0).",
            features=datasets.Features(
                {"predictions": datasets.Value("int8"), "references": datasets.Value("int8")}
            ),
        )

    def _compute(self, predictions: list[int], references: list[int]) -> dict[str, float]:
        return {"must_keep_recall": must_keep_recall(predictions, references)}
