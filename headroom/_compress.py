"""``compress()``: provider messages in, compressed messages and typed stats out."""

from __future__ import annotations

import functools
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, cast

from headroom import cache
from headroom._activity_rules import verbatim_reasons
from headroom._history import mask, observations_after
from headroom._memo import PolicyReads, block_digest, memo_for, policy_hash
from headroom._pipeline import compress_block
from headroom._provenance import foreign_keys, remember_output
from headroom._request import retrieval_tools, rewrap, tool_tokens, unwrap
from headroom.ccr import RETRIEVE_TOOL_NAME, Store
from headroom.compressors import CompressContext, Compressed, Elision, passthrough
from headroom.errors import StoreError
from headroom.messages import Block, MessageFormat, Messages, read_blocks, write_blocks
from headroom.policy import Policy, load_policy
from headroom.settings import Settings
from headroom.shaping import shape_request

RETRIEVED = "retrieval tool result: passed through"
NO_RETRIEVAL = "no retrieval path: a marker could not be redeemed"
_UNPAID = "token gate: savings did not pay for the retrieval tool"


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
    lossless: str | None = None
    """The lossless re-encoding applied, if any (a change without a marker is only ever this)."""

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


@dataclass(frozen=True)
class ReadConversation:
    """A message list as the pipeline reads it before any policy applies: validated, in blocks.

    Every reader looks only backwards (a tool result takes its tool's name from an earlier call),
    so reading a conversation's first ``n`` messages gives the first blocks of reading it whole.
    A caller that sends one growing conversation call after call (a session replay, scored under
    many policies) reads it once and passes :meth:`head` to :func:`compress` for each call.
    """

    items: Messages
    format: MessageFormat
    blocks: tuple[Block, ...]
    recent: tuple[str, ...]
    """Per block, the turns before it (:func:`_recent_texts`); prefix-stable like the blocks."""
    ends: tuple[int, ...]
    """``ends[n]``: how many blocks the first ``n`` messages hold."""
    digests: dict[tuple[int, str | None, str], bytes]
    """Block memo digests by (block position, query, encoding), shared by every head."""
    counts: dict[tuple[int, str], int]
    """Token counts of user text blocks by (block position, encoding), shared by every head."""

    def user_tokens(self, ctx: CompressContext) -> dict[int, int]:
        """Position → token count of every user text block (counted once per conversation read)."""
        tokens = {}
        for position, block in enumerate(self.blocks):
            if block.kind == "text" and block.role == "user":
                key = (position, ctx.encoding)
                known = self.counts.get(key)
                if known is None:
                    known = self.counts[key] = ctx.tokens(block.text)
                tokens[position] = known
        return tokens

    def head(self, count: int) -> ReadConversation:
        """The reading of the first ``count`` messages."""
        if count >= len(self.items):
            return self
        end = self.ends[max(count, 0)]
        return ReadConversation(
            self.items[:count],
            self.format,
            self.blocks[:end],
            self.recent[:end],
            self.ends[: count + 1],
            self.digests,
            self.counts,
        )


def read_conversation(messages: Messages, format: MessageFormat | str | None = None) -> ReadConversation:
    """Validate and read a message list once (see :class:`ReadConversation`)."""
    _, items, fmt = unwrap(messages, format)
    blocks = read_blocks(items, fmt)
    ends = [0] * (len(items) + 1)
    for block in blocks:
        ends[block.location.message + 1] += 1
    for index in range(1, len(ends)):
        ends[index] += ends[index - 1]
    return ReadConversation(
        list(items), fmt, tuple(blocks), tuple(_recent_texts(blocks)), tuple(ends), {}, {}
    )


@functools.cache
def default_store() -> Store:
    """The embedded default store, configured from ``HEADROOM_*`` settings."""
    settings = Settings()
    return settings.open_store()


def compress(
    messages: Any,
    policy: Policy | None = None,
    query: str | None = None,
    *,
    store: Store | None = None,
    format: MessageFormat | str | None = None,
    markers: bool = True,
) -> CompressResult:
    """Compress the live zone of a conversation (a message list or a whole request dict).

    ``markers=False`` is for callers that cannot serve the retrieval tool (the model is barred
    from calling it, or nothing would answer): a block that would carry a marker is forwarded
    unchanged, so only lossless re-encodings remain and no original is out of reach.
    """
    active = policy if policy is not None else load_policy()
    read = messages if isinstance(messages, ReadConversation) else None
    if read is not None:
        request, items, fmt = None, read.items, read.format
        blocks = cache.align(list(read.blocks), items, fmt, active)
    else:
        request, items, fmt = unwrap(messages, format)
        blocks = cache.align(read_blocks(items, fmt), items, fmt, active)
    ctx = CompressContext(store=store or default_store(), encoding=active.encoding, batched=True)
    # Only user text needs a count up front (to spot pasted content); the rest is counted once compressed.
    if read is not None:
        tokens = read.user_tokens(ctx)
    else:
        tokens = {
            i: ctx.tokens(b.text) for i, b in enumerate(blocks) if b.kind == "text" and b.role == "user"
        }
    lives = cache.live_blocks(blocks, active, query, tokens)
    warnings = [*_foreign_markers(lives, ctx.store), *cache.volatile_content(blocks)]
    done = _compress_live(blocks, lives, active, ctx, read)
    stats = [stat for _, _, stat in done]
    if markers:
        tools = retrieval_tools(fmt, request) if any(s.elisions for s in stats) else ()
        unpaid = _unpaid(stats, tool_tokens(tools, ctx)) if tools else set()
        stats = [_reverted(s) if i in unpaid else s for i, s in enumerate(stats)]
    else:
        tools, unpaid = (), {i for i, s in enumerate(stats) if s.elisions}
        stats = [_reverted(s, NO_RETRIEVAL) if i in unpaid else s for i, s in enumerate(stats)]
    tools = tools if any(s.elisions for s in stats) else ()
    replacements = {
        live.block.location: out.text
        for i, (live, out, _) in enumerate(done)
        if i not in unpaid and out.text != live.block.text
    }
    new_items = write_blocks(items, replacements)
    out = rewrap(request, new_items, fmt, tools)
    shaped = shape_request(out, fmt, active) if request is not None else None
    return CompressResult(
        messages=shaped.request if shaped else out,
        format=fmt,
        blocks=tuple(stats),
        tools_added=tools,
        policy_hash=policy_hash(active),
        warnings=tuple(warnings),
        shaping=shaped.notes if shaped else (),
    )


def _compress_live(
    blocks: list[Block],
    lives: list[cache.LiveBlock],
    policy: Policy,
    ctx: CompressContext,
    read: ReadConversation | None = None,
) -> list[tuple[cache.LiveBlock, Compressed, BlockStats]]:
    """Each live block compressed with the context of its own turn."""
    recent = read.recent if read is not None else _recent_texts(blocks)
    digests = read.digests if read is not None else None
    later = observations_after(blocks)
    verbatim = verbatim_reasons(blocks, policy.activity)
    position = {id(b): i for i, b in enumerate(blocks)}
    done = []
    for live in lives:
        started = time.perf_counter()
        at = position[id(live.block)]
        ctx.query, ctx.recent_text = live.query, recent[at]
        if at in verbatim:
            out = passthrough(live.block.text, ctx, "activity", "unknown", verbatim[at])
        else:
            out = _compress_one(live, later[at], policy, ctx, _digest(digests, at, live, ctx))
        done.append((live, out, _stats(live, out, time.perf_counter() - started)))
    return done


def _digest(
    digests: dict[tuple[int, str | None, str], bytes] | None,
    at: int,
    live: cache.LiveBlock,
    ctx: CompressContext,
) -> bytes | None:
    """The block's memo digest, worked out once per conversation read when there is one."""
    if digests is None:
        return None
    key = (at, ctx.query, ctx.encoding)
    known = digests.get(key)
    if known is None:
        known = digests[key] = block_digest(live.block.text, ctx)
    return known


def _compress_one(
    live: cache.LiveBlock,
    observations_later: int,
    policy: Policy,
    ctx: CompressContext,
    digest: bytes | None = None,
) -> Compressed:
    if live.block.tool_name == RETRIEVE_TOOL_NAME:  # the model asked for the original: show it whole
        return passthrough(live.block.text, ctx, "none", "unknown", RETRIEVED)
    masked = mask(live, observations_later, policy, ctx)
    if masked is None:
        return _compress_text(live.block.text, policy, ctx, digest)
    try:
        ctx.commit()
    except StoreError as exc:
        return passthrough(live.block.text, ctx, "history", "history", f"not elided: {exc}")
    return masked


def _compress_text(
    text: str, policy: Policy, ctx: CompressContext, digest: bytes | None = None
) -> Compressed:
    memo = memo_for(ctx.store)
    if memo is None:
        return _remembered_output(text, compress_block(text, policy, ctx), ctx)
    digest = digest if digest is not None else block_digest(text, ctx)
    known = memo.get(digest, policy, ctx.store)
    if known is not None:
        ctx.pin(e.key for e in known.elisions)
        return known
    recorder = PolicyReads(policy)
    out = _remembered_output(text, compress_block(text, cast(Policy, recorder), ctx), ctx)
    if not (out.reason or "").startswith("not elided:"):  # a store fault may pass
        memo.put(digest, recorder.reads(), out)
    return out


def _remembered_output(text: str, out: Compressed, ctx: CompressContext) -> Compressed:
    if out.lossless and out.text != text and not out.elisions:
        remember_output(
            out.text, ctx.store, ctx.stored_keys
        )  # no marker to recognise it by when it comes back
    return out


def _foreign_markers(lives: list[cache.LiveBlock], store: Store) -> list[str]:
    """Warnings for marker-like text whose key this store never wrote (forged or pasted)."""
    warnings = []
    for live in lives:
        keys = foreign_keys(live.block.text, store)
        if keys:
            block = live.block
            warnings.append(
                f"message {block.location.message} ({block.role}) holds marker-like text whose key "
                f"{', '.join(keys)} this store does not hold: not written by Headroom for this caller"
            )
    return warnings


def _recent_texts(blocks: list[Block]) -> list[str]:
    """For each block, the latest turns before it (never after: its bytes must not change later)."""
    texts: list[str] = []
    window: deque[str] = deque(maxlen=6)
    for block in blocks:
        texts.append("\n".join(window)[-8000:])
        if block.kind != "tool_result":
            window.append(block.text)
    return texts


def _unpaid(stats: list[BlockStats], cost: int) -> set[int]:
    """Elided blocks to revert: those before the running savings pay for the retrieval tool.

    Running, in conversation order, so whether a block is reverted depends only on the blocks
    before it: a later turn never changes an earlier block's bytes.
    """
    saved = 0
    unpaid: set[int] = set()
    for index, block in enumerate(stats):
        if block.elisions:
            saved += block.tokens_in - block.tokens_out
            if saved <= cost:
                unpaid.add(index)
    return unpaid


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
        lossless=out.lossless,
    )


def _reverted(stats: BlockStats, reason: str = _UNPAID) -> BlockStats:
    return replace(stats, tokens_out=stats.tokens_in, elisions=(), lossless=None, reason=reason)


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
        store=store or default_store(), query=query, encoding=active.encoding, filename=filename, batched=True
    )
    return _compress_text(text, active, ctx)
