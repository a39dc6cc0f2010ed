"""Shared word tokenizing: any script, accents folded, identifiers split."""

from __future__ import annotations

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
