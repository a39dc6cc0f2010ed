"""Health, readiness, metrics and passthrough routes."""

from __future__ import annotations

import time

import httpx

from headroom.testing.upstream import BackgroundServer, FakeUpstream, Scripted
from tests.proxy.conftest import json_reply


def test_livez_and_readyz(proxy: BackgroundServer) -> None:
    live = httpx.get(f"{proxy.url}/livez").json()
    assert live["status"] == "ok" and live["service"] == "headroom-proxy"
    assert httpx.get(f"{proxy.url}/readyz").status_code == 200


def test_health_names_the_service_and_counts(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(
        "/v1/messages",
        json_reply(
            {
                "type": "message",
                "content": [],
                "usage": {
                    "input_tokens": 3,
                    "output_tokens": 1,
                    "cache_read_input_tokens": 11,
                    "cache_creation_input_tokens": 5,
                },
            }
        ),
    )
    httpx.post(
        f"{proxy.url}/v1/messages",
        json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
    )
    health = httpx.get(f"{proxy.url}/health").json()
    assert health["service"] == "headroom-proxy" and health["upstreams"]["anthropic"] == fake.url  # type: ignore[attr-defined]
    assert (
        health["counters"]["requests"] >= 1 and health["port"] == proxy.port and "entries" in health["store"]
    )
    metrics = httpx.get(f"{proxy.url}/metrics").text
    assert 'headroom_requests_total{route="anthropic_messages",status_class="2xx",stream="false"}' in metrics
    read = next(
        line for line in metrics.splitlines() if line.startswith("headroom_upstream_cache_read_tokens_total")
    )
    assert float(read.split()[-1]) >= 11


def test_other_paths_pass_through_byte_for_byte(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    payload = b'{"data":[{"id":"claude-test","type":"model"}],  "has_more":false}'
    fake.script(
        "/v1/models",
        Scripted(200, payload, headers=(("content-type", "application/json"), ("x-custom", "1"))),
    )
    fake.script("/v1/embeddings", Scripted(201, b"\x00\x01binary"))
    models = httpx.get(f"{proxy.url}/v1/models?limit=5", headers={"anthropic-version": "2023-06-01"})
    assert (
        models.content == payload
        and models.headers["x-custom"] == "1"
        and fake.requests[-1].query == "limit=5"
    )
    embedded = httpx.post(f"{proxy.url}/v1/embeddings", content=b"raw \xff bytes")
    assert embedded.status_code == 201 and embedded.content == b"\x00\x01binary"
    assert fake.requests[-1].body == b"raw \xff bytes"


def test_a_client_hanging_up_mid_stream_closes_the_upstream_stream(
    fake: FakeUpstream, proxy: BackgroundServer
) -> None:
    frames = tuple(f'event: ping\ndata: {{"type":"ping","n":{i}}}\n\n'.encode() for i in range(40))
    fake.script("/v1/messages", Scripted(frames=frames, delay_s=0.05))
    body = {"model": "m", "max_tokens": 5, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream("POST", f"{proxy.url}/v1/messages", json=body) as response:
        first = next(response.iter_raw())
    assert first.startswith(b"event: ping")
    deadline = time.monotonic() + 3
    while fake.cut_short == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.cut_short == 1
    inflight = next(
        line
        for line in httpx.get(f"{proxy.url}/metrics").text.splitlines()
        if line.startswith("headroom_inflight_requests")
    )
    assert float(inflight.split()[-1]) == 0
