"""Contract tests every compressor inherits.

Subclass :class:`CompressorContract` in a test module and provide ``make_compressor``,
``own_samples`` (texts this compressor should claim and shrink) and, optionally,
``critical_lines`` (lines that must survive verbatim). Requires pytest and hypothesis.
"""

from __future__ import annotations

import json
from typing import ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext, Compressed, Compressor
from headroom.policy import Policy

FOREIGN_SAMPLES: dict[str, str] = {
    "json": '{"users": [{"id": 1, "name": "ada", "active": true}, {"id": 2, "name": "bob", "active": false}]}',
    "log": "\n".join(
        f"2024-05-01 12:00:{i:02d} INFO worker-{i % 3} processed job {1000 + i} in {i * 7} ms"
        for i in range(30)
    ),
    "diff": (
        "diff --git a/app.py b/app.py\nindex 1111111..2222222 100644\n--- a/app.py\n+++ b/app.py\n"
        "@@ -1,4 +1,4 @@\n import os\n-x = 1\n+x = 2\n print(x)\n"
    ),
    "search": "\n".join(f"src/module_{i % 4}.py:{10 + i}:    value = compute(item_{i})" for i in range(30)),
    "html": (
        "<!DOCTYPE html><html><head><title>T</title><script>var a=1;</script></head>"
        "<body><nav><a href='/'>Home</a></nav><article><h1>Title</h1><p>Body text here.</p>"
        "</article></body></html>"
    ),
    "prose": (
        "The committee met on Tuesday to review the proposal. Several members raised concerns "
        "about the budget, while others praised the ambition of the plan. After a long "
        "discussion, the chair asked for a revised estimate before the next meeting."
    ),
    "code": (
        "import os\n\n\ndef main(argv):\n    for arg in argv:\n        if os.path.exists(arg):\n"
        "            print(arg)\n    return 0\n\n\nclass Runner:\n    def run(self):\n        return main([])\n"
    ),
    "csv": "id,name,score\n" + "\n".join(f"{i},user{i},{i * 3 % 17}" for i in range(30)),
}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=30) | st.dictionaries(st.text(max_size=10), children, max_size=8)
    ),
    max_leaves=120,
)


# Subclasses run these as methods with function-scoped fixtures of their own; both are intended.
_PROPERTY_SETTINGS = settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
    ],
)


def _json_escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _context(query: str | None = None) -> CompressContext:
    return CompressContext(store=MemoryStore(), query=query)


class CompressorContract:
    """Shared expectations; subclasses set the hooks below."""

    #: Content families this compressor legitimately claims (keys of FOREIGN_SAMPLES to skip).
    own_families: ClassVar[tuple[str, ...]] = ()
    policy: ClassVar[Policy] = Policy()

    def make_compressor(self) -> Compressor:
        raise NotImplementedError

    def own_samples(self) -> list[str]:
        raise NotImplementedError

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        """``(sample, lines that must appear verbatim in the output)`` pairs."""
        return []

    # -- helpers -------------------------------------------------------------------------
    def _run(self, text: str, query: str | None = None) -> tuple[Compressed, CompressContext]:
        ctx = _context(query)
        return self.make_compressor().compress(text, self.policy, ctx), ctx

    def _assert_sound(self, text: str, out: Compressed, ctx: CompressContext) -> None:
        assert out.tokens_out <= out.tokens_in, "compressor inflated its input"
        assert out.tokens_in == ctx.tokens(text)
        assert out.tokens_out == ctx.tokens(out.text)
        markers = parse_markers(out.text)
        for elision in out.elisions:
            assert elision.count > 0
            original = to_text(ctx.store.get(elision.key))
            # A nested elision may restore an embedded part (a JSON string value, a section).
            assert original == text or original in text or _json_escaped(original) in text, (
                "key does not restore the original or an embedded part of it byte-for-byte"
            )
        marker_keys = {m.key for m in markers}
        assert marker_keys <= {e.key for e in out.elisions}, "marker without an elision record"
        if out.elisions:
            assert markers, "elisions recorded but no marker in the text"

    # -- the contract --------------------------------------------------------------------
    def test_protocol(self) -> None:
        compressor = self.make_compressor()
        assert isinstance(compressor, Compressor)
        assert compressor.name and compressor.content_type

    def test_detects_own_samples(self) -> None:
        compressor = self.make_compressor()
        for sample in self.own_samples():
            assert compressor.detect(sample) >= 0.5, sample[:80]

    def test_does_not_claim_foreign_content(self) -> None:
        compressor = self.make_compressor()
        for family, sample in FOREIGN_SAMPLES.items():
            if family not in self.own_families:
                assert compressor.detect(sample) < 0.5, f"claimed {family} content"

    def test_own_samples_shrink_and_round_trip(self) -> None:
        for sample in self.own_samples():
            out, ctx = self._run(sample)
            self._assert_sound(sample, out, ctx)
            assert out.tokens_out < out.tokens_in, f"did not shrink: {sample[:80]!r}"

    def test_deterministic(self) -> None:
        for sample in self.own_samples():
            first, _ = self._run(sample, query="error timeout")
            second, _ = self._run(sample, query="error timeout")
            assert first == second

    def test_empty_input(self) -> None:
        out, _ctx = self._run("")
        assert out.text == ""
        assert out.tokens_in == out.tokens_out == 0

    def test_unicode_and_huge_single_line(self) -> None:
        for text in ["héllo wörld ✓ 日本語 🎉 " * 50, "x" * 200_000, "\x00\x01binary\xff" * 100]:
            out, ctx = self._run(text)
            self._assert_sound(text, out, ctx)

    def test_critical_lines_kept(self) -> None:
        for sample, lines in self.critical_lines():
            out, _ = self._run(sample)
            for line in lines:
                assert line in out.text, f"critical line lost: {line!r}"

    @_PROPERTY_SETTINGS
    @given(st.text(max_size=3000))
    def test_random_text_never_breaks(self, text: str) -> None:
        out, ctx = self._run(text)
        self._assert_sound(text, out, ctx)

    @_PROPERTY_SETTINGS
    @given(st.binary(max_size=3000))
    def test_bytes_as_text_never_break(self, raw: bytes) -> None:
        text = raw.decode("latin-1")
        out, ctx = self._run(text)
        self._assert_sound(text, out, ctx)

    @_PROPERTY_SETTINGS
    @given(JSON_VALUES)
    def test_random_json_never_breaks(self, value: object) -> None:
        text = json.dumps(value, indent=1, ensure_ascii=False)
        out, ctx = self._run(text, query="error")
        self._assert_sound(text, out, ctx)
