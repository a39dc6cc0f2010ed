"""The prose compressor: contract, marker counts, query relevance, markdown structure."""

from __future__ import annotations

import itertools
import re
import time

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors import CompressContext, Compressed, get_compressor
from headroom.compressors._prose.compressor import ProseCompressor
from headroom.compressors._prose.select import assemble, dropped_runs, run_label, select_spans
from headroom.compressors._prose.units import (
    CODE_BLOCKS,
    LIST_ITEMS,
    SENTENCES,
    TABLE_ROWS,
    Unit,
    build_units,
    split_sentences,
)
from headroom.policy import Policy, ProsePolicy
from headroom.testing import CompressorContract

_TOPICS = ["harbour", "orchard", "glacier", "library", "foundry", "meadow", "observatory", "bakery"]
_VERBS = ["describes", "measures", "records", "explains", "compares", "summarises"]


def _sentence(i: int) -> str:
    topic, verb = _TOPICS[i % len(_TOPICS)], _VERBS[i % len(_VERBS)]
    return f"Fact number {i} {verb} how the {topic} changed over the last {i + 2} seasons in the valley."


def _paragraphs(count: int, per: int) -> str:
    paras = [" ".join(_sentence(p * per + s) for s in range(per)) for p in range(count)]
    return "\n\n".join(paras) + "\n"


PROSE = _paragraphs(6, 6)

MARKDOWN = (
    "# Field guide\n\n"
    + _paragraphs(2, 5)
    + "\n## Equipment\n\n"
    + "".join(
        f"- Item {i}: a sturdy {t} kit that lasts for {i + 3} years of regular use\n"
        for i, t in enumerate(_TOPICS)
    )
    + "\n## Measurements\n\n"
    + "| Site | Depth | Notes |\n|---|---|---|\n"
    + "".join(
        f"| {t} | {i * 7} m | sampled in week {i + 1} by the survey team |\n" for i, t in enumerate(_TOPICS)
    )
    + "\n## Setup\n\n```bash\npip install fieldkit\n```\n\n"
    + _paragraphs(2, 5)
)

CRITICAL_PROSE = (
    _paragraphs(2, 6)
    + "The nightly deploy failed because the database connection was refused by the host.\n\n"
    + _paragraphs(2, 6)
)


# These tests pin the extractive engine: Kompress has its own suite (tests/kompress).
EXTRACTIVE = Policy(prose=ProsePolicy(engine="extractive"))


def _compress(
    text: str, query: str | None = None, policy: Policy | None = None
) -> tuple[Compressed, CompressContext]:
    ctx = CompressContext(store=MemoryStore(), query=query)
    return ProseCompressor().compress(text, policy or EXTRACTIVE, ctx), ctx


def _fact_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Fact number (\d+)", text)]


class TestProseContract(CompressorContract):
    own_families = ("prose",)
    policy = EXTRACTIVE

    def make_compressor(self) -> ProseCompressor:
        return ProseCompressor()

    def own_samples(self) -> list[str]:
        return [PROSE, MARKDOWN, CRITICAL_PROSE]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [
            (
                CRITICAL_PROSE,
                ["The nightly deploy failed because the database connection was refused by the host."],
            )
        ]


def test_registered_under_its_name() -> None:
    assert isinstance(get_compressor("prose"), ProseCompressor)


def test_saves_close_to_one_minus_keep_rate() -> None:
    out, _ = _compress(PROSE)
    assert 0.4 <= 1 - out.tokens_out / out.tokens_in <= 0.7


def test_marker_counts_match_the_sentences_removed() -> None:
    out, ctx = _compress(PROSE)
    kept = _fact_numbers(out.text)
    markers = parse_markers(out.text)
    assert markers and all(m.kind == SENTENCES for m in markers)
    assert len(kept) + sum(m.count for m in markers) == len(_fact_numbers(PROSE))
    assert kept == sorted(kept), "original order kept"
    assert [e.count for e in out.elisions] == [m.count for m in markers]
    assert to_text(ctx.store.get(markers[0].key)) == PROSE


def test_each_marker_sits_where_its_run_was() -> None:
    out, _ = _compress(PROSE)
    pieces = re.split(r"\[(\d+) sentences omitted; retrieve: hr[0-9a-f]+\]", out.text)
    expected = 0
    for k, piece in enumerate(pieces):
        if k % 2:
            expected += int(piece)
            continue
        for number in _fact_numbers(piece):
            assert number == expected
            expected += 1


def test_query_matches_are_kept() -> None:
    text = PROSE.replace("Fact number 29 ", "Fact number 29 about zirconium isotopes ")
    out, _ = _compress(text, query="What about zirconium isotopes?")
    assert "Fact number 29 about zirconium isotopes" in out.text


def test_query_changes_the_selection() -> None:
    plain, _ = _compress(PROSE)
    focused, _ = _compress(PROSE, query="glacier")
    glacier = [n for n in _fact_numbers(PROSE) if _TOPICS[n % len(_TOPICS)] == "glacier"]
    assert set(glacier) <= set(_fact_numbers(focused.text))
    assert plain.text != focused.text


def test_lines_and_order_are_kept() -> None:
    out, _ = _compress(MARKDOWN)
    remainder = MARKDOWN
    for piece in re.split(r"\[[^\]]*retrieve: hr[0-9a-f]+\]", out.text):
        for line in filter(None, (p.strip() for p in piece.split("\n"))):
            position = remainder.find(line)
            assert position >= 0, f"out of order or altered: {line!r}"
            remainder = remainder[position + len(line) :]


def test_markdown_structure_survives() -> None:
    out, _ = _compress(MARKDOWN)
    assert out.content_type == "markdown"
    for heading in ("# Field guide", "## Equipment", "## Measurements", "## Setup"):
        assert heading in out.text
    assert "| Site | Depth | Notes |\n|---|---|---|\n" in out.text


def test_table_rows_matching_the_query_are_kept_and_the_rest_counted() -> None:
    out, _ = _compress(MARKDOWN, query="glacier depth")
    assert "| glacier | 14 m |" in out.text
    rows = [m for m in parse_markers(out.text) if m.kind == TABLE_ROWS]
    kept_rows = len(re.findall(r"^\| [a-z]+ \| \d+ m \|", out.text, re.MULTILINE))
    assert kept_rows + sum(m.count for m in rows) == len(_TOPICS)


def test_short_code_blocks_are_kept_whole() -> None:
    out, _ = _compress(MARKDOWN)
    assert "```bash\npip install fieldkit\n```" in out.text


def test_list_items_are_counted_as_items() -> None:
    out, _ = _compress(MARKDOWN, query="history")
    items = len(re.findall(r"^- Item \d+", out.text, re.MULTILINE))
    removed = 0
    for marker in parse_markers(out.text):
        if marker.kind == LIST_ITEMS:
            removed += marker.count
        elif LIST_ITEMS in marker.detail:
            removed += int(re.search(rf"(\d+) {LIST_ITEMS}", marker.detail).group(1))  # type: ignore[union-attr]
    assert items + removed == len(_TOPICS)


def test_prose_is_reported_as_prose() -> None:
    out, _ = _compress(PROSE)
    assert out.content_type == "prose"


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (Policy(prose=ProsePolicy(enabled=False, engine="extractive")), "disabled"),
        (Policy(prose=ProsePolicy(min_tokens=2000, engine="extractive")), "min_tokens"),
    ],
)
def test_passes_through_when_told_or_too_short(policy: Policy, reason: str) -> None:
    out, _ = _compress(PROSE, policy=policy)
    assert out.text == PROSE and reason in (out.reason or "")


def test_keep_rate_one_keeps_everything() -> None:
    out, _ = _compress(PROSE, policy=Policy(prose=ProsePolicy(keep_rate=1.0, engine="extractive")))
    assert out.text == PROSE


def test_detect_is_moderate_for_prose() -> None:
    compressor = ProseCompressor()
    assert 0.5 <= compressor.detect(PROSE) <= 0.6
    assert compressor.detect("") == 0.0


def test_fast_enough_on_thirty_kilobytes() -> None:
    text = _paragraphs(40, 9)[:30_000]
    _compress(text)  # warm the tokenizer
    started = time.perf_counter()
    _compress(text, query="glacier seasons")
    assert time.perf_counter() - started < 0.25


# -- the reusable parts (Kompress plugs into these) ----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One sentence. Another one here.", ["One sentence. ", "Another one here."]),
        ("See e.g. the manual. Done.", ["See e.g. the manual. ", "Done."]),
        ("Dr. Smith measured 3.5 mm. It grew.", ["Dr. Smith measured 3.5 mm. ", "It grew."]),
        ("Is it? Yes!  Really.", ["Is it? ", "Yes!  ", "Really."]),
        ("version 1.2.3 is out", ["version 1.2.3 is out"]),
        (
            "A company of U.S. Marines, led by Greene. Lee commanded.",
            ["A company of U.S. Marines, led by Greene. ", "Lee commanded."],
        ),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_units_tile_the_text() -> None:
    units = build_units(MARKDOWN)
    assert units[0].start == 0 and units[-1].end == len(MARKDOWN)
    assert all(a.end == b.start for a, b in itertools.pairwise(units))
    kinds = {u.kind for u in units}
    assert {SENTENCES, LIST_ITEMS, TABLE_ROWS, CODE_BLOCKS} <= kinds


def test_unclosed_fence_does_not_swallow_the_text() -> None:
    text = "Intro line here.\n\n```\ncode\n\n## Later heading\n\nMore prose follows. And more.\n"
    units = build_units(text)
    assert any(u.must_keep and text[u.start : u.content_end] == "## Later heading" for u in units)


def _units(sizes: list[float], must: tuple[int, ...] = ()) -> list[Unit]:
    out, position = [], 0
    for k, size in enumerate(sizes):
        out.append(Unit(position, position + 10, position + 9, SENTENCES, k in must, tokens=size))
        position += 10
    return out


def test_select_spans_respects_budget_and_must_keep() -> None:
    units = _units([40, 40, 40, 40, 40, 40], must=(5,))
    keep = select_spans(units, [6, 5, 4, 3, 2, 1], budget=120, marker_cost=10)
    assert keep[5] and keep[0]
    kept = sum(u.tokens for u, k in zip(units, keep, strict=True) if k)
    assert kept + 10 * len(dropped_runs(keep)) <= 120


def test_select_spans_keeps_runs_cheaper_than_their_marker() -> None:
    units = _units([50, 5, 50, 50], must=(0, 2))
    keep = select_spans(units, [0, 0, 0, 0], budget=100, marker_cost=10)
    assert keep == [True, True, True, False]


def test_mixed_runs_spell_out_each_kind() -> None:
    units = [Unit(0, 5, 4, SENTENCES), Unit(5, 10, 9, SENTENCES), Unit(10, 15, 14, LIST_ITEMS)]
    assert run_label(units) == (3, "parts", "(2 sentences, 1 list items)")


def test_assemble_puts_one_marker_per_run_with_the_run_separator() -> None:
    text = "A one.\nB two. C three.\n\nD four.\n"
    units = build_units(text)
    ctx = CompressContext(store=MemoryStore())
    out, elisions = assemble(text, units, [True, False, False, True], ctx)
    assert [e.count for e in elisions] == [2]
    assert out.startswith("A one.\n[2 sentences omitted; retrieve: hr") and out.endswith("]\n\nD four.\n")
