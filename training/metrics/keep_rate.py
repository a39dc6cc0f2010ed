"""Keep rate (share of words kept) as a local ``evaluate`` module (load it by path)."""

from __future__ import annotations

from typing import Any

import evaluate

from headroom.local_metrics import metric_info

_INPUTS = "predictions: per-word keep decisions (1 keep, 0 drop)."


def keep_rate(predictions: list[int]) -> float:
    """Share of words kept (0.0 for no words)."""
    return sum(1 for p in predictions if p) / len(predictions) if predictions else 0.0


class KeepRate(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Share of words the predictions keep."""

    def _info(self) -> Any:
        return metric_info(self.__doc__, _INPUTS, {"predictions": "int8"}, extra="train")

    def _compute(self, predictions: list[int]) -> dict[str, float]:
        return {"keep_rate": keep_rate(predictions)}
