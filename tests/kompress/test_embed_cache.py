"""The sentence encoder's cache: texts are encoded once, and a call larger than the cache still answers."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="the sentence encoder works on numpy arrays")

from headroom.kompress._embed import SentenceEncoder  # noqa: E402


class _Tokenizer:
    """One id per text: its length (enough for a fake encoder to tell texts apart)."""

    def __call__(self, texts: list[str], **_: Any) -> dict[str, Any]:
        ids = np.array([[len(t)] for t in texts], dtype="int64")
        return {"input_ids": ids, "attention_mask": np.ones_like(ids)}


class _Encoder:
    def __init__(self) -> None:
        self.seen = 0

    def __call__(self, ids: Any, mask: Any) -> Any:
        self.seen += len(ids)
        return np.hstack([ids.astype("float64"), np.ones_like(ids, dtype="float64")])


def test_each_text_is_encoded_once_while_it_stays_cached() -> None:
    encoder = _Encoder()
    embed = SentenceEncoder(_Tokenizer(), encoder, cache_size=8)
    first = embed(["a", "bb", "a"])
    assert first[0] == first[2] == [1.0, 1.0] and first[1] == [2.0, 1.0]
    assert encoder.seen == 2
    embed(["bb", "ccc"])
    assert encoder.seen == 3


def test_a_call_with_more_texts_than_the_cache_holds_gets_every_vector() -> None:
    encoder = _Encoder()
    embed = SentenceEncoder(_Tokenizer(), encoder, cache_size=2)
    texts = ["x" * n for n in range(1, 7)]
    assert [v[0] for v in embed(texts)] == [float(n) for n in range(1, 7)]
    assert [v[0] for v in embed(texts[-2:])] == [5.0, 6.0]
    assert encoder.seen == 6  # the last two stayed cached
