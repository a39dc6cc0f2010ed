"""SmartCrusher: the JSON compressor.

Lossless re-encoding first (compact lines, tables for uniform arrays with constant and derived
columns in the header), then budgeted selection of array items (first/last, error signals,
query matches, outliers, change points). Handles JSON Lines, JSONC, objects keyed by id, JSON
embedded in strings (plain or base64, as in HTTP cassettes) and long strings routed through
the pipeline's nested hook.
"""

from __future__ import annotations

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, passthrough, smaller_or_passthrough
from headroom.compressors._json.exact import DuplicateKey, ExactNumber, exact_numbers_in_play
from headroom.compressors._json.parse import detect_json, parse_document
from headroom.compressors._json.render import Renderer
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.policy import Policy, Section, tunable


class JsonPolicy(Section):
    """SmartCrusher: lossless tables first, then budgeted item selection."""

    enabled: bool = Field(True, description="Compress JSON content at all.")
    max_items: int = tunable(
        15, "Items kept per array once selection starts (the budget).", low=3, high=200, log=True
    )
    min_items_to_select: int = tunable(
        8, "Arrays at or below this length are never subsampled.", low=3, high=100
    )
    keep_first: int = tunable(3, "Leading items always kept.", low=0, high=10)
    keep_last: int = tunable(2, "Trailing items always kept.", low=0, high=10)
    outlier_z: float = tunable(
        3.0, "Robust z-score above which a numeric value marks its item as an outlier.", low=1.5, high=6.0
    )
    tabulate: bool = Field(True, description="Render uniform arrays of objects as compact tables.")
    max_string_chars: int = tunable(
        0, "Truncate strings longer than this (0 = never truncate).", low=0, high=4000
    )


_DETECT_CHARS = 4000


class JsonCompressor:
    """Compresses JSON, JSON Lines and JSONC documents."""

    name = "json"
    content_type = "json"
    max_confidence = 0.95  # the most detect() returns; the router skips what cannot win
    section = JsonPolicy
    tuning = Tuning(kinds=("json", "search-results"), routed_only=True)

    def detect(self, sample: str) -> float:
        """Confidence that ``sample`` is JSON (only a prefix is examined)."""
        return detect_json(sample[:_DETECT_CHARS])

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Compress ``text``; invalid JSON and output that would not be smaller pass through."""
        if not text.strip():
            return self._pass(text, ctx, "empty")
        if not policy.json_.enabled:
            return self._pass(text, ctx, "disabled by policy")
        exact_before = ExactNumber.created
        try:
            parsed = parse_document(text)
        except DuplicateKey as exc:
            return self._pass(text, ctx, str(exc))
        if parsed is None:
            return self._pass(text, ctx, "invalid json")
        ctx.check_time("json: parsing")
        if not isinstance(parsed.value, dict | list) or not parsed.value:
            return self._pass(text, ctx, "scalar json")
        renderer = Renderer(text, policy.json_, ctx)
        try:
            with exact_numbers_in_play(ExactNumber.created != exact_before):
                lines = renderer.block(parsed.value, "", "", renderer.budget())
        except RecursionError:
            return self._pass(text, ctx, "too deeply nested")
        ctx.check_time("json: rendering")
        lines[:0] = parsed.critical_comments  # comments that report errors stay verbatim
        if parsed.comment_lines:
            lines.insert(0, f"# JSONC {renderer.marker(parsed.comment_lines, 'comment lines')}")
        if parsed.tail:
            lines.append(parsed.tail.strip())
        return smaller_or_passthrough(
            text, "\n".join(lines), ctx, self, renderer.elisions, "json as compact lines and tables"
        )

    def _pass(self, text: str, ctx: CompressContext, reason: str) -> Compressed:
        return passthrough(text, ctx, self.name, self.content_type, reason)


register(JsonCompressor())
