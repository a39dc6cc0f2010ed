"""A per-block time budget: compressors check it cooperatively, the pipeline after each stage.

No threads and no signals: a stage that never checks still runs to its end, and the pipeline
then forwards the block unchanged because the deadline has passed (fail open, never stall on
a result that came too late). The clock is injected so tests drive time by hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from headroom.errors import TimeBudgetExceeded

Clock = Callable[[], float]
"""Seconds from an arbitrary origin (``time.perf_counter`` unless a test injects one)."""

REASON_PREFIX = "time budget exceeded"


class Deadline:
    """When the current block must be done by; shared by reference with its nested sections.

    Time spent inside :meth:`untimed` (one-time set-up: loading grammars or a model) is added
    back, so it is never billed to the block that happened to trigger it.
    """

    def __init__(self, started: float, budget_seconds: float, clock: Clock = time.perf_counter) -> None:
        self.expires_at = started + budget_seconds
        self.budget_seconds = budget_seconds
        self.clock = clock
        self._paused_at: float | None = None

    def expired(self) -> bool:
        """Whether the budget is spent (never while paused)."""
        return self._paused_at is None and self.clock() > self.expires_at

    def reason(self, stage: str) -> str:
        """The pass-through reason for a block stopped at ``stage``."""
        return f"{REASON_PREFIX}: {stage} ran past the block's {self.budget_seconds * 1000:.0f} ms"

    def check(self, stage: str) -> None:
        """Raise :class:`TimeBudgetExceeded` once the budget is spent."""
        if self.expired():
            raise TimeBudgetExceeded(self.reason(stage))

    @contextlib.contextmanager
    def untimed(self) -> Iterator[None]:
        """Run the body off the clock (nested uses count once)."""
        if self._paused_at is not None:
            yield
            return
        self._paused_at = self.clock()
        try:
            yield
        finally:
            self.expires_at += self.clock() - self._paused_at
            self._paused_at = None


def block_budget_seconds(base_ms: float, per_10k_tokens_ms: float, tokens: int) -> float | None:
    """The budget of a block of ``tokens`` input tokens; ``None`` when both parts are 0 (no budget)."""
    if base_ms <= 0 and per_10k_tokens_ms <= 0:
        return None
    return (base_ms + per_10k_tokens_ms * tokens / 10_000) / 1000
