"""``compress()``: provider messages in, compressed messages and typed stats out."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from typing import Any

from headroom import cache
from headroom._history import mask, observations_after
from headroom._pipeline import compress_block
from headroom._request import retrieval_tools, rewrap, tool_tokens, unwrap
from headroom.ccr import SqliteStore, Store
from headroom.compressors import CompressContext, Compressed, Elision
from headroom.messages import Location, MessageFormat, read_blocks, write_blocks
from headroom.policy import Policy, load_policy
from headroom.settings import Settings
from headroom.shaping import shape_request


@dataclass(frozen=True)
class BlockStats:
    """What happened to one live block."""

    message_index: int
    part_index: int | None
    role: str
    kind: str
    content_type: str
    compressor: str
    tokens_in: int
    tokens_out: int
    elisions: tuple[Elision, ...]
    reason: str | None
    seconds: float

    @property
    def keys(self) -> tuple[str, ...]:
        """Store keys referenced by this block's markers."""
        return tuple(dict.fromkeys(e.key for e in self.elisions))


@dataclass(frozen=True)
class CompressResult:
    """Compressed messages (same shape as given) with per-block stats."""

    messages: Any
    format: MessageFormat
    blocks: tuple[BlockStats, ...]
    tools_added: tuple[dict[str, Any], ...]
    policy_hash: str
    warnings: tuple[str, ...] = ()
    shaping: tuple[str, ...] = ()
    """What output shaping did to a whole request (verbosity note, lowered effort)."""

    @property
    def tokens_in(self) -> int:
        """Tokens of the live blocks before compression."""
        return sum(b.tokens_in for b in self.blocks)

    @property
    def tokens_out(self) -> int:
        """Tokens of the live blocks after compression."""
        return sum(b.tokens_out for b in self.blocks)

    @property
    def tokens_saved(self) -> int:
        """Tokens removed from the live blocks."""
        return self.tokens_in - self.tokens_out


@functools.cache
def default_store() -> Store:
    """The embedded default store, configured from ``HEADROOM_*`` settings."""
    settings = Settings()
    return SqliteStore(settings.store_path, settings.store_ttl_seconds, settings.store_max_bytes)


def compress(
    messages: Any,
    policy: Policy | None = None,
    query: str | None = None,
    *,
    store: Store | None = None,
    format: MessageFormat | str | None = None,
) -> CompressResult:
    """Compress the live zone of a conversation (a message list or a whole request dict)."""
    active = policy if policy is not None else load_policy()
    request, items, fmt = unwrap(messages, format)
    blocks = cache.align(read_blocks(items, fmt), items, fmt, active)
    ctx = CompressContext(store=store or default_store(), encoding=active.encoding)
    # Only user text needs a count up front (to spot pasted content); the rest is counted once compressed.
    tokens = {i: ctx.tokens(b.text) for i, b in enumerate(blocks) if b.kind == "text" and b.role == "user"}
    ctx.recent_text = _recent_text(blocks)
    later = observations_after(blocks)
    position = {id(b): i for i, b in enumerate(blocks)}
    replacements: dict[Location, str] = {}
    stats: list[BlockStats] = []
    for live in cache.live_blocks(blocks, active, query, tokens):
        started = time.perf_counter()
        ctx.query = live.query
        out = mask(live, later[position[id(live.block)]], active, ctx) or compress_block(
            live.block.text, active, ctx
        )
        stats.append(_stats(live, out, time.perf_counter() - started))
        if out.text != live.block.text:
            replacements[live.block.location] = out.text
    tools = retrieval_tools(fmt, request) if any(s.elisions for s in stats) else ()
    if tools and sum(s.tokens_in - s.tokens_out for s in stats) <= tool_tokens(tools, ctx):
        replacements, tools = {}, ()
        stats = [_reverted(s) for s in stats]
    new_items = write_blocks(items, replacements)
    out = rewrap(request, new_items, fmt, tools)
    shaped = shape_request(out, fmt, active) if request is not None else None
    return CompressResult(
        messages=shaped.request if shaped else out,
        format=fmt,
        blocks=tuple(stats),
        tools_added=tools,
        policy_hash=active.policy_hash,
        warnings=tuple(cache.volatile_content(blocks)),
        shaping=shaped.notes if shaped else (),
    )


def _recent_text(blocks: list[Any]) -> str:
    tail = [b.text for b in blocks[-6:] if b.kind != "tool_result"]
    return "\n".join(tail)[-8000:]


def _stats(live: cache.LiveBlock, out: Compressed, seconds: float) -> BlockStats:
    location = live.block.location
    return BlockStats(
        message_index=location.message,
        part_index=location.part,
        role=live.block.role,
        kind=live.block.kind,
        content_type=out.content_type,
        compressor=out.compressor,
        tokens_in=out.tokens_in,
        tokens_out=out.tokens_out,
        elisions=out.elisions,
        reason=out.reason,
        seconds=seconds,
    )


def _reverted(stats: BlockStats) -> BlockStats:
    return replace(
        stats,
        tokens_out=stats.tokens_in,
        elisions=(),
        reason="token gate: savings did not pay for the retrieval tool",
    )


def compress_text(
    text: str,
    policy: Policy | None = None,
    query: str | None = None,
    *,
    store: Store | None = None,
    filename: str | None = None,
) -> Compressed:
    """Compress one text as a tool result would be (auto-detected content type)."""
    active = policy if policy is not None else load_policy()
    ctx = CompressContext(
        store=store or default_store(), query=query, encoding=active.encoding, filename=filename
    )
    return compress_block(text, active, ctx)
