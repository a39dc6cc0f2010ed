"""The compression stage remembers clean outcomes by body, and forgets one whose originals are gone."""

from __future__ import annotations

import asyncio
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
