"""The compressor protocol and the typed results every compressor returns."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from headroom._deadline import Clock, Deadline
from headroom.ccr import Store, format_marker
from headroom.tokens import DEFAULT_ENCODING, count_tokens

if TYPE_CHECKING:
    from headroom.policy import Policy


@dataclass(frozen=True)
class Elision:
    """One run of removed content: ``count`` units of ``kind`` (a plural noun), restorable by ``key``."""

    kind: str
    count: int
    key: str


@dataclass(frozen=True)
class Compressed:
    """What a compressor produced: numbers and text, never formatted summaries."""

    text: str
    content_type: str
    compressor: str
    tokens_in: int
    tokens_out: int
    elisions: tuple[Elision, ...] = ()
    reason: str | None = None
    lossless: str | None = None
    """The lossless re-encoding applied besides any elisions (e.g. "json rows as a table"); None if none.

    A text may change only by markers or by a re-encoding named here (decoding gives the input back).
    """

    @property
    def keys(self) -> tuple[str, ...]:
        """Distinct store keys referenced by markers, in first-seen order."""
        return tuple(dict.fromkeys(e.key for e in self.elisions))

    @property
    def tokens_saved(self) -> int:
        """Tokens removed (never negative after the token gate)."""
        return self.tokens_in - self.tokens_out


@dataclass
class CompressContext:
    """Per-call inputs beside the text: the store, the query and hints.

    ``recent_text`` is the latest conversation turns before the block (for protecting content
    being edited; never later ones, so a block's bytes do not change as the conversation grows);
    ``nested`` is set by the pipeline so a compressor can route embedded content; so is
    ``deadline``, the current block's time budget, which long loops check with :meth:`check_time`
    (``clock`` reads the time; tests inject their own).
    ``batched`` defers stores to :meth:`commit` (the pipeline commits each block in one
    transaction); unbatched, as a compressor used on its own gets it, every original is stored
    as it is remembered. Mutable only in its memo of stored originals, so one original is stored
    once per call.
    """

    store: Store
    query: str | None = None
    encoding: str = DEFAULT_ENCODING
    filename: str | None = None
    recent_text: str = ""
    nested: Callable[[str, CompressContext], Compressed] | None = None
    batched: bool = False
    clock: Clock = time.perf_counter
    deadline: Deadline | None = None
    _stored: dict[str, str] = field(default_factory=dict, repr=False)
    _pending: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _pinned: dict[str, None] = field(default_factory=dict, repr=False)
    _nested_results: dict[tuple[int, str], Compressed] = field(default_factory=dict, repr=False)
    """Embedded texts already routed in the current block, by nesting depth and text (shared with
    nested contexts; the pipeline empties it per block): a trace repeats its tool outputs."""

    def tokens(self, text: str) -> int:
        """Token count under this context's encoding."""
        return count_tokens(text, self.encoding)

    def check_time(self, stage: str) -> None:
        """Raise :class:`~headroom.errors.TimeBudgetExceeded` once the block's budget is spent."""
        if self.deadline is not None:
            self.deadline.check(stage)

    def untimed(self) -> contextlib.AbstractContextManager[None]:
        """Run one-time set-up (a grammar, a model) off the block's time budget."""
        return contextlib.nullcontext() if self.deadline is None else self.deadline.untimed()

    @property
    def stored_keys(self) -> tuple[str, ...]:
        """Keys of the originals this call has stored or will store (what its markers may point to)."""
        return (*self._stored.values(), *self._pinned)

    def pin(self, keys: Iterable[str]) -> None:
        """Keep ``keys`` (a remembered block's markers) from eviction for the rest of this call."""
        self._pinned.update(dict.fromkeys(keys))

    def remember(self, original: str, kind: str = "text") -> str:
        """Store ``original`` (once) and return its key.

        The keys this call's markers already point to are pinned, so storing one more original
        never evicts them; when it cannot fit beside them the store raises ``StoreFull`` (at once,
        or at :meth:`commit` when batched) and the block is passed through unelided by the pipeline.
        """
        key = self._stored.get(original)
        if key is None:
            if self.batched:
                key = self.store.key_for(original)
                self._pending.append((original, kind))
            else:
                key = self.store.put(original, kind=kind, keep=self.stored_keys)
            self._stored[original] = key
        return key

    def discard(self) -> None:
        """Forget the originals remembered since the last commit (their block passes through)."""
        for original, _ in self._pending:
            self._stored.pop(original, None)
        self._pending.clear()

    def commit(self) -> None:
        """Store the originals remembered since the last commit, all or none.

        On failure (``StoreFull``, ``KeyCollision``, an unusable store) they are forgotten, so
        no later marker points to them, and the error propagates for the caller to pass the
        block through.
        """
        if not self._pending:
            return
        pending = list(self._pending)
        self._pending.clear()
        fresh = {original for original, _ in pending}
        durable = [key for original, key in self._stored.items() if original not in fresh] + [*self._pinned]
        try:
            self.store.put_many(pending, keep=durable)
        except Exception:
            for original in fresh:
                self._stored.pop(original, None)
            raise

    def compress_nested(self, text: str) -> Compressed | None:
        """Route an embedded text (a long JSON string, a fenced block) through the router.

        ``None`` when no router is attached (a compressor used on its own).
        """
        return None if self.nested is None else self.nested(text, self)

    def marker(self, original: str, count: int, kind: str, detail: str = "") -> tuple[str, Elision]:
        """Store ``original`` and return ``(marker text, Elision)`` for ``count`` removed ``kind``."""
        key = self.remember(original)
        return format_marker(count, kind, key, detail), Elision(kind=kind, count=count, key=key)


@runtime_checkable
class Compressor(Protocol):
    """A content-aware compressor. Implementations are stateless and deterministic."""

    name: str
    content_type: str

    def detect(self, sample: str) -> float:
        """Confidence in [0, 1] that ``sample`` is this compressor's content."""
        ...

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Compress ``text``; every elision leaves a marker whose key restores ``text``."""
        ...


def passthrough(
    text: str, ctx: CompressContext, compressor: str, content_type: str, reason: str
) -> Compressed:
    """An unchanged result with the reason it was not compressed."""
    tokens = ctx.tokens(text)
    return Compressed(
        text=text,
        content_type=content_type,
        compressor=compressor,
        tokens_in=tokens,
        tokens_out=tokens,
        reason=reason,
    )


def result(
    original: str,
    text: str,
    ctx: CompressContext,
    compressor: Compressor,
    elisions: list[Elision] | tuple[Elision, ...],
    content_type: str | None = None,
    lossless: str | None = None,
) -> Compressed:
    """Build a :class:`Compressed` for ``compressor`` with token counts filled in."""
    return Compressed(
        text=text,
        content_type=content_type or compressor.content_type,
        compressor=compressor.name,
        tokens_in=ctx.tokens(original),
        tokens_out=ctx.tokens(text),
        elisions=tuple(elisions),
        lossless=lossless,
    )


def smaller_or_passthrough(
    original: str,
    text: str,
    ctx: CompressContext,
    compressor: Compressor,
    elisions: list[Elision] | tuple[Elision, ...],
    lossless: str | None = None,
) -> Compressed:
    """The compressed result when it saves tokens, else the original with reason "not smaller"."""
    out = result(original, text, ctx, compressor, elisions, lossless=lossless)
    if out.tokens_out >= out.tokens_in:
        return passthrough(original, ctx, compressor.name, compressor.content_type, "not smaller")
    return out
