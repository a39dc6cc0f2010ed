"""The compression stage remembers clean outcomes by body, and forgets one whose originals are gone."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from headroom import compress
from headroom.ccr import MemoryStore
from headroom.messages import MessageFormat
from headroom.proxy import CompressionStage
from tests.proxy.conftest import POLICY
from tests.proxy.test_fail_open import BODY


def counting_stage(store: MemoryStore) -> tuple[CompressionStage, list[int]]:
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return compress(*args, **kwargs)

    return CompressionStage(POLICY, store, lambda _: 30.0, 1, counted), calls


def test_a_resent_body_is_not_compressed_again() -> None:
    store = MemoryStore()
    stage, calls = counting_stage(store)
    first = asyncio.run(stage.prepare(BODY, MessageFormat.ANTHROPIC))
    again = asyncio.run(stage.prepare(BODY, MessageFormat.ANTHROPIC))
    assert first.keys and again.body == first.body and len(calls) == 1
    other = asyncio.run(stage.prepare(BODY, MessageFormat.OPENAI_CHAT))  # another format is another request
    assert len(calls) == 2 and other.keys == ()


def test_an_outcome_whose_original_is_gone_is_compressed_again() -> None:
    store = MemoryStore()
    stage, calls = counting_stage(store)
    first = asyncio.run(stage.prepare(BODY, MessageFormat.ANTHROPIC))
    for key in first.keys:
        store.delete(key)
    again = asyncio.run(stage.prepare(BODY, MessageFormat.ANTHROPIC))
    assert len(calls) == 2 and again.keys and all(store.contains(k) for k in again.keys)


class _SlowStore(MemoryStore):
    """A store whose lookups hang (a Redis that stopped answering), once told to."""

    hang = False

    def contains(self, key: str) -> bool:
        if self.hang:
            time.sleep(0.5)
        return super().contains(key)


def test_a_remembered_outcome_is_checked_off_the_event_loop_and_within_the_deadline() -> None:
    store = _SlowStore()
    stage = CompressionStage(POLICY, store, lambda _: 0.1, 1)

    async def run() -> tuple[Any, float, float]:
        await stage.prepare(BODY, MessageFormat.ANTHROPIC)
        store.hang = True
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        began = time.perf_counter()
        out = await stage.prepare(BODY, MessageFormat.ANTHROPIC)
        took = time.perf_counter() - began
        beat.cancel()
        return out, took, ticks

    out, took, ticks = asyncio.run(run())
    assert out.reason == "store" and out.body == BODY, "unverifiable markers: the original goes"
    assert took < 0.4 and ticks >= 3, "the loop kept running while the store was asked"
