"""The project's metrics as local ``evaluate`` modules, loaded by path (never from a hub).

Each module (``exact_match``, ``token_f1``, ``retention``, ``savings``, ``cost``) is one file
in this directory holding one ``evaluate.Metric`` subclass; :func:`load_metric` resolves the
file and loads it. The per-sample scoring functions they share live in ``_text``.
"""

from evals.metrics._load import METRICS, load_metric, metric_path
from evals.metrics._text import exact_match, normalize_answer, token_f1

__all__ = ["METRICS", "exact_match", "load_metric", "metric_path", "normalize_answer", "token_f1"]
