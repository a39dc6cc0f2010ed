"""The Kompress compressor with an injected scorer: contract, marker count, rules, budget, fallback."""

from __future__ import annotations

import zlib

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors import CompressContext, Compressed
from headroom.compressors._prose.compressor import ProseCompressor
from headroom.kompress import KompressCompressor, kompress_or_reason
from headroom.policy import Policy, ProsePolicy
from headroom.testing import CompressorContract

_STOP = frozenset("the a an of to in and or was is were by on at for with over how that this it".split())
_TOPICS = ["harbour", "orchard", "glacier", "library", "foundry", "meadow"]


def fake_scorer(lines: list[list[str]]) -> list[list[float]]:
    """Deterministic stand-in for the model: stopwords low, other words spread by a hash."""
    return [
        [0.05 if w.lower().strip(".,") in _STOP else 0.3 + (zlib.crc32(w.encode()) % 60) / 100 for w in line]
        for line in lines
    ]


def _prose(sentences: int) -> str:
    out = []
    for i in range(sentences):
        topic = _TOPICS[i % len(_TOPICS)]
        out.append(
            f"The story of the {topic} was told again by the elders over a long and quiet winter evening."
        )
        if i % 4 == 3:
            out.append("\n\n")
    return " ".join(out).replace(" \n\n ", "\n\n") + "\n"


PROSE = _prose(16)
CRITICAL = _prose(6) + "The nightly deploy failed because the database connection was refused.\n" + _prose(6)
MARKDOWN = "# Notes on the valley\n\n" + _prose(8) + "\n- first item of the list with several plain words\n"


def _run(
    text: str, query: str | None = None, policy: Policy | None = None
) -> tuple[Compressed, CompressContext]:
    ctx = CompressContext(store=MemoryStore(), query=query)
    return KompressCompressor(scorer=fake_scorer).compress(text, policy or Policy(), ctx), ctx


class TestKompressContract(CompressorContract):
    own_families = ("prose",)

    def make_compressor(self) -> KompressCompressor:
        return KompressCompressor(scorer=fake_scorer)

    def own_samples(self) -> list[str]:
        return [PROSE, CRITICAL, MARKDOWN]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [(CRITICAL, ["The nightly deploy failed because the database connection was refused."])]


def test_one_marker_with_the_exact_number_of_words_dropped() -> None:
    out, ctx = _run(PROSE)
    markers = parse_markers(out.text)
    assert len(markers) == 1 and markers[0].kind == "words"
    body = out.text[: out.text.index("[")]
    assert len(body.split()) + markers[0].count == len(PROSE.split())
    assert [e.count for e in out.elisions] == [markers[0].count]
    assert to_text(ctx.store.get(markers[0].key)) == PROSE


def test_kept_words_stay_in_order_and_lines_are_not_joined() -> None:
    out, _ = _run(PROSE)
    body = out.text[: out.text.index("[")]
    original = iter(PROSE.split())
    assert all(any(w == o for o in original) for w in body.split()), "kept words are a subsequence"
    assert body.count("\n") <= PROSE.count("\n")
    assert "\n\n" in body, "paragraph breaks survive"


def test_keep_rate_sets_the_savings() -> None:
    loose, _ = _run(PROSE, policy=Policy(prose=ProsePolicy(keep_rate=0.8)))
    tight, _ = _run(PROSE, policy=Policy(prose=ProsePolicy(keep_rate=0.3)))
    assert tight.tokens_out < loose.tokens_out < loose.tokens_in
    assert tight.tokens_out <= 0.45 * tight.tokens_in


@pytest.mark.parametrize("rate", [0.3, 0.45, 0.6])
@pytest.mark.parametrize("query", [None, "quiet winter evening in the glacier"])
def test_the_whole_output_marker_included_stays_within_the_rate(rate: float, query: str | None) -> None:
    # The marker's key is hashed from the text, so its price is known before deciding: the rate
    # holds for the whole output, not just the kept words (a short text feels the difference).
    for text in (PROSE, _prose(8)):
        out, _ = _run(text, query=query, policy=Policy(prose=ProsePolicy(keep_rate=rate, min_tokens=0)))
        assert parse_markers(out.text), "expected a compressed output"
        assert out.tokens_out <= rate * out.tokens_in + 2  # one word may straddle the budget


def test_threshold_overrides_keep_rate() -> None:
    out, _ = _run(PROSE, policy=Policy(prose=ProsePolicy(threshold=0.5)))
    assert out.tokens_out < out.tokens_in
    assert " the " not in out.text.split("[")[0]


def test_literals_and_markup_are_force_kept() -> None:
    text = PROSE.replace(
        "long and quiet", "long and quiet (see docs/setup.md, parse_args, 4.2 GB, `make all`)", 1
    )
    out, _ = _run(text, policy=Policy(prose=ProsePolicy(keep_rate=0.2)))
    for literal in ("docs/setup.md,", "parse_args,", "4.2", "`make", "all`)"):
        assert literal in out.text
    md, _ = _run(MARKDOWN, policy=Policy(prose=ProsePolicy(keep_rate=0.2)))
    assert md.text.startswith("# Notes on the valley\n") and md.content_type == "markdown"


def test_query_words_survive_a_tight_budget() -> None:
    text = PROSE.replace("elders", "zirconium", 1)
    out, _ = _run(text, query="zirconium", policy=Policy(prose=ProsePolicy(keep_rate=0.15)))
    assert "zirconium" in out.text


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (Policy(prose=ProsePolicy(enabled=False)), "disabled"),
        (Policy(prose=ProsePolicy(keep_rate=1.0)), "keep_rate"),
        (Policy(prose=ProsePolicy(min_tokens=2000)), "min_tokens"),
    ],
)
def test_passes_through_when_told(policy: Policy, reason: str) -> None:
    out, _ = _run(PROSE, policy=policy)
    assert out.text == PROSE and reason in (out.reason or "")


def test_scorer_failure_passes_through_with_a_reason() -> None:
    def broken(lines: list[list[str]]) -> list[list[float]]:
        raise RuntimeError("boom")

    ctx = CompressContext(store=MemoryStore())
    out = KompressCompressor(scorer=broken).compress(PROSE, Policy(), ctx)
    assert out.text == PROSE and "kompress failed" in (out.reason or "")


def test_whole_kept_lines_are_not_sent_to_the_scorer() -> None:
    seen: list[list[str]] = []

    def spy(lines: list[list[str]]) -> list[list[float]]:
        seen.extend(lines)
        return fake_scorer(lines)

    ctx = CompressContext(store=MemoryStore())
    KompressCompressor(scorer=spy).compress(CRITICAL, Policy(), ctx)
    assert not any("refused." in line for line in seen)


def test_missing_model_falls_back_to_extractive_with_a_note(tmp_path: object) -> None:
    policy = Policy(prose=ProsePolicy(engine="kompress", model_path=str(tmp_path)))
    ctx = CompressContext(store=MemoryStore())
    assert isinstance(kompress_or_reason(PROSE, policy, ctx), str)
    out = ProseCompressor().compress(PROSE, policy, ctx)
    assert out.compressor == "prose" and out.tokens_out < out.tokens_in
    assert "extractive fallback" in (out.reason or "") and "kompress" in (out.reason or "")


def test_extractive_engine_never_mentions_kompress() -> None:
    policy = Policy(prose=ProsePolicy(engine="extractive"))
    out = ProseCompressor().compress(PROSE, policy, CompressContext(store=MemoryStore()))
    assert out.reason is None


def test_trim_drops_a_name_whole_never_half_of_it() -> None:
    from headroom.kompress._compressor import trim_to_budget
    from headroom.kompress._words import layout, name_spans, token_costs, units

    words = layout("moved to its stadium Old Trafford in that year")
    n = len(words.flat)
    keep, forced = [True] * n, [False] * n
    probs = [0.5, 0.1, 0.6, 0.6, 0.3, 0.3, 0.1, 0.9, 0.9]  # after "to" and "in", the name goes
    costs = token_costs(words.flat, "o200k_base")
    ctx = CompressContext(store=MemoryStore())
    limit = ctx.tokens("moved its stadium Old that year")
    groups = units(n, name_spans(words))
    trimmed = trim_to_budget(words, keep, forced, probs, costs, limit, ctx, groups)
    assert trimmed[4] == trimmed[5]  # "Old" and "Trafford" share their fate
    halves = trim_to_budget(words, keep, forced, probs, costs, limit, ctx)
    assert halves[4] != halves[5]  # word by word, the later half goes first


def test_a_kept_number_keeps_the_bound_that_gives_it_its_meaning() -> None:
    def bounds_unlikely(lines: list[list[str]]) -> list[list[float]]:
        low = {"until", "more", "than"}
        return [
            [0.01 if w in low else p for w, p in zip(line, probs, strict=True)]
            for line, probs in zip(lines, fake_scorer(lines), strict=True)
        ]

    fact = "The old harbour office stays open until 2031 and serves more than 40 boats."
    text = _prose(4) + fact + " " + _prose(4)
    policy = Policy(prose=ProsePolicy(keep_rate=0.3, min_tokens=0))
    keep = KompressCompressor(scorer=bounds_unlikely).decide(
        text, policy, CompressContext(store=MemoryStore())
    )
    kept = " ".join(w for w, k in zip(text.split(), keep, strict=True) if k)
    assert "until 2031" in kept and "more than 40" in kept
