from __future__ import annotations

import pytest

from headroom.errors import ConfigError
from headroom.tokens import SUPPORTED_ENCODINGS, count_tokens, get_encoding


@pytest.mark.parametrize(
    ("encoding", "text", "expected"),
    [
        ("o200k_base", "hello world", 2),
        ("cl100k_base", "hello world", 2),
        ("o200k_base", "", 0),
        ("cl100k_base", "<|endoftext|>", 7),
    ],
)
def test_counts_match_known_values(encoding: str, text: str, expected: int) -> None:
    assert count_tokens(text, encoding) == expected


def test_round_trip_through_encoding() -> None:
    for name in SUPPORTED_ENCODINGS:
        enc = get_encoding(name)
        text = "def f(x):\n    return x ** 2  # ünïcödé 日本"
        assert enc.decode(enc.encode(text)) == text


def test_cached_counts_are_stable() -> None:
    text = "the same block " * 100
    assert count_tokens(text) == count_tokens(text) == len(get_encoding().encode(text))


def test_lone_surrogates_do_not_crash() -> None:
    assert count_tokens("a \ud800 b") > 0


def test_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown encoding"):
        get_encoding("p50k_nope")


def _word(i: int) -> str:
    """A varied eight-letter word, so content-chosen cut points occur."""
    return "".join(chr(97 + (i * 7919 >> k) % 26) for k in range(0, 40, 5))


_PIECE_TEXTS = [
    "".join(f"The {_word(i)} fox jumps over the {_word(i + 1)} dog, again.\n" for i in range(400)),
    "".join(f'{{"role": "assistant", "content": "Reading {_word(i)} files"}}\n' for i in range(400)),
    "".join(f"def {_word(i)}(event):\n    return compute(event)  # {_word(i)} follows\n" for i in range(300)),
    "".join(f"naïve café Übermäßig {_word(i)} — ещё раз 東京 测试 " for i in range(400)),
    "".join(f"  indented\n\n\n   {_word(i)}   before\t{_word(i)}\r\nwindows lines\r\n" for i in range(300)),
    "x" * 5000 + "".join(f" {_word(i)}'s {_word(i)}'ve  {_word(i)}  \n\n {_word(i)}" for i in range(500)),
]


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
@pytest.mark.parametrize("text", _PIECE_TEXTS)
def test_long_texts_count_the_same_in_pieces(text: str, encoding: str) -> None:
    from headroom.tokens import _encoded_length, _pieces

    pieces = _pieces(text)
    assert "".join(pieces) == text
    assert sum(_encoded_length(piece, encoding) for piece in pieces) == _encoded_length(text, encoding)
    assert count_tokens(text, encoding) == _encoded_length(text, encoding)


def test_long_varied_texts_are_cut() -> None:
    from headroom.tokens import _pieces

    assert sum(len(_pieces(text)) > 1 for text in _PIECE_TEXTS) >= 4
