"""What the MCP tools do, as plain functions over a store and a policy (the SDK wiring is elsewhere).

Results are pydantic models of numbers and text; the server module turns them into MCP results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from headroom.ccr import Store, retrieve
from headroom.errors import EntryExpired, EntryNotFound

if TYPE_CHECKING:
    from headroom.policy import Policy

PAGE_CHARS = 32_000
"""One page of ``headroom_retrieve``: about 8,000 tokens, under Claude Code's 10,000-token MCP warning."""


class MarkerOut(BaseModel):
    """One elision in a compressed text."""

    model_config = ConfigDict(frozen=True)

    key: str
    """The key ``headroom_retrieve`` takes."""
    kind: str
    """What was removed (a plural noun: lines, rows, items)."""
    count: int
    """How many of them."""


class CompressOut(BaseModel):
    """What ``headroom_compress`` did (the compressed text itself is the tool's text content)."""

    model_config = ConfigDict(frozen=True)

    tokens_in: int
    """Tokens of the content sent."""
    tokens_out: int
    """Tokens of the compressed text."""
    content_type: str
    """The content type the router detected (json, log, code:python, prose, ...)."""
    markers: list[MarkerOut]
    """Every elision, with the key that brings it back."""
    policy_hash: str
    """The policy the compression used."""
    reason: str | None
    """Why nothing (or less) was elided, when that happened."""


class RetrieveOut(BaseModel):
    """One page of an original, whole or filtered by a query."""

    model_config = ConfigDict(frozen=True)

    key: str
    """The key asked for."""
    unit: str
    """``whole`` (the exact original), or ``lines`` / ``items`` a query matched."""
    matched: int
    """Lines or items the query matched (0 for a whole original)."""
    total: int
    """Lines or items of the original the query was matched against (0 for a whole original)."""
    offset: int
    """The first line of this page."""
    lines: int
    """Lines on this page."""
    total_lines: int
    """Lines of the whole answer (every page)."""
    truncated: bool
    """More lines follow: ask again with ``offset = next_offset``."""
    next_offset: int | None
    """Where the next page starts, when there is one."""


class StatsOut(BaseModel):
    """The shared store and this server's work since it started."""

    model_config = ConfigDict(frozen=True)

    store: str
    """Where the store is (a file, or a Redis URL without its password)."""
    scope: str
    """The scope this server reads and writes."""
    store_entries: int
    """Entries in the store (every scope)."""
    store_bytes: int
    """Bytes the store holds (every scope; originals over 1 KB are kept compressed)."""
    compressions: int
    """``headroom_compress`` calls served."""
    tokens_in: int
    """Tokens those calls were sent."""
    tokens_out: int
    """Tokens they returned."""
    retrievals: int
    """``headroom_retrieve`` calls that found their original."""
    misses: int
    """``headroom_retrieve`` calls whose key was not (or no longer) stored."""
    policy_hash: str
    """The policy ``headroom_compress`` uses."""


class RetrievalMiss(Exception):
    """A key that is not stored here; the message says what the model can do instead."""


@dataclass
class _Counters:
    compressions: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    retrievals: int = 0
    misses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class HeadroomTools:
    """The three tools over one store and policy; safe to call from several threads.

    ``policy`` may be a function that loads it: loading a policy imports every compressor, so
    a server that starts for an agent defers that to the first call that needs it.
    """

    def __init__(self, store: Store, policy: Policy | Callable[[], Policy], location: str) -> None:
        self._store = store
        self._policy_or_loader = policy
        self._location = location
        self._counts = _Counters()
        self._policy_lock = threading.Lock()

    @property
    def _policy(self) -> Policy:
        with self._policy_lock:
            if callable(self._policy_or_loader):
                self._policy_or_loader = self._policy_or_loader()
            return self._policy_or_loader

    def compress(self, content: str, query: str | None = None) -> tuple[str, CompressOut]:
        """Compressed text (with markers) and what was done."""
        from headroom import compress_text  # the compressors load on first use, not at startup

        out = compress_text(content, self._policy, query, store=self._store)
        with self._counts.lock:
            self._counts.compressions += 1
            self._counts.tokens_in += out.tokens_in
            self._counts.tokens_out += out.tokens_out
        markers = [MarkerOut(key=e.key, kind=e.kind, count=e.count) for e in out.elisions]
        report = CompressOut(
            tokens_in=out.tokens_in,
            tokens_out=out.tokens_out,
            content_type=out.content_type,
            markers=markers,
            policy_hash=self._policy.policy_hash,
            reason=out.reason,
        )
        return out.text, report

    def retrieve(
        self, key: str, query: str | None = None, offset: int = 0, limit: int = 0
    ) -> tuple[str, RetrieveOut]:
        """A page of the original behind ``key`` (``limit`` lines, 0: as many as fit a page)."""
        try:
            found = retrieve(self._store, key, query)
        except (EntryNotFound, EntryExpired) as exc:
            with self._counts.lock:
                self._counts.misses += 1
            raise RetrievalMiss(
                f"{exc}. The original is gone (expired, purged, or stored in another scope): "
                "re-run the command or re-read the file to see it again."
            ) from exc
        with self._counts.lock:
            self._counts.retrievals += 1
        lines = found.text.splitlines(keepends=True)
        page = _page(lines, offset, limit)
        end = offset + len(page)
        report = RetrieveOut(
            key=key,
            unit=found.unit,
            matched=found.matched,
            total=found.total,
            offset=offset,
            lines=len(page),
            total_lines=len(lines),
            truncated=end < len(lines),
            next_offset=end if end < len(lines) else None,
        )
        text = "".join(page)
        if report.truncated:
            text += f"\n[lines {offset}-{end - 1} of {len(lines)}; for more call headroom_retrieve with offset={end}]"
        return text, report

    def stats(self) -> StatsOut:
        """The store's counts and this server's."""
        held = self._store.stats()
        with self._counts.lock:
            counts = self._counts
            return StatsOut(
                store=self._location,
                scope=self._store.scope,
                store_entries=held.entries,
                store_bytes=held.total_bytes,
                compressions=counts.compressions,
                tokens_in=counts.tokens_in,
                tokens_out=counts.tokens_out,
                retrievals=counts.retrievals,
                misses=counts.misses,
                policy_hash=self._policy.policy_hash,
            )


def _page(lines: list[str], offset: int, limit: int) -> list[str]:
    """``limit`` lines from ``offset``, or (``limit`` 0) as many as fit :data:`PAGE_CHARS`, at least one."""
    if limit:
        return lines[offset : offset + limit]
    page: list[str] = []
    size = 0
    for line in lines[offset:]:
        if page and size + len(line) > PAGE_CHARS:
            break
        page.append(line)
        size += len(line)
    return page
