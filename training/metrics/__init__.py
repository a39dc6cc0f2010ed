"""Kompress metrics as local ``evaluate`` modules: keep-F1, must-keep recall, keep rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from headroom.local_metrics import LocalMetrics

METRICS = ("keep_f1", "must_keep_recall", "keep_rate")
_LOCAL = LocalMetrics(Path(__file__).parent, METRICS, extra="train")


def metric_path(name: str) -> Path:
    """The module file implementing metric ``name``."""
    return _LOCAL.path(name)


def load_metric(name: str) -> Any:
    """``evaluate.load`` of the local module (a path, so no hub lookup happens)."""
    return _LOCAL.load(name)


def compute_all(predictions: list[int], labels: list[int], must_keep: list[int]) -> dict[str, float]:
    """All three metrics through their ``evaluate`` modules."""
    scores: dict[str, float] = {}
    scores.update(load_metric("keep_f1").compute(predictions=predictions, references=labels))
    scores.update(load_metric("must_keep_recall").compute(predictions=predictions, references=must_keep))
    scores.update(load_metric("keep_rate").compute(predictions=predictions))
    return scores
