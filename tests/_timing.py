"""Timing in tests: the fastest of a few runs, so a load spike on a shared machine fails nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def fastest(run: Callable[[], T], repeats: int = 3) -> tuple[float, T]:
    """The shortest wall time of ``repeats`` calls of ``run`` (seconds), and the last call's result."""
    best = float("inf")
    result: T
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result
