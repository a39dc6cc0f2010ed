"""The three ways a request is sent: raw, through the policy, or with observation masking."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import headroom
from evals.replay._cache_model import TokenizedRequest
from evals.traces import Turn
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


@dataclass
class ArmRunner:
    """Transforms every call's request for one arm; one store per session, as a proxy keeps."""

    arm: Arm
    policy: Policy | None
    store: Store = field(default_factory=MemoryStore)

    def send(self, messages: list[dict[str, Any]]) -> Sent:
        """The request this arm sends for ``messages`` (all messages before the call)."""
        if self.policy is None or not messages:
            return Sent(messages, (), 0)
        result = headroom.compress(messages, self.policy, store=self.store, format="openai_chat")
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

    def request(self, sent: Sent) -> TokenizedRequest:
        """Tools first (as providers render them), then one segment per message."""
        keys = [json.dumps(list(sent.tools), ensure_ascii=False, sort_keys=True)] if sent.tools else []
        keys.extend(json.dumps(m, ensure_ascii=False, sort_keys=True) for m in sent.messages)
        return TokenizedRequest(tuple(keys), tuple(self.ids(k) for k in keys))


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
