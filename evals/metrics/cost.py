"""Cache-priced cost as a local ``evaluate`` module.

Prices are US dollars per million tokens for the four usage classes a provider bills
(uncached input, cache reads, cache writes, output); they come from ``configs/pricing.yaml``
through the caller, so this module never guesses a model's price.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import evaluate

from headroom.local_metrics import metric_info

_DESCRIPTION = "Total and mean cost in USD of calls given their token usage and per-million prices."
_INPUTS = """
Args:
    input_tokens: uncached input tokens per call (int).
    cache_read_tokens: input tokens read from the provider's prompt cache (int).
    cache_write_tokens: input tokens written to the prompt cache (int).
    output_tokens: output tokens (int).
    prices: mapping with keys input, cache_read, cache_write, output (USD per million tokens).
Returns:
    cost_usd: total cost; cost_usd_mean: mean per call.
"""
_CLASSES = ("input", "cache_read", "cache_write", "output")


class Cost(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Dollar cost of token usage under cache-aware pricing."""

    def _info(self) -> Any:
        return metric_info(
            _DESCRIPTION, _INPUTS, {f"{name}_tokens": "int64" for name in _CLASSES}, extra="evals"
        )

    def _compute(
        self,
        input_tokens: list[int],
        cache_read_tokens: list[int],
        cache_write_tokens: list[int],
        output_tokens: list[int],
        prices: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        if prices is None or any(name not in prices for name in _CLASSES):
            raise ValueError(f"cost needs prices for {', '.join(_CLASSES)} (USD per million tokens)")
        columns = (input_tokens, cache_read_tokens, cache_write_tokens, output_tokens)
        per_call = [
            sum(count * prices[name] for name, count in zip(_CLASSES, row, strict=True)) / 1e6
            for row in zip(*columns, strict=True)
        ]
        total = sum(per_call)
        return {"cost_usd": total, "cost_usd_mean": total / len(per_call) if per_call else 0.0}
