"""Word-level evaluation of a model on a dataset split: at a probability threshold and at a keep rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from training.metrics import compute_all

RATE = 0.5
"""The keep rate of the budgeted measurement (the runtime's 2× setting)."""


def flatten(
    rows: Sequence[Mapping[str, Any]], probs: Mapping[tuple[int, int], float]
) -> tuple[list[list[float]], list[int], list[int]]:
    """Per-row keep probabilities, flat gold labels and flat must-keep mask.

    A word with no sub-token (nothing the tokenizer can read) counts as kept: the runtime keeps
    what its model cannot score.
    """
    scores: list[list[float]] = []
    labels: list[int] = []
    must: list[int] = []
    for r, row in enumerate(rows):
        scores.append([probs.get((r, w), 1.0) for w in range(len(row["words"]))])
        labels.extend(int(x) for x in row["labels"])
        must.extend(int(bool(x)) for x in row["must_keep"])
    return scores, labels, must


def at_rate(scores: Sequence[float], rate: float) -> list[int]:
    """Keep the ``rate`` share of words with the highest scores."""
    quota = round(rate * len(scores))
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:quota]
    chosen = set(order)
    return [1 if i in chosen else 0 for i in range(len(scores))]


def evaluate_split(
    rows: Sequence[Mapping[str, Any]], probs: Mapping[tuple[int, int], float], threshold: float
) -> dict[str, float]:
    """keep_f1, must_keep_recall and keep_rate at ``threshold``, and the same at keep rate 0.5."""
    scores, labels, must = flatten(rows, probs)
    by_threshold = [1 if p >= threshold else 0 for row in scores for p in row]
    by_rate = [d for row in scores for d in at_rate(row, RATE)]
    metrics = compute_all(by_threshold, labels, must)
    metrics.update({f"{k}_at_rate": v for k, v in compute_all(by_rate, labels, must).items()})
    metrics["words"] = float(len(labels))
    return metrics


def selection_key(metrics: Mapping[str, float], recall_target: float) -> tuple[float, float, float]:
    """Order checkpoints: reaching the recall target first, then keep-F1, then recall itself."""
    recall = metrics.get("must_keep_recall", 0.0)
    return (1.0 if recall >= recall_target else 0.0, metrics.get("keep_f1", 0.0), recall)
