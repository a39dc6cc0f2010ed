"""The local metric modules of evals (loaded by path through :mod:`headroom.local_metrics`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from headroom.local_metrics import LocalMetrics

METRICS = ("cost", "exact_match", "retention", "savings", "token_f1")
_LOCAL = LocalMetrics(Path(__file__).parent, METRICS, extra="evals")


def metric_path(name: str) -> Path:
    """The absolute path of the module file implementing metric ``name``."""
    return _LOCAL.path(name)


def load_metric(name: str) -> Any:
    """``evaluate.load`` of the local module for ``name`` (an ``evaluate.EvaluationModule``)."""
    return _LOCAL.load(name)
