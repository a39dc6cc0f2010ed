"""Answer normalisation and the per-sample scores the metric modules and probes share."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_ARTICLES = frozenset({"a", "an", "the"})
# Technical answers (paths, hosts, versions) are compared word by word, so any
# non-alphanumeric character separates tokens instead of being deleted.
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def answer_tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric tokens of ``text`` without English articles."""
    return [t for t in _SEPARATORS.split(text.lower()) if t and t not in _ARTICLES]


def normalize_answer(text: str) -> str:
    """The canonical form two answers are compared in."""
    return " ".join(answer_tokens(text))


def exact_match(prediction: str, references: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised reference, else 0.0."""
    predicted = normalize_answer(prediction)
    return float(any(predicted == normalize_answer(r) for r in references))


def token_f1(prediction: str, references: Sequence[str]) -> float:
    """The best token-overlap F1 of the prediction against any reference (SQuAD style)."""
    predicted = answer_tokens(prediction)
    return max((_f1(predicted, answer_tokens(r)) for r in references), default=0.0)


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values."""
    items = list(values)
    return sum(items) / len(items) if items else 0.0
