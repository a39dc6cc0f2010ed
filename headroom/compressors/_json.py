"""SmartCrusher: the JSON compressor.

Lossless re-encoding first (compact lines, tables for uniform arrays with constant and derived
columns in the header), then budgeted selection of array items (first/last, error signals,
query matches, outliers, change points). Handles JSON Lines, JSONC, objects keyed by id, JSON
embedded in strings (plain or base64, as in HTTP cassettes) and long strings routed through
the pipeline's nested hook.
"""

from __future__ import annotations

from headroom.compressors._base import CompressContext, Compressed, passthrough, smaller_or_passthrough
from headroom.compressors._json_exact import DuplicateKey, ExactNumber, exact_numbers_in_play
from headroom.compressors._json_parse import detect_json, parse_document
from headroom.compressors._json_render import Renderer
from headroom.compressors._registry import register
from headroom.policy import Policy

_DETECT_CHARS = 4000


class JsonCompressor:
    """Compresses JSON, JSON Lines and JSONC documents."""

    name = "json"
    content_type = "json"

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
