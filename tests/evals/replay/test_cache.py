"""Prompt-cache arithmetic: OpenAI 1024/128 rules, Anthropic reads and writes, common prefixes."""

from __future__ import annotations

import pytest

from evals.replay import RULES, CallTokens, TokenizedRequest, bill_call, common_prefix, cost_usd, load_pricing

OPENAI = RULES["openai"]
ANTHROPIC = RULES["anthropic"]


@pytest.mark.parametrize(
    ("prompt", "shared", "expired", "expected"),
    [
        (1000, 900, False, CallTokens(1000, 0, 0)),  # prompt under 1024: never cached
        (3000, 1000, False, CallTokens(3000, 0, 0)),  # shared prefix under 1024
        (3000, 1024, False, CallTokens(3000, 1024, 0)),
        (3000, 2000, False, CallTokens(3000, 1920, 0)),  # 128-token increments
        (3000, 2047, False, CallTokens(3000, 1920, 0)),
        (3000, 2048, False, CallTokens(3000, 2048, 0)),
        (3000, 2048, True, CallTokens(3000, 0, 0)),  # TTL passed
    ],
)
def test_openai_rules(prompt: int, shared: int, expired: bool, expected: CallTokens) -> None:
    assert bill_call(OPENAI, prompt, shared, expired) == expected


@pytest.mark.parametrize(
    ("prompt", "shared", "expired", "expected"),
    [
        (900, 0, False, CallTokens(900, 0, 0)),  # under the minimum: neither read nor written
        (3000, 0, False, CallTokens(3000, 0, 3000)),  # first call writes the whole prompt
        (3000, 2001, False, CallTokens(3000, 2001, 999)),  # no increments
        (3000, 1000, False, CallTokens(3000, 0, 3000)),
        (3000, 2001, True, CallTokens(3000, 0, 3000)),
    ],
)
def test_anthropic_rules(prompt: int, shared: int, expired: bool, expected: CallTokens) -> None:
    assert bill_call(ANTHROPIC, prompt, shared, expired) == expected


def test_anthropic_prices_read_at_a_tenth_and_write_at_five_quarters() -> None:
    price = load_pricing().models["claude-sonnet-4"]
    million = 1_000_000
    assert cost_usd(price, million, million, 0, 0) == pytest.approx(0.1 * price.input)
    assert cost_usd(price, million, 0, million, 0) == pytest.approx(1.25 * price.input)
    assert cost_usd(price, million, 0, 0, million) == pytest.approx(price.input + price.output)


def test_openai_cached_input_price_and_no_write_premium() -> None:
    price = load_pricing().models["gpt-4o"]
    assert price.cache_write == price.input
    assert cost_usd(price, 2_000_000, 1_000_000, 0, 0) == pytest.approx(price.input + price.cached_input)


def _request(*segments: tuple[str, tuple[int, ...]]) -> TokenizedRequest:
    return TokenizedRequest(tuple(k for k, _ in segments), tuple(ids for _, ids in segments))


def test_common_prefix_counts_equal_segments_then_equal_leading_ids() -> None:
    previous = _request(("a", (1, 2, 3)), ("b", (4, 5, 6, 7)))
    grown = _request(("a", (1, 2, 3)), ("b", (4, 5, 6, 7)), ("c", (8,)))
    edited = _request(("a", (1, 2, 3)), ("b2", (4, 5, 9)), ("c", (8,)))
    changed_first = _request(("z", (0, 2, 3)), ("b", (4, 5, 6, 7)))
    assert common_prefix(None, grown) == 0
    assert common_prefix(previous, grown) == 7
    assert common_prefix(previous, edited) == 5
    assert common_prefix(previous, changed_first) == 0
    assert grown.tokens == 8
