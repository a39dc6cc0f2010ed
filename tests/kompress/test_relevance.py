"""Query relevance: sentence ranges, BM25 + dense fusion, and the protected sentences' budget."""

from __future__ import annotations

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import KompressCompressor
from headroom.kompress._relevance import (
    PROTECTED,
    is_title,
    ranked_sentences,
    relevance,
    sentence_boost,
    sentence_ranges,
    under_titles,
)
from headroom.kompress._words import layout
from headroom.policy import Policy, ProsePolicy

from .test_compressor import _prose, fake_scorer

ANSWER = "The quarantine period for returning travellers was fourteen days in most provinces."


def topic_embedder(texts: list[str]) -> list[list[float]]:
    """A fake encoder: one axis per topic word, so 'isolation' and 'quarantine' are neighbours."""
    axes = [("quarantine", "isolation", "travellers"), ("harbour", "boats"), ("orchard", "apples")]
    out = []
    for text in texts:
        low = text.lower()
        vector = [float(sum(low.count(w) for w in words)) for words in axes] + [0.1]
        norm = sum(v * v for v in vector) ** 0.5
        out.append([v / norm for v in vector])
    return out


def _ranges(text: str) -> list[str]:
    words = layout(text)
    flat = words.flat
    return [" ".join(flat[a:b]) for a, b in sentence_ranges(words.raw, words.lines)]


def test_sentence_ranges_cover_every_word_once_and_respect_lines_and_abbreviations() -> None:
    text = "# Title line\nFirst one, e.g. with an abbreviation. Second one!\n\n  Third  line ends"
    assert _ranges(text) == [
        "# Title line",
        "First one, e.g. with an abbreviation.",
        "Second one!",
        "Third line ends",
    ]
    assert _ranges("") == []


def test_dense_similarity_finds_the_sentence_bm25_cannot() -> None:
    sentences = ["Boats filled the harbour at dawn.", ANSWER, "The apples of the orchard were red."]
    lexical = relevance(sentences, "how long was the isolation", None)
    fused = relevance(sentences, "how long was the isolation", topic_embedder)
    assert max(lexical) == min(lexical)  # no shared word: BM25 cannot tell them apart
    assert fused.index(max(fused)) == 1


def test_dense_weight_sets_how_far_the_encoder_can_overrule_bm25() -> None:
    # BM25 favours the sentence holding "quiet"; the encoder favours the quarantine answer
    sentences = ["The harbour was quiet and closed.", ANSWER, "The apples were red."]
    query = "quiet isolation"
    lexical_only = relevance(sentences, query, topic_embedder, dense_weight=0.0)
    dense_led = relevance(sentences, query, topic_embedder, dense_weight=3.0)
    assert lexical_only.index(max(lexical_only)) == 0
    assert dense_led.index(max(dense_led)) == 1
    assert ProsePolicy().dense_weight == 2.0


def test_protected_sentences_fit_the_allowance() -> None:
    text = _prose(12) + ANSWER + " " + _prose(12)
    words = layout(text)
    flat, raw, lines = words.flat, words.raw, words.lines
    costs = [1] * len(flat)
    ranked = ranked_sentences(raw, lines, "quarantine travellers days", None)
    boost = sentence_boost(ranked, len(flat), costs, 12.0)
    protected = [w for w, b in zip(flat, boost, strict=True) if b == PROTECTED]
    assert " ".join(protected) == ANSWER
    assert ranked_sentences(raw, lines, None, None) == []
    assert sentence_boost(ranked, len(flat), costs, 0.0) == [0.0] * len(flat)


def test_the_relevant_sentence_survives_whole_at_a_tight_budget() -> None:
    text = _prose(12) + ANSWER + " " + _prose(12)
    policy = Policy(prose=ProsePolicy(keep_rate=0.2, min_tokens=0))
    ctx = CompressContext(store=MemoryStore(), query="How many days of isolation?")
    out = KompressCompressor(scorer=fake_scorer, embedder=topic_embedder).compress(text, policy, ctx)
    assert ANSWER in out.text
    without = Policy(prose=ProsePolicy(keep_rate=0.2, min_tokens=0, query_share=0.0))
    ctx = CompressContext(store=MemoryStore(), query="How many days of isolation?")
    plain = KompressCompressor(scorer=fake_scorer, embedder=topic_embedder).compress(text, without, ctx)
    assert ANSWER not in plain.text


def test_decide_matches_the_rendered_output() -> None:
    text = _prose(8)
    policy = Policy(prose=ProsePolicy(keep_rate=0.3, min_tokens=0))
    compressor = KompressCompressor(scorer=fake_scorer)
    keep = compressor.decide(text, policy, CompressContext(store=MemoryStore()))
    out = compressor.compress(text, policy, CompressContext(store=MemoryStore()))
    kept = [w for w, k in zip(text.split(), keep, strict=True) if k]
    assert " ".join(out.text.split()[: len(kept)]) == " ".join(kept)


def test_a_sentence_that_only_repeats_the_query_is_not_protected() -> None:
    text = "Quarantine travellers\n" + _prose(6) + ANSWER + " " + _prose(6)
    words = layout(text)
    ranked = ranked_sentences(words.raw, words.lines, "quarantine travellers", None)
    boost = sentence_boost(ranked, len(words.flat), [1] * len(words.flat), 12.0)
    protected = [w for w, b in zip(words.flat, boost, strict=True) if b == PROTECTED]
    assert " ".join(protected) == ANSWER


def test_the_best_sentence_survives_when_forced_literals_spend_the_budget() -> None:
    rows = "\n".join(f"{i}m pod/worker-{i:04d}-x{i}k created container-{i} id-{i * 7}" for i in range(40))
    line = "12m node-3 Memory cgroup out of memory: Killed process 48213 (java) score 912"
    text = rows + "\n" + line + "\n" + rows + "\n"
    policy = Policy(prose=ProsePolicy(keep_rate=0.3, min_tokens=0))
    query = "Which process was killed for running out of memory?"
    keep = KompressCompressor(scorer=fake_scorer).decide(
        text, policy, CompressContext(store=MemoryStore(), query=query)
    )
    kept = " ".join(w for w, k in zip(text.split(), keep, strict=True) if k)
    assert line in kept
    plain = KompressCompressor(scorer=fake_scorer).decide(text, policy, CompressContext(store=MemoryStore()))
    assert line not in " ".join(w for w, k in zip(text.split(), plain, strict=True) if k)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The Outsiders (novel)", True),
        ("Hops", True),
        ("Owner: Dai Yongge", False),  # a key: value line may be the answer
        ("It houses the temporal lobes.", False),
        ("one two three four five six seven eight nine", False),  # too long for a title
    ],
)
def test_titles_are_short_lines_that_are_neither_sentences_nor_key_values(text: str, title: bool) -> None:
    assert is_title(text) is title


def test_a_title_line_is_never_protected_but_a_sentence_that_names_it_is() -> None:
    text = "Quarantine rules for travellers\n" + ANSWER + " " + _prose(2)
    words = layout(text)
    ranked = ranked_sentences(words.raw, words.lines, "quarantine travellers days", None)
    flat = words.flat
    protected = [" ".join(flat[a:b]) for a, b in ranked]
    assert "Quarantine rules for travellers" not in protected
    assert protected[0] == ANSWER


def test_sentences_are_read_under_their_title_or_heading() -> None:
    texts = ["## Middle cranial fossa", "It houses the temporal lobes.", "Install", "Run pip."]
    titles = [True, False, True, False]
    assert under_titles(texts, titles) == [
        "## Middle cranial fossa",
        "Middle cranial fossa: It houses the temporal lobes.",
        "Install",
        "Install: Run pip.",
    ]
    assert under_titles(["No title here."], [False]) == ["No title here."]


def test_inside_the_protected_sentence_the_answer_outranks_the_query_words() -> None:
    def capitals_first(lines: list[list[str]]) -> list[list[float]]:
        return [[0.6 if w[:1].isupper() else 0.5 for w in line] for line in lines]

    answer = "the harbour master today is Jonas Berg of the old pier."
    text = _prose(3) + answer + " " + _prose(3)
    policy = Policy(prose=ProsePolicy(keep_rate=0.2, min_tokens=0, query_boost=0.3))
    ctx = CompressContext(store=MemoryStore(), query="who is the harbour master today")
    keep = KompressCompressor(scorer=capitals_first).decide(text, policy, ctx)
    kept = {w for w, k in zip(text.split(), keep, strict=True) if k}
    assert {"Jonas", "Berg"} <= kept


def test_a_sentence_opening_with_a_pronoun_is_protected_with_the_sentence_naming_its_referent() -> None:
    antecedent = "Mara Voss sailed a borrowed dinghy in the spring race."
    anaphor = "It was her third harbour regatta title and a harbour club record."
    text = _prose(4) + antecedent + " " + anaphor + " " + _prose(4)
    words = layout(text)
    flat = words.flat
    ranked = ranked_sentences(words.raw, words.lines, "who won the harbour regatta title", None)
    assert " ".join(flat[slice(*ranked[0])]) == f"{antecedent} {anaphor}"


def test_a_title_is_no_antecedent() -> None:
    text = "Harbour regatta\nIt was won by a borrowed dinghy for the harbour club.\n" + _prose(4)
    words = layout(text)
    ranked = ranked_sentences(words.raw, words.lines, "harbour regatta winner", None)
    assert " ".join(words.flat[slice(*ranked[0])]) == "It was won by a borrowed dinghy for the harbour club."


def test_overlapping_protected_ranges_pay_for_their_words_once() -> None:
    # (2, 6) shares two words with (0, 4): 4 + 2 = 6 tokens used, so (6, 8) still fits under 6.5
    boost = sentence_boost([(0, 4), (2, 6), (6, 8)], 10, [1] * 10, 6.5)
    assert boost == [PROTECTED] * 8 + [0.0, 0.0]
