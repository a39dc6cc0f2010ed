"""Provider prompt-caching rules applied to consecutive calls of one session.

The cached prefix of a call is the longest common prefix, in tokens, of its request and the
previous call's request. Each provider then bills that prefix its own way:

* OpenAI caches automatically: only prompts of at least 1024 tokens, hits counted in
  128-token increments, reads billed at the cached-input price, no write premium.
* Anthropic caches at explicit breakpoints; like Claude Code, the agent is assumed to put
  one at the end of every request. The prefix shared with the previous request is read
  (0.1x input in the price table), the new suffix is written (1.25x input, 5-minute TTL);
  prompts under 1024 tokens are not cached at all.

Both caches expire: when the trace's timestamps show a gap longer than the TTL between two
calls, nothing is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evals.replay._pricing import ProviderName


@dataclass(frozen=True)
class CacheRules:
    """How one provider turns a shared prefix into billed cache tokens."""

    provider: ProviderName
    min_tokens: int
    """Shortest prompt that is cached at all."""
    increment: int
    """Cache hits are a multiple of this many tokens."""
    writes_billed: bool
    """Whether the uncached suffix is billed as a cache write (Anthropic) or plain input."""
    ttl_seconds: float
    """A gap longer than this between calls empties the cache."""


RULES: dict[ProviderName, CacheRules] = {
    "openai": CacheRules("openai", min_tokens=1024, increment=128, writes_billed=False, ttl_seconds=300),
    "anthropic": CacheRules("anthropic", min_tokens=1024, increment=1, writes_billed=True, ttl_seconds=300),
}


@dataclass(frozen=True)
class CallTokens:
    """Billed prompt tokens of one call; ``input_tokens`` counts cached tokens too."""

    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


@dataclass(frozen=True)
class TokenizedRequest:
    """A request as the token ids of its segments (tools, then one segment per message).

    ``keys`` are the segments' serialized texts, so equal segments compare in O(1).
    """

    keys: tuple[str, ...]
    ids: tuple[tuple[int, ...], ...]

    @property
    def tokens(self) -> int:
        """Total prompt tokens."""
        return sum(len(part) for part in self.ids)


def common_prefix(previous: TokenizedRequest | None, current: TokenizedRequest) -> int:
    """Length in tokens of the longest common prefix of two requests."""
    if previous is None:
        return 0
    shared = 0
    for key_a, key_b, ids_a, ids_b in zip(
        previous.keys, current.keys, previous.ids, current.ids, strict=False
    ):
        if key_a == key_b:
            shared += len(ids_a)
            continue
        return shared + _common_ids(ids_a, ids_b)
    return shared


def _common_ids(a: Sequence[int], b: Sequence[int]) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def bill_call(rules: CacheRules, prompt_tokens: int, shared: int, expired: bool = False) -> CallTokens:
    """Cache reads and writes for a prompt of ``prompt_tokens`` sharing ``shared`` with the last one."""
    if prompt_tokens < rules.min_tokens:
        return CallTokens(prompt_tokens, 0, 0)
    read = 0 if expired or shared < rules.min_tokens else shared - shared % rules.increment
    write = prompt_tokens - read if rules.writes_billed else 0
    return CallTokens(prompt_tokens, read, write)
