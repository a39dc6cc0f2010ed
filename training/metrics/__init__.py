"""Kompress metrics as local ``evaluate`` modules: keep-F1, must-keep recall, keep rate."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError, MissingDependency

METRICS = ("keep_f1", "must_keep_recall", "keep_rate")
_HERE = Path(__file__).resolve().parent


def metric_path(name: str) -> Path:
    """The module file implementing metric ``name``."""
    if name not in METRICS:
        raise ConfigError(f"unknown metric {name!r}; expected one of {', '.join(METRICS)}")
    return _HERE / f"{name}.py"


@cache
def load_metric(name: str) -> Any:
    """``evaluate.load`` of the local module (a path, so no hub lookup happens)."""
    try:
        import evaluate
    except ImportError as exc:
        raise MissingDependency("the 'evaluate' package", extra="train") from exc
    return evaluate.load(str(metric_path(name)))


def compute_all(predictions: list[int], labels: list[int], must_keep: list[int]) -> dict[str, float]:
    """All three metrics through their ``evaluate`` modules."""
    scores: dict[str, float] = {}
    scores.update(load_metric("keep_f1").compute(predictions=predictions, references=labels))
    scores.update(load_metric("must_keep_recall").compute(predictions=predictions, references=must_keep))
    scores.update(load_metric("keep_rate").compute(predictions=predictions))
    return scores
