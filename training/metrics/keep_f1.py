"""F1 of the keep class as a local ``evaluate`` module (load it by path)."""

from __future__ import annotations

from training.metrics._label import LabelMetric

_INPUTS = "predictions, references: per-word keep decisions and gold labels (1/0)."


def keep_f1(predictions: list[int], references: list[int]) -> float:
    """F1 of the keep class (1.0 when neither side keeps anything)."""
    tp = sum(1 for p, r in zip(predictions, references, strict=True) if p and r)
    kept, wanted = sum(1 for p in predictions if p), sum(1 for r in references if r)
    if tp == 0:
        return 1.0 if kept == wanted == 0 else 0.0
    precision, recall = tp / kept, tp / wanted
    return 2 * precision * recall / (precision + recall)


class KeepF1(LabelMetric):
    """F1 of the keep class against the gold keep labels."""

    key = "keep_f1"
    inputs = _INPUTS
    score = staticmethod(keep_f1)
