"""The compression step of a request, fail open: off the event loop, under a deadline, bounded.

Whatever goes wrong (the body is not JSON, the shape is foreign, a compressor raises, the
deadline passes, the pool is saturated, signed thinking would change), the client's original
bytes are forwarded and the reason is counted. Python threads cannot be cancelled, so a
compression that misses its deadline runs on and its result is discarded; the bound on queued
work keeps that damage finite.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from headroom import compress
from headroom._compress import CompressResult
from headroom._provenance import holds
from headroom.ccr import MemoryStore, Store
from headroom.errors import MessageFormatError
from headroom.messages import MessageFormat
from headroom.policy import Policy
from headroom.proxy._formats import retrieval_allowed, shape_problem, thinking_blocks
from headroom.proxy._outcomes import Outcomes
from headroom.proxy._outgoing import Outgoing
from headroom.proxy._session import fingerprint

CompressFn = Callable[..., CompressResult]
"""``headroom.compress`` or a stand-in with its signature (tests inject faults through it)."""


class CompressionStage:
    """Runs ``compress`` for requests in a bounded thread pool with a per-request deadline."""

    def __init__(
        self,
        policy: Policy,
        store: Store,
        deadline: Callable[[int], float],
        workers: int = 0,
        compress_fn: CompressFn = compress,
    ) -> None:
        self.policy = policy
        self.store = store
        self._deadline = deadline
        self._compress = compress_fn
        self._workers = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="headroom-compress")
        self._queued = 0
        self._lock = threading.Lock()
        self._outcomes = Outcomes(lambda key: holds(store, key))

    @property
    def alive(self) -> bool:
        return not getattr(self._pool, "_shutdown", False)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def prepare(self, body: bytes, fmt: MessageFormat) -> Outgoing:
        """The bytes to forward for ``body`` (a request of ``fmt``), never raising."""
        started = time.perf_counter()
        digest = Outcomes.digest(body, fmt)
        known = self._outcomes.peek(digest)
        if known is not None:
            still = await self._still_stored(digest, known, len(body))
            if still is None:  # the store did not answer in time: its markers cannot be vouched for
                return Outgoing(body, None, "store", seconds=time.perf_counter() - started)
            if still:
                return replace(known, seconds=time.perf_counter() - started)
        out = await self._compressed(body, fmt, started)
        self._outcomes.put(digest, out)
        return out

    async def _still_stored(self, digest: bytes, known: Outgoing, size: int) -> bool | None:
        """Whether a remembered outcome's originals are all still stored; ``None`` past the deadline.

        Asked in a thread: a store lookup is I/O (SQLite shares a lock with the compression
        threads' writes, Redis is a round trip) and must never hold up the event loop.
        """
        if not known.keys:
            return True
        if (
            type(self.store) is MemoryStore
        ):  # no I/O to wait for: asked in place (not a subclass, which may do I/O)
            return self._outcomes.verify(digest, known)
        check = asyncio.to_thread(self._outcomes.verify, digest, known)
        try:
            return await asyncio.wait_for(check, self._deadline(size))
        except TimeoutError:
            return None

    async def _compressed(self, body: bytes, fmt: MessageFormat, started: float) -> Outgoing:
        with self._lock:
            if self._queued >= 2 * self._workers:
                return Outgoing(body, None, "saturated")
            self._queued += 1
        future = self._pool.submit(self._work, body, fmt)
        future.add_done_callback(self._release)
        try:
            out = await asyncio.wait_for(asyncio.wrap_future(future), self._deadline(len(body)))
        except TimeoutError:
            return Outgoing(body, None, "deadline", seconds=time.perf_counter() - started)
        except Exception:  # a bug in the step itself: still never the client's problem
            return Outgoing(body, None, "error", seconds=time.perf_counter() - started)
        return replace(out, seconds=time.perf_counter() - started)

    def _release(self, _: object) -> None:
        with self._lock:
            self._queued -= 1

    def _work(self, body: bytes, fmt: MessageFormat) -> Outgoing:
        try:
            request = json.loads(body)
        except ValueError:
            return Outgoing(body, None, "parse_error")
        if not isinstance(request, dict) or shape_problem(request, fmt):
            return Outgoing(body, None, "shape")
        seen = fingerprint(request, fmt)
        try:
            result = self._compress(
                request, self.policy, store=self.store, format=fmt, markers=retrieval_allowed(request, fmt)
            )
        except MessageFormatError:
            return Outgoing(body, request, "shape", fingerprint=seen)
        except Exception:
            return Outgoing(body, request, "error", fingerprint=seen)
        return replace(_outgoing(body, request, result, fmt), fingerprint=seen)


def _outgoing(body: bytes, request: dict[str, Any], result: CompressResult, fmt: MessageFormat) -> Outgoing:
    reason = "store" if any((b.reason or "").startswith("not elided:") for b in result.blocks) else None
    unchanged = Outgoing(
        body,
        request,
        reason,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_in,
        policy_hash=result.policy_hash,
    )
    if result.messages == request:
        return unchanged
    if fmt is MessageFormat.ANTHROPIC and thinking_blocks(result.messages) != thinking_blocks(request):
        return replace(unchanged, reason="thinking_guard")
    return replace(
        unchanged,
        body=serialize(result.messages),
        request=result.messages,
        spliced=bool(result.tools_added),
        tokens_out=result.tokens_out,
        keys=tuple(dict.fromkeys(key for block in result.blocks for key in block.keys)),
    )


def serialize(request: Any) -> bytes:
    """Compact JSON; escaped ASCII when the text holds a lone surrogate (UTF-8 cannot carry it)."""
    try:
        return json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(request, separators=(",", ":")).encode("ascii")
