"""The ``evaluate.MetricInfo`` shared by the answer metrics (predictions vs lists of gold answers)."""

from __future__ import annotations

from typing import Any

import datasets
import evaluate


def answer_metric_info(description: str, inputs: str) -> Any:
    """Info for a metric over string predictions and lists of string references."""
    return evaluate.MetricInfo(
        description=description,
        citation="",
        inputs_description=inputs,
        features=datasets.Features(
            {
                "predictions": datasets.Value("string"),
                "references": datasets.Sequence(datasets.Value("string")),
            }
        ),
    )
