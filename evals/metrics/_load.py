"""Resolve and load the local metric modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from headroom.errors import ConfigError, MissingDependency

METRICS = ("cost", "exact_match", "retention", "savings", "token_f1")
_HERE = Path(__file__).resolve().parent


def metric_path(name: str) -> Path:
    """The absolute path of the module file implementing metric ``name``."""
    if name not in METRICS:
        raise ConfigError(f"unknown metric {name!r}; expected one of {', '.join(METRICS)}")
    return _HERE / f"{name}.py"


def load_metric(name: str) -> Any:
    """``evaluate.load`` of the local module for ``name`` (an ``evaluate.EvaluationModule``)."""
    path = metric_path(name)
    try:
        import evaluate
    except ImportError as exc:
        raise MissingDependency("the 'evaluate' package", extra="evals") from exc
    # A path that exists is loaded from disk by evaluate; no hub lookup happens.
    return evaluate.load(str(path))
