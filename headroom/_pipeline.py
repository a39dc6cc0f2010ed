"""Compress one text block: guards, routing, mixed sections, fallbacks and the token gate."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import replace

from headroom import router
from headroom._deadline import Deadline, block_budget_seconds
from headroom._provenance import already_compressed
from headroom.compressors import CompressContext, Compressed, Elision, get_compressor, passthrough
from headroom.compressors._json.text import sendable
from headroom.errors import HeadroomError, StoreError, TimeBudgetExceeded
from headroom.policy import Policy

logger = logging.getLogger("headroom")

MAX_NESTING = 3
_CONFIDENT = 0.8
_PROSE_TYPES = frozenset({"prose", "markdown"})
# Compressors that have run once in this process. The first run pays one-time set-up (parsers,
# grammars, the Kompress model) and is not timed: billing it to one block would fail that block.
_WARM: set[str] = set()


def compress_block(text: str, policy: Policy, ctx: CompressContext) -> Compressed:
    """Compress ``text`` with whatever compressor claims it; never raises for odd content.

    The block is forwarded unchanged, with the reason, once it runs past its time budget
    (``live_zone.block_budget_ms`` plus ``block_budget_ms_per_10k_tokens``): compressors stop
    at their next check, and a stage that never checks is discarded when it returns late.
    Its originals are committed to the store before its output is returned, so a marker never
    reaches the caller before its original is stored; when the store refuses them the block
    passes through whole.
    """
    deadline = _deadline(text, policy, ctx)
    ctx.deadline = deadline
    ctx._nested_results.clear()  # another block: another query and other recent turns
    try:
        out = _compress(text, policy, ctx, 0)
    except TimeBudgetExceeded as exc:  # raised by the router's own loops (splitting sections)
        ctx.discard()
        return passthrough(text, ctx, "none", "unknown", str(exc))
    finally:
        ctx.deadline = None
    if deadline is not None and deadline.expired():
        ctx.discard()
        return passthrough(text, ctx, out.compressor, out.content_type, deadline.reason(out.compressor))
    try:
        ctx.commit()
    except StoreError as exc:
        return passthrough(text, ctx, out.compressor, out.content_type, f"not elided: {exc}")
    return out


def _deadline(text: str, policy: Policy, ctx: CompressContext) -> Deadline | None:
    """The block's deadline, started once its tokens are counted (the count sizes the budget)."""
    zone = policy.live_zone
    if len(text) > zone.max_block_chars or not text.strip():
        return None  # passed through before any compressor runs
    seconds = block_budget_seconds(
        zone.block_budget_ms, zone.block_budget_ms_per_10k_tokens, ctx.tokens(text)
    )
    return None if seconds is None else Deadline(ctx.clock(), seconds, ctx.clock)


def _compress(text: str, policy: Policy, ctx: CompressContext, depth: int) -> Compressed:
    if already_compressed(text, ctx.store):  # ours: compressing it again would change it
        return passthrough(text, ctx, "none", "unknown", "already compressed")
    reason = _skip_reason(text, policy, ctx)
    if reason is not None:
        return passthrough(text, ctx, "none", "unknown", reason)
    ctx.nested = _nested_hook(policy, depth)
    detection = router.detect(text)
    if detection.confidence < _CONFIDENT or detection.content_type in _PROSE_TYPES:
        sections = router.split_mixed(text, lambda: ctx.check_time("splitting mixed content"))
        if sections is not None:
            return _token_gate(text, _compress_sections(text, sections, policy, ctx, depth), ctx)
    return _token_gate(text, _run(detection, text, policy, ctx), ctx)


def _skip_reason(text: str, policy: Policy, ctx: CompressContext) -> str | None:
    if not text.strip():
        return "empty"
    if len(text) > policy.live_zone.max_block_chars:
        return f"longer than live_zone.max_block_chars ({policy.live_zone.max_block_chars})"
    if _looks_binary(text):
        return "binary content"
    if ctx.tokens(text) < policy.live_zone.min_block_tokens:
        return f"shorter than live_zone.min_block_tokens ({policy.live_zone.min_block_tokens})"
    return None


def _looks_binary(text: str) -> bool:
    """Mostly control characters or undecodable bytes; a few NULs or U+FFFDs in a log are still text."""
    sample = text[:4096]
    return len(_ODD.findall(sample)) > len(sample) * 0.1


# Control characters other than tab, newline, CR, form feed and escape; U+FFFD; lone surrogates
# from undecodable bytes (surrogateescape).
_ODD = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\ufffd\udc80-\udcff]")


def _nested_hook(policy: Policy, depth: int) -> Callable[[str, CompressContext], Compressed]:
    def nested(inner: str, parent: CompressContext) -> Compressed:
        if depth + 1 >= MAX_NESTING:
            return passthrough(inner, parent, "none", "unknown", "nesting too deep")
        # The same text at the same depth of one block compresses the same (its originals are
        # remembered once per block), so a repeated tool output is routed once.
        key = (depth + 1, inner)
        known = parent._nested_results.get(key)
        if known is not None:
            return known
        child = replace(parent, nested=None)
        child._stored = parent._stored
        out = _compress(inner, policy, child, depth + 1)
        parent._nested_results[key] = out
        return out

    return nested


def _run(detection: router.Detection, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
    """One compressor, guarded. Code that does not parse passes through with the reason: word-level
    prose deletion would drop ``#include``, ``return`` and ``def`` and leave code that reads as code
    but is not the original."""
    compressor = get_compressor(detection.compressor)
    section = policy.section(compressor.name)
    if not getattr(section, "enabled", True):
        return passthrough(text, ctx, compressor.name, detection.content_type, "disabled by policy")
    try:
        with ctx.untimed() if compressor.name not in _WARM else contextlib.nullcontext():
            return compressor.compress(text, policy, ctx)
    except TimeBudgetExceeded as exc:
        return passthrough(text, ctx, compressor.name, detection.content_type, str(exc))
    except HeadroomError as exc:
        return passthrough(text, ctx, compressor.name, detection.content_type, f"{compressor.name}: {exc}")
    except Exception as exc:  # a compressor bug must never lose the user's data
        logger.exception("compressor %s failed; passing the block through", compressor.name)
        reason = f"{compressor.name} failed: {type(exc).__name__}: {exc}"
        return passthrough(text, ctx, compressor.name, detection.content_type, reason)
    finally:
        _WARM.add(compressor.name)


def _compress_sections(
    text: str, sections: list[router.Section], policy: Policy, ctx: CompressContext, depth: int
) -> Compressed:
    parts: list[str] = []
    elisions: list[Elision] = []
    lossless: dict[str, None] = {}
    for section in sections:
        ctx.check_time("compressing mixed sections")
        if not section.routable:
            parts.append(section.text)
            continue
        out = _compress(section.text, policy, ctx, depth)
        text_out = out.text
        if section.text.endswith("\n") and not text_out.endswith("\n"):
            text_out += "\n"
        parts.append(text_out)
        elisions.extend(out.elisions)
        if out.lossless:
            lossless[out.lossless] = None
    joined = "".join(parts)
    return Compressed(
        text=joined,
        content_type="mixed",
        compressor="mixed",
        tokens_in=ctx.tokens(text),
        tokens_out=ctx.tokens(joined),
        elisions=tuple(elisions),
        lossless="; ".join(lossless) or None,
    )


def _token_gate(original: str, out: Compressed, ctx: CompressContext) -> Compressed:
    """Revert a stage that does not save tokens, or whose text could no longer be sent."""
    if out.tokens_out < out.tokens_in and (sendable(out.text) or not sendable(original)):
        return out
    reason = out.reason if out.tokens_out >= out.tokens_in else "output holds a lone surrogate: not sendable"
    reason = reason or "token gate: output not smaller than input"
    tokens = ctx.tokens(original)
    return Compressed(
        text=original,
        content_type=out.content_type,
        compressor=out.compressor,
        tokens_in=tokens,
        tokens_out=tokens,
        reason=reason,
    )
