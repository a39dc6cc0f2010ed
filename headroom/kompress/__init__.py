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
from headroom.kompress._selector import (
    FEATURES,
    SELECTOR_FILE,
    QuerySelector,
    load_selector,
    segment_features,
    segments_of,
    typed_segments,
)
from headroom.kompress._words import layout

if TYPE_CHECKING:
    from headroom.compressors._base import CompressContext, Compressed
    from headroom.policy import Policy

__all__ = [
    "CostBudget",
    "CostEstimator",
    "FEATURES",
    "KompressCompressor",
    "KompressModel",
    "ModelSpec",
    "QuerySelector",
    "SELECTOR_FILE",
    "Scorer",
    "Throughput",
    "default_model_dir",
    "kompress_or_reason",
    "layout",
    "load_model",
    "load_selector",
    "read_spec",
    "segment_features",
    "segments_of",
    "typed_segments",
    "unavailable_reason",
]

_DEFAULT = KompressCompressor()


def kompress_or_reason(
    text: str, policy: Policy, ctx: CompressContext, compressor: KompressCompressor = _DEFAULT
) -> Compressed | str:
    """Kompress's result when it ran and saved tokens, else the reason it did not (for the fallback note).

    With a query, the query-conditioned selector (``query_selector.json`` beside the model)
    decides the block, with or without the ``[ml]`` extra. Under ``prose.engine: auto`` a block the model could not score within the time budget
    (:class:`CostBudget`) comes back as a reason too, so the extractive engine takes it.
    """
    # A block with a question goes to the query selector, which needs no model runtime.
    reason = (
        None if compressor.selector_for(policy.prose, ctx.query) else compressor.unavailable(policy.prose)
    )
    if reason is not None:
        return reason
    out = compressor.compress(text, policy, ctx)
    if out.tokens_out < out.tokens_in:
        return out
    return f"kompress: {out.reason or 'not smaller'}"
