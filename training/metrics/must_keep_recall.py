"""Must-keep recall as a local ``evaluate`` module (load it by path)."""

from __future__ import annotations

from training.metrics._label import LabelMetric

_INPUTS = "predictions: per-word keep decisions (1/0); references: must-keep mask (1/0)."


def must_keep_recall(predictions: list[int], references: list[int]) -> float:
    """Share of must-keep words (references == 1) the predictions keep; 1.0 when there are none."""
    must = [p for p, r in zip(predictions, references, strict=True) if r]
    return sum(1 for p in must if p) / len(must) if must else 1.0


class MustKeepRecall(LabelMetric):
    """Share of must-keep words the predictions keep."""

    key = "must_keep_recall"
    inputs = _INPUTS
    score = staticmethod(must_keep_recall)
