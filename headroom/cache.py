"""Cache aligner: which blocks are frozen (forwarded byte-identical) and which are live.

Provider prompt caches hit when a request starts with exactly the bytes of an earlier one.
Headroom keeps that true in two ways:

* the frozen prefix (system/developer prompts, the first ``live_zone.frozen_messages``
  messages, and optionally everything up to an explicit cache breakpoint) is never touched;
* everything else is compressed deterministically from what precedes it only: a block's
  query is the user text that preceded it, not the latest question, its "recent turns" are
  the turns before it, and whether its savings pay for the retrieval tool is a running sum
  in conversation order, so an old tool result compresses to the same bytes on every later
  turn. (Observation masking, when a policy enables it, rewrites an old output once it leaves
  the window: that trade is the policy's choice.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from headroom.messages import Block, MessageFormat, Messages
from headroom.policy import Policy

_VOLATILE = {
    "timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?"),
    "uuid": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
}
_SYSTEM_ROLES = frozenset({"system", "developer"})


@dataclass(frozen=True)
class LiveBlock:
    """A block the pipeline may compress, with the query in force when it was produced."""

    block: Block
    query: str | None


def align(blocks: list[Block], messages: Messages, fmt: MessageFormat, policy: Policy) -> list[Block]:
    """Mark frozen blocks."""
    boundary = _frozen_boundary(messages, fmt, policy)
    return [_frozen(b, b.location.message < boundary or b.role in _SYSTEM_ROLES) for b in blocks]


def _frozen(block: Block, frozen: bool) -> Block:
    """``block`` marked (a copy only when the mark changes: a whole conversation is read per call)."""
    return block if block.frozen == frozen else replace(block, frozen=frozen)


def _frozen_boundary(messages: Messages, fmt: MessageFormat, policy: Policy) -> int:
    boundary = policy.live_zone.frozen_messages
    if policy.live_zone.freeze_cache_breakpoints:
        last = len(messages) - 1
        for index, message in enumerate(messages[:last]):
            if _has_cache_control(message):
                boundary = max(boundary, index + 1)
    return boundary


def _has_cache_control(message: dict[str, object]) -> bool:
    if "cache_control" in message:
        return True
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(part, dict) and "cache_control" in part for part in content
    )


def live_blocks(
    blocks: list[Block], policy: Policy, query: str | None, tokens: dict[int, int]
) -> list[LiveBlock]:
    """Blocks eligible for compression, each with the query of its turn.

    ``tokens`` maps a block's position in ``blocks`` to its token count.
    """
    last_user = _last_user_position(blocks)
    current_query: str | None = None
    live: list[LiveBlock] = []
    for position, block in enumerate(blocks):
        is_user_text = block.kind == "text" and block.role == "user"
        pasted = is_user_text and tokens[position] >= policy.live_zone.compress_user_text_over
        if is_user_text and not pasted:
            current_query = block.text[-2000:]
        if block.frozen or not (block.kind == "tool_result" or pasted):
            continue
        block_query = query if query is not None and position > last_user else current_query
        live.append(LiveBlock(block, block_query))
    return live


def _last_user_position(blocks: list[Block]) -> int:
    positions = [i for i, b in enumerate(blocks) if b.kind == "text" and b.role == "user"]
    return positions[-1] if positions else -1


def volatile_content(blocks: list[Block]) -> list[str]:
    """Warnings for frozen text that changes between requests and so defeats prefix caching."""
    warnings = []
    for block in blocks:
        if not block.frozen:
            continue
        for name, pattern in _VOLATILE.items():
            match = pattern.search(block.text)
            if match:
                warnings.append(
                    f"message {block.location.message} ({block.role}) holds a {name} "
                    f"{match.group(0)!r}: a value that changes per request defeats prompt caching"
                )
    return warnings
