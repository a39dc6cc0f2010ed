"""Token F1 as a local ``evaluate`` module: best word-overlap F1 against any gold answer."""

from __future__ import annotations

from evals.metrics._info import AnswerMetric
from evals.metrics._text import token_f1


class TokenF1(AnswerMetric):
    """Word-overlap F1; punctuation separates words so paths and hosts earn partial credit."""

    key = "token_f1"
    summary = "SQuAD-style token F1 of each prediction against its best-matching gold answer."
    score = staticmethod(token_f1)
