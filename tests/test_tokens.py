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
