"""Fail open: every compression problem forwards the client's original bytes, counted by reason."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import httpx
import pytest

from headroom import compress
from headroom.ccr import MemoryStore, StoreStats
from headroom.errors import StoreError
from headroom.proxy import ProxySettings, build_app
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, json_reply

REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "m",
    "content": [],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
BODY = json.dumps(
    {
        "model": "m",
        "max_tokens": 10,
        "messages": [
            {"role": "user", "content": "why?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": LOG}]},
        ],
    }
).encode()


class DownStore(MemoryStore):
    """A store whose backend is unreachable: every read and write fails."""

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Collection[str] = ()) -> list[str]:
        raise StoreError("store unreachable")

    def get(self, key: str) -> bytes:
        raise StoreError("store unreachable")

    def stats(self) -> StoreStats:
        raise StoreError("store unreachable")


def raising(*_: Any, **__: Any) -> Any:
    raise RuntimeError("compressor bug")


def sleeping(*args: Any, **kwargs: Any) -> Any:
    time.sleep(0.6)
    return compress(*args, **kwargs)


def running(
    fake: FakeUpstream, store: MemoryStore | None = None, compress_fn: Any = compress, **settings: Any
) -> BackgroundServer:
    chosen = ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url, trust_env=False, **settings)  # type: ignore[attr-defined]
    return BackgroundServer(build_app(chosen, store=store or MemoryStore(), compress_fn=compress_fn))


def post(server: BackgroundServer, body: bytes = BODY, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/messages",
        content=body,
        headers={"content-type": "application/json", **headers},
        timeout=30,
    )


@pytest.fixture
def replying(fake: FakeUpstream) -> Iterator[FakeUpstream]:
    fake.script("/v1/messages", json_reply(REPLY))
    yield fake


def passthrough_count(server: BackgroundServer, reason: str) -> float:
    metrics = httpx.get(f"{server.url}/metrics").text
    line = next(
        (
            line
            for line in metrics.splitlines()
            if line.startswith(f'headroom_passthrough_total{{reason="{reason}"}}')
        ),
        None,
    )
    return float(line.split()[-1]) if line else 0.0


def test_a_compressor_exception_forwards_the_original(replying: FakeUpstream) -> None:
    with running(replying, compress_fn=raising) as server:
        response = post(server)
        assert passthrough_count(server, "error") == 1
    assert response.status_code == 200 and response.headers["x-headroom-passthrough"] == "error"
    assert replying.requests[-1].body == BODY


def test_a_missed_deadline_forwards_the_original_in_time(replying: FakeUpstream) -> None:
    with running(
        replying, compress_fn=sleeping, compress_deadline_ms=100, compress_deadline_ms_per_4kb=0
    ) as server:
        started = time.perf_counter()
        response = post(server)
        elapsed = time.perf_counter() - started
    assert response.headers["x-headroom-passthrough"] == "deadline" and replying.requests[-1].body == BODY
    assert elapsed < 0.5  # the deadline, not the compressor's 0.6 s


def test_a_saturated_pool_forwards_the_original(replying: FakeUpstream) -> None:
    with running(replying, compress_fn=sleeping, compress_workers=1, compress_deadline_ms=20_000) as server:
        results: list[httpx.Response] = []
        threads = [threading.Thread(target=lambda: results.append(post(server))) for _ in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join()
    reasons = sorted(r.headers.get("x-headroom-passthrough", "-") for r in results)
    assert reasons == ["-", "-", "saturated"] and all(r.status_code == 200 for r in results)


def test_a_store_that_is_down_gets_no_markers(replying: FakeUpstream) -> None:
    with running(replying, store=DownStore()) as server:
        response = post(server)
        health = httpx.get(f"{server.url}/health").json()
    upstream = json.loads(replying.requests[-1].body)
    assert (
        response.status_code == 200 and "retrieve: hr" not in json.dumps(upstream) and "tools" not in upstream
    )
    assert response.headers["x-headroom-passthrough"] == "store" and health["store"] == {
        "error": "StoreError"
    }


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"{not json", {}, "parse_error"),
        (b'{"model":"m","messages":"not a list"}', {}, "shape"),
        (BODY, {"x-headroom-bypass": "true"}, "bypass"),
    ],
)
def test_unusable_bodies_and_bypass_forward_the_original(
    replying: FakeUpstream, body: bytes, headers: dict[str, str], reason: str
) -> None:
    with running(replying) as server:
        response = post(server, body, **headers)
    assert response.headers["x-headroom-passthrough"] == reason and replying.requests[-1].body == body
    assert "x-headroom-bypass" not in {k for k, _ in replying.requests[-1].headers}


def test_a_body_over_the_cap_is_forwarded_raw(replying: FakeUpstream) -> None:
    with running(replying, max_body_bytes=1000) as server:
        response = post(server)
    assert response.headers["x-headroom-passthrough"] == "too_large" and replying.requests[-1].body == BODY
