"""The local evaluate modules load by path (never from a hub) and compute known values."""

from __future__ import annotations

from typing import Any

import pytest

from evals.metrics import METRICS, exact_match, load_metric, metric_path, normalize_answer, token_f1
from headroom.errors import ConfigError

pytest.importorskip("evaluate", reason="the evaluate package (extra 'evals') is not installed")


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    return {name: load_metric(name) for name in METRICS}


def test_every_metric_is_a_local_file() -> None:
    for name in METRICS:
        path = metric_path(name)
        assert path.is_absolute() and path.is_file()
    with pytest.raises(ConfigError, match="unknown metric"):
        metric_path("bleu")


@pytest.mark.parametrize(
    ("prediction", "references", "em", "f1"),
    [
        ("The db-1 host", ["db-1 host"], 1.0, 1.0),
        ("tests/test_billing.py", ["tests/test_billing.py::test_leap"], 0.0, 0.8),
        ("47", ["47 minutes", "47"], 1.0, 1.0),
        ("nothing", ["something"], 0.0, 0.0),
        ("", [""], 1.0, 1.0),
    ],
)
def test_scores(prediction: str, references: list[str], em: float, f1: float) -> None:
    assert exact_match(prediction, references) == em
    assert token_f1(prediction, references) == pytest.approx(f1)


def test_normalisation_splits_on_punctuation_and_drops_articles() -> None:
    assert normalize_answer("The  Host: PG-replica-2.internal!") == "host pg replica 2 internal"


def test_exact_match_and_f1_modules(metrics: dict[str, Any]) -> None:
    predictions, references = ["The db-1 host", "x y"], [["db-1 host"], ["x z"]]
    assert metrics["exact_match"].compute(predictions=predictions, references=references) == {
        "exact_match": 0.5
    }
    assert metrics["token_f1"].compute(predictions=predictions, references=references)[
        "token_f1"
    ] == pytest.approx(0.75)


def test_retention_module(metrics: dict[str, Any]) -> None:
    out = metrics["retention"].compute(
        predictions=["error at src/a.py line 12", "nothing"],
        references=[["src/a.py", "E42"], ["42"]],
        retrievable=["E42 happened", ""],
    )
    assert out["kept"] == pytest.approx(1 / 3)
    assert out["retrievable"] == pytest.approx(1 / 3)
    assert out["lost"] == pytest.approx(1 / 3)
    assert out["kept_macro"] == pytest.approx(0.25)
    assert out["facts"] == 3


def test_savings_module(metrics: dict[str, Any]) -> None:
    out = metrics["savings"].compute(tokens_in=[100, 300, 0], tokens_out=[50, 100, 0])
    assert out["savings"] == pytest.approx(0.625)
    assert out["savings_macro"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert out["tokens_saved"] == 250


def test_cost_module(metrics: dict[str, Any]) -> None:
    prices = {"input": 2.0, "cache_read": 0.5, "cache_write": 2.5, "output": 8.0}
    out = metrics["cost"].compute(
        input_tokens=[1_000_000, 0],
        cache_read_tokens=[0, 2_000_000],
        cache_write_tokens=[0, 0],
        output_tokens=[500_000, 0],
        prices=prices,
    )
    assert out["cost_usd"] == pytest.approx(2.0 + 4.0 + 1.0)
    assert out["cost_usd_mean"] == pytest.approx(3.5)
    with pytest.raises(ValueError, match="prices"):
        metrics["cost"].compute(
            input_tokens=[1],
            cache_read_tokens=[0],
            cache_write_tokens=[0],
            output_tokens=[0],
            prices={"input": 1.0},
        )
