"""The prose path's time budget: the model takes a block only when this machine can score it in time.

The cost of scoring is measured, not assumed: every pass of the classifier and of the sentence
encoder records seconds per word on this machine (a moving average), and a short probe measures
it when nothing recent is known. A block whose words are not cached yet is estimated at that
rate; when the estimate exceeds the budget (default 300 ms per 10K tokens), the extractive
engine takes the block, with the reason in its stats. A block's engine is decided once:
sent to the extractive engine, it stays there on later turns (its compressed form does not
change from turn to turn); taken by the model, its scores are cached and later turns reuse them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

SMOOTHING = 0.3
"""Weight of the newest measurement in the moving average."""
STALE_SECONDS = 120.0
"""A rate older than this is measured again before it decides (the machine's load changes)."""
RECENT_KEYS = 4096


@dataclass(frozen=True)
class CostBudget:
    """How much model time a prose block may cost, per 10K tokens of the block."""

    first_seen_ms_per_10k: float = 300.0
    """Scoring a text the caches have not seen (classifier, plus the sentence encoder with a query)."""


DEFAULT_BUDGET = CostBudget()


class OverBudget(Exception):
    """Raised inside the compressor when the model would take longer than the budget allows."""


class Throughput:
    """Seconds per word of each model stage on this machine, as a moving average of real passes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rates: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def record(self, stage: str, words: int, seconds: float) -> None:
        """Add one measured pass of ``stage`` over ``words`` words."""
        if words <= 0:
            return
        rate = seconds / words
        with self._lock:
            old = self._rates.get(stage)
            blended = rate if old is None else SMOOTHING * rate + (1 - SMOOTHING) * old[0]
            self._rates[stage] = (blended, self._clock())

    def rate(self, stage: str) -> float | None:
        """Seconds per word of ``stage``, or ``None`` when unmeasured or stale."""
        with self._lock:
            found = self._rates.get(stage)
        if found is None or self._clock() - found[1] > STALE_SECONDS:
            return None
        return found[0]


class CostEstimator(Protocol):
    """What the budget asks the model: seconds to score these lines that the caches do not already hold."""

    def first_seen_seconds(self, lines: list[list[str]], with_encoder: bool) -> float:
        """0 when the lines' scores are cached; else the measured rate times their words."""
        ...


class RecentKeys:
    """A bounded set of text keys, least recently added forgotten first."""

    def __init__(self, size: int = RECENT_KEYS) -> None:
        self._size = size
        self._keys: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys

    def add(self, key: bytes) -> None:
        """Remember ``key`` (least recently added forgotten first)."""
        with self._lock:
            self._keys[key] = None
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)


def over_budget_reason(seconds: float, tokens: int, budget: CostBudget) -> str | None:
    """Why the estimate breaks the budget (``None`` when it fits)."""
    allowed = budget.first_seen_ms_per_10k * max(tokens, 1) / 10_000
    if seconds * 1000 <= allowed:
        return None
    per_10k = seconds * 1000 * 10_000 / max(tokens, 1)
    return (
        f"over the time budget: the model would take about {seconds * 1000:.0f} ms for {tokens} tokens "
        f"({per_10k:.0f} ms per 10K tokens on this machine; budget {budget.first_seen_ms_per_10k:.0f})"
    )
