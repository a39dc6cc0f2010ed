"""Token savings as a local ``evaluate`` module."""

from __future__ import annotations

from typing import Any

import evaluate

from headroom.local_metrics import metric_info

_DESCRIPTION = "Share of tokens removed: 1 - sum(tokens_out) / sum(tokens_in), plus the per-sample mean."
_INPUTS = """
Args:
    tokens_in: list of token counts before compression (int).
    tokens_out: list of token counts after compression (int).
Returns:
    savings: 1 - total out / total in (0 when nothing came in);
    savings_macro: mean of the per-sample savings (samples with no input are skipped);
    tokens_in, tokens_out, tokens_saved: totals.
"""


class Savings(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Token savings, pooled over samples and averaged per sample."""

    def _info(self) -> Any:
        return metric_info(
            _DESCRIPTION, _INPUTS, {"tokens_in": "int64", "tokens_out": "int64"}, extra="evals"
        )

    def _compute(self, tokens_in: list[int], tokens_out: list[int]) -> dict[str, float]:
        total_in, total_out = sum(tokens_in), sum(tokens_out)
        shares = [1 - o / i for i, o in zip(tokens_in, tokens_out, strict=True) if i > 0]
        return {
            "savings": 1 - total_out / total_in if total_in else 0.0,
            "savings_macro": sum(shares) / len(shares) if shares else 0.0,
            "tokens_in": float(total_in),
            "tokens_out": float(total_out),
            "tokens_saved": float(total_in - total_out),
        }
