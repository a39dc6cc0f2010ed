"""The prose compressor: Kompress word deletion when available, else extractive sentence selection.

With ``engine`` auto/kompress and the ``[ml]`` extra plus a model present, prose goes to
:mod:`headroom.kompress`; otherwise (or when Kompress saves nothing) the extractive path below
runs and its reason notes the fallback.

Text is split into units (sentences; list items, table rows, lines and code blocks in
markdown), each unit is scored (BM25 against the query, else a content prior), and the best
units are kept under a token budget of ``keep_rate`` of the input. Headings, table headers,
front matter and lines with critical terms are always kept. Each dropped run leaves one
marker with the exact count of what it removed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from headroom.ccr import content_key, format_marker, to_bytes
from headroom.compressors._base import CompressContext, Compressed, passthrough, result
from headroom.compressors._prose.detect import detect_prose, is_markdown
from headroom.compressors._prose.score import Weights, contents, query_scores
from headroom.compressors._prose.select import assemble, select_spans
from headroom.compressors._prose.units import SENTENCES, Unit, build_units
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.policy import Section, tunable
from headroom.tokens import count_tokens, get_encoding


class ProsePolicy(Section):
    """Prose and markdown: Kompress word-level deletion when available, else extractive sentence selection."""

    enabled: bool = Field(True, description="Compress prose at all.")
    keep_rate: float = tunable(0.45, "Share of tokens to keep.", low=0.1, high=1.0)
    min_tokens: int = tunable(150, "Texts shorter than this are passed through.", low=0, high=2000)
    query_weight: float = tunable(
        3.0, "Weight of query relevance (BM25) against the query-free prior.", low=0.5, high=10.0, log=True
    )
    short_code_tokens: int = tunable(
        60, "Fenced code blocks at or below this many tokens are preferred for keeping.", low=0, high=400
    )
    engine: Literal["auto", "kompress", "extractive"] = tunable(
        "auto",
        "auto: the word-level Kompress model when it can run (the [ml] extra and a model at "
        "model_path, the bundled one by default), else extractive with the reason noted; kompress: the "
        "same, asked for explicitly; extractive: sentence selection only. Tuning chooses between auto "
        "and extractive: Kompress keeps more of what a query asks for, sentence selection saves more.",
        choices=("auto", "extractive"),
    )
    model_path: str | None = Field(
        None,
        description="Kompress model directory (kompress.json or a HF checkpoint); None = bundled default.",
    )
    keep_label: int | None = Field(
        None, ge=0, description="Label index meaning keep, for checkpoints without kompress.json (default 1)."
    )
    threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Keep words whose keep probability reaches this (overrides keep_rate).",
    )
    query_boost: float = tunable(
        0.3,
        "Added to the keep probability of words matching the query (less for their neighbours).",
        low=0.0,
        high=1.0,
    )
    query_share: float = tunable(
        0.8,
        "Kompress with a query: share of the token budget given first to the sentences most relevant "
        "to it (kept whole), before word-level pruning of the rest.",
        low=0.0,
        high=1.0,
    )
    dense_weight: float = tunable(
        2.0,
        "Kompress with a query: weight of sentence-encoder similarity against BM25 when ranking "
        "sentences (both as z-scores).",
        low=0.0,
        high=4.0,
    )
    quantize: bool = Field(True, description="Run Kompress with int8 dynamic quantization on CPU.")
    backend: Literal["auto", "torch", "onnx"] = Field(
        "auto",
        description="Kompress inference backend: onnx exports the model once (cached, int8 when quantize) "
        "and runs it with onnxruntime; torch runs the torch module; auto: onnx when onnxruntime is "
        "installed, else torch (also torch when the export fails).",
    )


if TYPE_CHECKING:
    from headroom.policy import Policy

MIN_UNITS = 3
_SAMPLE_KEY = content_key(b"")


def marker_cost(encoding: str, key: str = _SAMPLE_KEY) -> float:
    """Tokens of a marker with ``key``, the price of every dropped run.

    Callers that know the key pass it: keys cost the same today, but the count is exact either way.
    """
    return float(count_tokens(format_marker(12, SENTENCES, key) + " ", encoding))


def with_token_counts(text: str, units: list[Unit], encoding: str) -> list[Unit]:
    """Give each unit its own token count (one linear pass; dense sentences cost more per character)."""
    encode = get_encoding(encoding).encode_ordinary
    return [u.with_tokens(float(len(encode(text[u.start : u.end])))) for u in units]


class ProseCompressor:
    """Keeps the sentences that matter for the query (or the lead and dense ones without one)."""

    name = "prose"
    content_type = "prose"
    max_confidence = 0.6  # the most detect() returns; the router skips what cannot win
    section = ProsePolicy
    tuning = Tuning(kinds=("prose", "markdown"))

    def detect(self, sample: str) -> float:
        """Moderate confidence for ordinary prose and markdown, low for structured content."""
        return detect_prose(sample)

    def content_type_of(self, sample: str) -> str:
        """``markdown`` when the text carries markdown structure, else ``prose``."""
        return "markdown" if is_markdown(sample) else self.content_type

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Select units under the budget; pass through when too short or when nothing is saved."""
        kind = "markdown" if is_markdown(text) else self.content_type
        settings = policy.prose
        if not settings.enabled or settings.keep_rate >= 1.0:
            return passthrough(text, ctx, self.name, kind, "prose compression disabled (or keep_rate 1)")
        tokens = ctx.tokens(text)
        if tokens < max(settings.min_tokens, 1):
            return passthrough(text, ctx, self.name, kind, "below min_tokens")
        note = None
        if settings.engine != "extractive":
            from headroom.kompress import kompress_or_reason  # torch stays unimported until a model runs

            # Model inference runs at the speed of the hardware (seconds per 10K tokens on a CPU);
            # the block budget bounds the linear compressors, not the model.
            with ctx.untimed():
                kompressed = kompress_or_reason(text, policy, ctx)
            if not isinstance(kompressed, str):
                return kompressed
            note = f"{kompressed}; extractive fallback"
        out = self._extractive(text, settings, ctx, kind)
        return out if note is None else replace(out, reason=f"{out.reason}; {note}" if out.reason else note)

    def _extractive(self, text: str, settings: ProsePolicy, ctx: CompressContext, kind: str) -> Compressed:
        units = build_units(text)
        if len(units) < MIN_UNITS:
            return passthrough(text, ctx, self.name, kind, "too few sentences to select from")
        ctx.check_time("prose: splitting units")
        counted = with_token_counts(text, units, ctx.encoding)
        ctx.check_time("prose: counting unit tokens")
        return self._select(text, counted, settings, ctx, kind)

    def _select(
        self, text: str, units: list[Unit], settings: ProsePolicy, ctx: CompressContext, kind: str
    ) -> Compressed:
        weights = Weights(query=settings.query_weight, short_code_tokens=settings.short_code_tokens)
        scores = query_scores(contents(text, units), units, ctx.query, weights)
        ctx.check_time("prose: scoring units")
        budget = settings.keep_rate * ctx.tokens(text)
        keep = select_spans(units, scores, budget, marker_cost(ctx.encoding, content_key(to_bytes(text))))
        if all(keep):
            return passthrough(text, ctx, self.name, kind, "nothing worth a marker to drop")
        out_text, elisions = assemble(text, units, keep, ctx)
        out = result(text, out_text, ctx, self, elisions, content_type=kind)
        if out.tokens_out >= out.tokens_in:
            return passthrough(text, ctx, self.name, kind, "selection did not save tokens")
        return out


register(ProseCompressor())
