"""A fake provider and the proxy in front of it, both on loopback ephemeral ports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the proxy needs the [proxy] extra")

from headroom import compress
from headroom.ccr import MemoryStore
from headroom.policy import load_policy
from headroom.proxy import ProxySettings, build_app
from headroom.proxy._serve import proxy_policy
from headroom.testing.upstream import BackgroundServer, FakeUpstream, Scripted, sse
from tests.conftest import make_log

LOG = make_log()
# No per-block time budget: on a loaded machine a block could pass through and a test expecting
# its marker would fail for a reason that is not the proxy's.
# The activity rules off: each fixture's tool result is the session's newest file read or test run,
# which the default policy forwards verbatim (tests/test_activity_rules.py covers that); these tests
# are about what the proxy does with a block that is compressed.
POLICY = proxy_policy(ProxySettings()).model_copy(
    update={
        "live_zone": load_policy().live_zone.model_copy(
            update={"block_budget_ms": 0, "block_budget_ms_per_10k_tokens": 0}
        ),
        "activity": load_policy().activity.model_copy(update={"enabled": False}),
    }
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream()
    with BackgroundServer(upstream.app()) as server:
        upstream.url = server.url  # type: ignore[attr-defined]
        yield upstream


@pytest.fixture(scope="module")
def proxy_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="module")
def proxy(fake: FakeUpstream, proxy_store: MemoryStore) -> Iterator[BackgroundServer]:
    settings = ProxySettings(
        anthropic_upstream=fake.url,  # type: ignore[attr-defined]
        openai_upstream=fake.url,  # type: ignore[attr-defined]
        trust_env=False,
        compress_deadline_ms=30_000,  # the first compression in a process warms parsers up
    )
    with BackgroundServer(build_app(settings, store=proxy_store, policy=POLICY)) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    if "fake" in request.fixturenames:
        upstream: FakeUpstream = request.getfixturevalue("fake")
        upstream.requests.clear()
        upstream.scripts.clear()


def json_reply(
    body: dict[str, Any], status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> Scripted:
    return Scripted(
        status, json.dumps(body).encode(), headers=(("content-type", "application/json"), *headers)
    )


def events(*pairs: tuple[str | None, dict[str, Any] | str], delay_s: float = 0.0) -> Scripted:
    # Compact JSON, as the providers send it (the proxy's fast paths look for their spelling).
    frames = tuple(
        sse(event, data if isinstance(data, str) else json.dumps(data, separators=(",", ":")))
        for event, data in pairs
    )
    return Scripted(frames=frames, delay_s=delay_s)


def marker_key(request: dict[str, Any], store: MemoryStore, fmt: str) -> str:
    """The key the proxy's compression of ``request`` puts in its marker (compression is deterministic)."""
    result = compress(request, POLICY, store=store, format=fmt)
    keys = [key for block in result.blocks for key in block.keys]
    assert keys, "the fixture request must compress with a marker"
    return keys[0]


Sent = Callable[[], dict[str, Any]]
