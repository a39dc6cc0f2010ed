"""Kompress: the word-level prose compressor model runtime (torch/transformers load lazily).

``import headroom.kompress`` is cheap; the model loads on first use. Without the ``[ml]`` extra
or a model directory, :func:`kompress_or_reason` says why and the prose compressor falls back
to extractive sentence selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headroom.kompress._budget import CostBudget, CostEstimator, Throughput
from headroom.kompress._compressor import KompressCompressor, Scorer
from headroom.kompress._model import (
    KompressModel,
    ModelSpec,
    default_model_dir,
    load_model,
    read_spec,
    unavailable_reason,
)

if TYPE_CHECKING:
    from headroom.compressors._base import CompressContext, Compressed
    from headroom.policy import Policy

__all__ = [
    "CostBudget",
    "CostEstimator",
    "KompressCompressor",
    "KompressModel",
    "ModelSpec",
    "Scorer",
    "Throughput",
    "default_model_dir",
    "kompress_or_reason",
    "load_model",
    "read_spec",
    "unavailable_reason",
]

_DEFAULT = KompressCompressor()


def kompress_or_reason(
    text: str, policy: Policy, ctx: CompressContext, compressor: KompressCompressor = _DEFAULT
) -> Compressed | str:
    """Kompress's result when it ran and saved tokens, else the reason it did not (for the fallback note).

    Under ``prose.engine: auto`` a block the model could not score within the time budget
    (:class:`CostBudget`) comes back as a reason too, so the extractive engine takes it.
    """
    reason = compressor.unavailable(policy.prose)
    if reason is not None:
        return reason
    out = compressor.compress(text, policy, ctx)
    if out.tokens_out < out.tokens_in:
        return out
    return f"kompress: {out.reason or 'not smaller'}"
