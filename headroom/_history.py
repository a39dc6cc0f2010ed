"""Observation masking: old tool outputs become a one-line stub with a store key."""

from __future__ import annotations

from headroom.cache import LiveBlock
from headroom.compressors import CompressContext, Compressed
from headroom.messages import Block
from headroom.policy import Policy


def observations_after(blocks: list[Block]) -> dict[int, int]:
    """For each block position, how many tool results (agent observations) come after it.

    Agents take many steps per user turn, so masking counts steps, as observation masking does
    in the agent literature, not user messages.
    """
    result: dict[int, int] = {}
    seen = 0
    for position in range(len(blocks) - 1, -1, -1):
        block = blocks[position]
        result[position] = seen
        if block.kind == "tool_result":
            seen += 1
    return result


def mask(live: LiveBlock, observations_later: int, policy: Policy, ctx: CompressContext) -> Compressed | None:
    """The stub for an old tool output, or ``None`` when the policy keeps it."""
    rules = policy.history
    block = live.block
    if not rules.enabled or block.kind != "tool_result" or observations_later < rules.keep_last_observations:
        return None
    tokens = ctx.tokens(block.text)
    if tokens < rules.min_tokens:
        return None
    lines = block.text.count("\n") + (0 if block.text.endswith("\n") else 1)
    what = f"(old {block.tool_name} output)" if block.tool_name else "(old tool output)"
    stub, elision = ctx.marker(block.text, lines, "lines", what)
    return Compressed(
        text=stub,
        content_type="history",
        compressor="history",
        tokens_in=tokens,
        tokens_out=ctx.tokens(stub),
        elisions=(elision,),
    )
