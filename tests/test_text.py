"""Shared word tokenizing: any script, accents folded, identifiers split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.text import BM25, fold, query_terms, words


def test_words_fold_accents_so_a_query_typed_without_them_matches() -> None:
    assert words("Sinéad Čilić, José Martí and the naïve café") == [
        "sinead", "cilic", "jose", "marti", "and", "the", "naive", "cafe",
    ]  # fmt: skip
    scores = BM25(["Sinéad is an Irish name.", "Boats filled the harbour."]).scores("sinead")
    assert scores[0] > 0.0 == scores[1]
    assert query_terms("meaning of the name sinéad") == ["meaning", "name", "sinead"]


def test_words_of_other_scripts_are_kept_whole() -> None:
    assert words("Привет мир 東京 한국어") == ["привет", "мир", "東京", "한국어"]
    assert fold("한국어") == "한국어"  # composed scripts come back composed
    assert words("ﬁle Ａbc") == ["file", "abc"]  # compatibility forms read as their letters


def test_ascii_text_tokenizes_as_before() -> None:
    assert words("user_id fooBar x2 3.5 _private") == [
        "user_id", "user", "id", "foobar", "foo", "bar", "x2", "x", "2", "3.5", "3", "5", "_private",
    ]  # fmt: skip
    assert fold("plain ascii") == "plain ascii"


_DOC_WORDS = st.sampled_from(
    ["output", "Output", "outputs", "look", "LOOK", "lookUp", "look_up", "the", "café", "ς", "σ", "42", "x1"]
)
_DOCS = st.lists(st.lists(_DOC_WORDS, max_size=12).map(" ".join), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_DOCS, st.sampled_from(["Look at this output.", "lookup", "café σ", "the", "42 output"]))
def test_bm25_scores_equal_scoring_every_documents_words(docs: list[str], query: str) -> None:
    # Documents holding no query term are only counted, not tokenized into lists: same scores.
    assert BM25(docs).scores(query) == BM25(docs, tokenized=[words(doc) for doc in docs]).scores(query)
