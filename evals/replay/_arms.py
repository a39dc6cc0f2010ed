"""The three ways a request is sent: raw, through the policy, or with observation masking."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import headroom
from evals.replay._cache_model import TokenizedRequest
from evals.traces import Turn
from headroom import ReadConversation
from headroom.ccr import MemoryStore, Store
from headroom.policy import Policy, policy_from_mapping
from headroom.tokens import get_encoding

Arm = Literal["raw", "policy", "masking"]
ARMS: tuple[Arm, ...] = ("raw", "policy", "masking")
ENCODING = "o200k_base"


def masking_policy(policy: Policy) -> Policy:
    """``policy`` with every compressor off and history masking on (the masking baseline).

    Keeps the policy's ``history.keep_last_observations`` and ``min_tokens`` and its live-zone rules.
    """
    data = policy.model_dump(mode="json", by_alias=True, exclude={"provenance"})
    for section, value in data.items():
        if isinstance(value, dict) and "enabled" in value:
            value["enabled"] = section == "history"
    data["name"] = f"{policy.name}-observation-masking"
    return policy_from_mapping(data, source="masking baseline")


@dataclass(frozen=True)
class Sent:
    """What one arm sends for one call."""

    messages: list[dict[str, Any]]
    tools: tuple[dict[str, Any], ...]
    elided_blocks: int
    changed_by: dict[int, str] = field(default_factory=dict)
    """Message index → ``compressor (content type)`` for every block the arm changed."""


def untimed(policy: Policy) -> Policy:
    """``policy`` without a per-block time budget, so that a replay's figures never depend on timing.

    The runtime forwards a block unchanged once it runs past ``live_zone.block_budget_ms`` (fail
    open): on a loaded machine which blocks do so changes from run to run, and a study's trials
    would then compare the machine's load rather than their policies. A replay measures what the
    policy does to a block when the block is compressed.
    """
    zone = policy.live_zone
    if zone.block_budget_ms == 0 and zone.block_budget_ms_per_10k_tokens == 0:
        return policy
    known = _UNTIMED.get(policy.policy_hash)
    if known is None:
        data = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["live_zone"].update(block_budget_ms=0, block_budget_ms_per_10k_tokens=0)
        if len(_UNTIMED) >= _UNTIMED_MAX:
            _UNTIMED.clear()
        known = _UNTIMED[policy.policy_hash] = policy_from_mapping(data, source="replayed policy")
    return known


_UNTIMED: dict[str, Policy] = {}
_UNTIMED_MAX = 1024


@dataclass
class ArmRunner:
    """Transforms every call's request for one arm; one store per session, as a proxy keeps."""

    arm: Arm
    policy: Policy | None
    store: Store = field(default_factory=MemoryStore)

    def __post_init__(self) -> None:
        self._sent_with = untimed(self.policy) if self.policy is not None else None

    def send(self, messages: list[dict[str, Any]] | ReadConversation) -> Sent:
        """The request this arm sends for ``messages`` (all messages before the call).

        A :class:`ReadConversation` head (what a prepared session passes) is the same request
        already validated and read: the runtime skips reading it again, call after call and trial
        after trial.
        """
        items = messages.items if isinstance(messages, ReadConversation) else messages
        if self._sent_with is None or not items:
            return Sent(items, (), 0)
        result = headroom.compress(messages, self._sent_with, store=self.store, format="openai_chat")
        elided = sum(1 for block in result.blocks if block.elisions)
        changed = {
            block.message_index: f"{block.compressor} ({block.content_type})"
            for block in result.blocks
            if block.elisions or block.tokens_out < block.tokens_in
        }
        return Sent(list(result.messages), result.tools_added, elided, changed)


def runners(policy: Policy) -> dict[Arm, ArmRunner]:
    """Fresh runners (fresh stores) for one session."""
    return {
        "raw": ArmRunner("raw", None),
        "policy": ArmRunner("policy", policy),
        "masking": ArmRunner("masking", masking_policy(policy)),
    }


class Tokenizer:
    """Token ids of serialized request segments, cached by segment text.

    A session's requests share most of their messages, so each distinct message is
    tokenized once per run however many calls repeat it.
    """

    def __init__(self, encoding: str = ENCODING) -> None:
        self._encoding = get_encoding(encoding)
        self._ids: dict[str, tuple[int, ...]] = {}

    def ids(self, text: str) -> tuple[int, ...]:
        """Token ids of ``text``."""
        cached = self._ids.get(text)
        if cached is None:
            cached = tuple(self._encoding.encode(text, disallowed_special=()))
            self._ids[text] = cached
        return cached

    def count(self, text: str) -> int:
        """Number of tokens of ``text``."""
        return len(self.ids(text)) if text else 0

    def request(self, sent: Sent, before: Tokenized | None = None) -> TokenizedRequest:
        """Tools first (as providers render them), then one segment per message.

        ``before`` is the same arm's previous call: an agent re-sends its conversation whole, so
        a message equal to the one at the same index there is not serialized again.
        """
        tools = [self._segment(list(sent.tools))] if sent.tools else []
        reused: list[tuple[str, tuple[int, ...]]] = []
        if before is not None:
            reused = _unchanged(before, sent)
        segments = [*tools, *reused, *(self._segment(m) for m in sent.messages[len(reused) :])]
        return TokenizedRequest(tuple(k for k, _ in segments), tuple(ids for _, ids in segments))

    def _segment(self, value: object) -> tuple[str, tuple[int, ...]]:
        key = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return key, self.ids(key)


@dataclass(frozen=True)
class Tokenized:
    """A call as sent and as tokenized (the next call of the arm starts from it)."""

    sent: Sent
    request: TokenizedRequest


def _unchanged(before: Tokenized, sent: Sent) -> list[tuple[str, tuple[int, ...]]]:
    """The segments of the messages ``sent`` shares, from the start, with the previous call."""
    offset = 1 if before.sent.tools else 0
    old = before.sent.messages
    shared: list[tuple[str, tuple[int, ...]]] = []
    for index, message in enumerate(sent.messages[: len(old)]):
        if message is not old[index] and message != old[index]:
            break
        shared.append((before.request.keys[offset + index], before.request.ids[offset + index]))
    return shared


def message_positions(turns: Sequence[Turn], messages: Sequence[dict[str, Any]]) -> list[int]:
    """Index in ``messages`` (``Trace.to_openai_messages()``) of each turn.

    The conversion may insert messages of its own (a synthetic call before a tool result no
    call announced), so turns and messages are walked together, matching on role.
    """
    positions: list[int] = []
    cursor = 0
    for turn in turns:
        while cursor < len(messages) - 1 and messages[cursor].get("role") != turn.role:
            cursor += 1
        positions.append(cursor)
        cursor += 1
    return positions


def message_text(message: dict[str, Any]) -> str:
    """The text content of a chat message (text parts joined when content is a list)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
