"""Inbound token, admin routes beyond loopback, the hop loop breaker, and the unix socket listener."""

from __future__ import annotations

import asyncio
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from headroom.ccr import MemoryStore
from headroom.errors import ConfigError
from headroom.proxy import ProxySettings, build_app
from headroom.proxy._serve import address, banner, check_upstreams, listen, server_config
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import POLICY, json_reply

TOKEN = "proxy-token-7f3a"
REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "m",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
HI = [{"role": "user", "content": "hi"}]


def _settings(fake: FakeUpstream, **overrides: Any) -> ProxySettings:
    url = fake.url  # type: ignore[attr-defined]
    return ProxySettings(anthropic_upstream=url, openai_upstream=url, trust_env=False, **overrides)


@pytest.fixture(scope="module")
def guarded(fake: FakeUpstream) -> Iterator[BackgroundServer]:
    app = build_app(_settings(fake, token=TOKEN), store=MemoryStore(), policy=POLICY)
    with BackgroundServer(app) as server:
        yield server


def test_api_calls_need_the_token_and_it_never_goes_upstream(
    fake: FakeUpstream, guarded: BackgroundServer
) -> None:
    fake.script("/v1/messages", json_reply(REPLY))
    sent_token = {"X-Headroom-Proxy-Token": TOKEN}
    with_header = anthropic.Anthropic(
        base_url=guarded.url, api_key="sk-upstream", max_retries=0, default_headers=sent_token
    )
    assert with_header.messages.create(model="m", max_tokens=5, messages=HI).content[0].text == "ok"  # type: ignore[union-attr]
    seen = fake.requests[-1]
    assert (
        seen.header("authorization") == "Bearer sk-upstream" and seen.header("x-headroom-proxy-token") is None
    )

    with pytest.raises(anthropic.AuthenticationError, match="needs its token"):
        anthropic.Anthropic(base_url=guarded.url, api_key="sk-upstream", max_retries=0).messages.create(
            model="m", max_tokens=5, messages=HI
        )
    wrong = {"X-Headroom-Proxy-Token": "proxy-token-7f3b"}
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(
            base_url=guarded.url, api_key="k", max_retries=0, default_headers=wrong
        ).messages.create(model="m", max_tokens=5, messages=HI)
    assert len(fake.requests) == 1, "refused calls never reach the upstream"


def test_a_bearer_token_is_the_proxys_and_is_stripped(fake: FakeUpstream, guarded: BackgroundServer) -> None:
    fake.script(
        "/v1/chat/completions",
        json_reply(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
                ],
            }
        ),
    )
    client = openai.OpenAI(base_url=f"{guarded.url}/v1", api_key=TOKEN, max_retries=0)
    assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content == "ok"  # type: ignore[arg-type]
    assert fake.requests[-1].header("authorization") is None
    with pytest.raises(openai.AuthenticationError) as refused:
        openai.OpenAI(base_url=f"{guarded.url}/v1", api_key="sk-other", max_retries=0).models.list()
    assert refused.value.code == "proxy_token_required"


def test_probes_answer_everyone_and_admin_routes_only_loopback_or_the_token(
    guarded: BackgroundServer,
) -> None:
    assert httpx.get(f"{guarded.url}/livez").status_code == 200
    assert httpx.get(f"{guarded.url}/readyz").status_code == 200
    assert httpx.get(f"{guarded.url}/health").json()["service"] == "headroom-proxy"
    rebound = {"host": "attacker.example:8787"}  # a page that rebound its name to 127.0.0.1
    assert httpx.get(f"{guarded.url}/health", headers=rebound).status_code == 404
    assert httpx.get(f"{guarded.url}/metrics", headers=rebound).status_code == 404
    with_token = {**rebound, "x-headroom-proxy-token": TOKEN}
    assert httpx.get(f"{guarded.url}/health", headers=with_token).status_code == 200


def _from(peer: str, app: Any, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy.internal") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def test_callers_beyond_loopback_see_no_admin_routes_without_the_token(fake: FakeUpstream) -> None:
    open_app = build_app(_settings(fake), store=MemoryStore(), policy=POLICY)
    assert _from("10.1.2.3", open_app, "/health").status_code == 404
    assert _from("10.1.2.3", open_app, "/metrics").status_code == 404
    assert _from("10.1.2.3", open_app, "/livez").status_code == 200
    assert _from("::ffff:127.0.0.1", open_app, "/health", {"host": "127.0.0.1"}).status_code == 200
    tokened = build_app(_settings(fake, token="t0k"), store=MemoryStore(), policy=POLICY)
    assert _from("10.1.2.3", tokened, "/health", {"authorization": "Bearer t0k"}).status_code == 200
    assert _from("10.1.2.3", tokened, "/health", {"authorization": "Bearer t0j"}).status_code == 404


def test_a_request_that_comes_back_is_a_loop_and_a_chain_is_not(fake: FakeUpstream) -> None:
    fake.script("/v1/messages", json_reply(REPLY))
    inner = build_app(_settings(fake), store=MemoryStore(), policy=POLICY)
    with BackgroundServer(inner) as second:
        outer = build_app(
            ProxySettings(anthropic_upstream=second.url, openai_upstream=second.url, trust_env=False),
            store=MemoryStore(),
            policy=POLICY,
        )
        with BackgroundServer(outer) as first:
            client = anthropic.Anthropic(
                base_url=first.url, api_key="k", max_retries=0, default_headers={"Via": "1.1 corp-gw"}
            )
            assert client.messages.create(model="m", max_tokens=5, messages=HI).content
    seen = fake.requests[-1]
    ids = (outer.state.proxy.pseudonym, inner.state.proxy.pseudonym)
    assert seen.header("via") == f"1.1 corp-gw, 1.1 {ids[0]}, 1.1 {ids[1]}", "each proxy adds itself"
    assert not any(k.lower().startswith("x-headroom") for k, _ in seen.headers)

    listener = listen(ProxySettings(port=0))  # a proxy whose upstream is itself, as serve() binds it
    url = address(listener)
    looping = ProxySettings(anthropic_upstream=url, openai_upstream=url, trust_env=False)
    with _Served(listener, build_app(looping, store=MemoryStore(), policy=POLICY)):
        client = anthropic.Anthropic(base_url=url, api_key="k", max_retries=0)
        with pytest.raises(anthropic.APIStatusError, match="loop detected") as looped:
            client.messages.create(model="m", max_tokens=5, messages=HI)
        assert looped.value.status_code == 508
        hopped = httpx.get(f"{url}/v1/models", headers={"x-headroom-hop": "1"})
        assert hopped.status_code == 508 and hopped.json()["error"]["code"] == "loop_detected"


def test_provider_hosts_get_the_clients_headers_only() -> None:
    proxy = build_app(ProxySettings(trust_env=False), store=MemoryStore(), policy=POLICY).state.proxy
    assert proxy.outbound([("x-api-key", "k"), ("via", "1.1 gw")], "anthropic", streaming=False) == [
        ("x-api-key", "k"),
        ("via", "1.1 gw"),
        ("accept-encoding", "gzip, deflate"),
    ]
    assert all(name != "via" for name, _ in proxy.outbound([], "chatgpt", streaming=True))


def test_an_upstream_that_resolves_to_the_listening_address_is_refused() -> None:
    with pytest.raises(ConfigError, match="own address"):
        check_upstreams(ProxySettings(host="0.0.0.0", port=8787, openai_upstream="http://127.0.0.1:8787"))
    with pytest.raises(ConfigError, match="own address"):
        check_upstreams(
            ProxySettings(host="127.0.0.1", port=0, anthropic_upstream="http://localhost:41234"),
            ("127.0.0.1", 41234),
        )
    check_upstreams(ProxySettings(host="0.0.0.0", port=8787, openai_upstream="http://192.0.2.1:8787"))
    with pytest.raises(ConfigError, match="http"):
        check_upstreams(ProxySettings(chatgpt_upstream="ftp://chatgpt.com"))


def test_binding_beyond_loopback_without_a_token_warns() -> None:
    assert "warning" in banner(ProxySettings(host="0.0.0.0"), "p", "http://0.0.0.0:8787")
    assert "warning" not in banner(ProxySettings(host="0.0.0.0", token="t"), "p", "http://0.0.0.0:8787")
    assert "warning" not in banner(ProxySettings(host="::1"), "p", "http://[::1]:8787")


class _Served:
    """An app served the way ``serve`` does it, on a listener ``listen`` made."""

    def __init__(self, listener: socket.socket, app: Any) -> None:
        import uvicorn

        self.listener = listener
        self.server = uvicorn.Server(server_config(app))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True
        )

    def __enter__(self) -> _Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.listener.close()


def test_the_proxy_listens_on_a_unix_socket(fake: FakeUpstream, tmp_path: Path) -> None:
    import httpx2

    path = tmp_path / "proxy.sock"
    path.touch()
    with pytest.raises(ConfigError, match="not a socket"):
        listen(ProxySettings(uds=path))
    path.unlink()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # a socket file left by a proxy that died is replaced
    fake.script("/v1/messages", json_reply(REPLY))
    settings = _settings(fake, uds=path)
    with _Served(listen(settings), build_app(settings, store=MemoryStore(), policy=POLICY)) as running:
        assert address(running.listener) == f"unix:{path}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with pytest.raises(ConfigError, match="listening"):
            listen(ProxySettings(uds=path))
        transport = httpx.HTTPTransport(uds=str(path))
        assert httpx.Client(transport=transport).get("http://proxy/health").json()["port"] is None
        sdk_http = httpx2.Client(transport=httpx2.HTTPTransport(uds=str(path)))
        client = anthropic.Anthropic(
            base_url="http://proxy", api_key="k", http_client=sdk_http, max_retries=0
        )
        assert client.messages.create(model="m", max_tokens=5, messages=HI).content[0].text == "ok"  # type: ignore[union-attr]
