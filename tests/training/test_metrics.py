"""The metric modules load by path through ``evaluate`` and compute the documented values."""

from __future__ import annotations

import pytest

from training._evaluate import at_rate, evaluate_split, selection_key
from training.metrics import METRICS, load_metric, metric_path


@pytest.mark.parametrize("name", METRICS)
def test_modules_are_local_files(name: str) -> None:
    assert metric_path(name).is_file()


def test_keep_f1() -> None:
    result = load_metric("keep_f1").compute(predictions=[1, 0, 1, 1], references=[1, 0, 0, 1])
    assert result == {"keep_f1": pytest.approx(0.8)}


def test_must_keep_recall() -> None:
    result = load_metric("must_keep_recall").compute(predictions=[1, 0, 1, 0], references=[1, 1, 1, 0])
    assert result == {"must_keep_recall": pytest.approx(2 / 3)}


def test_keep_rate() -> None:
    assert load_metric("keep_rate").compute(predictions=[1, 0, 0, 0]) == {"keep_rate": 0.25}


def test_no_must_keep_words_is_perfect_recall() -> None:
    assert (
        load_metric("must_keep_recall").compute(predictions=[0, 0], references=[0, 0])["must_keep_recall"]
        == 1.0
    )


def test_unknown_metric_is_refused() -> None:
    from headroom.errors import ConfigError

    with pytest.raises(ConfigError):
        metric_path("accuracy")


def test_split_evaluation_at_threshold_and_rate() -> None:
    rows = [{"words": ["a", "b", "c", "d"], "labels": [1, 0, 1, 0], "must_keep": [True, False, False, False]}]
    probs = {(0, 0): 0.9, (0, 1): 0.2, (0, 2): 0.6, (0, 3): 0.1}
    metrics = evaluate_split(rows, probs, 0.5)
    assert metrics["keep_f1"] == 1.0
    assert metrics["keep_rate"] == 0.5
    assert metrics["must_keep_recall_at_rate"] == 1.0
    assert at_rate([0.1, 0.9, 0.5, 0.7], 0.5) == [0, 1, 0, 1]


def test_selection_prefers_reaching_the_recall_target_over_f1() -> None:
    reaching = selection_key({"must_keep_recall": 0.98, "keep_f1": 0.6}, 0.97)
    better_f1 = selection_key({"must_keep_recall": 0.9, "keep_f1": 0.9}, 0.97)
    assert reaching > better_f1
