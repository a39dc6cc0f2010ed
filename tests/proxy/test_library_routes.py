"""``/v1/compress`` and ``/v1/retrieve``: native shapes in and out, the store behind them, who may call."""

from __future__ import annotations

import asyncio
import copy
import gzip
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from headroom import compress
from headroom.ccr import SqliteStore
from headroom.proxy import ProxySettings, build_app
from headroom.proxy._compression import CompressFn
from headroom.testing.upstream import BackgroundServer
from tests.proxy.conftest import LOG, POLICY

ROWS = json.dumps(
    [{"id": i, "name": f"user{i}", "email": f"user{i}@example.com", "active": i % 2 == 0} for i in range(15)],
    indent=2,
)
CACHE = {"type": "ephemeral"}


def chat_messages(text: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "What failed?", "x_vendor": {"keep": True}},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": text},
    ]


def responses_input(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What failed?"}]},
        {"type": "function_call", "call_id": "c1", "name": "bash", "arguments": "{}", "id": "fc_1"},
        {"type": "function_call_output", "call_id": "c1", "output": text, "x_vendor": 1},
    ]


def anthropic_messages(text: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": [{"type": "text", "text": "What failed?", "cache_control": CACHE}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "look at the log", "signature": "sig=="},
                {"type": "tool_use", "id": "tu_1", "name": "bash", "input": {"cmd": "cat log"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "tu_1", "content": text, "cache_control": CACHE}
            ],
        },
    ]


# (body key, format sent or None, conversation builder, wraps the list in a request of that API)
SHAPES: list[tuple[str, str | None, Callable[[str], Any]]] = [
    ("messages", None, chat_messages),
    (
        "request",
        None,
        lambda t: {"model": "gpt-x", "messages": chat_messages(t), "chat_template_kwargs": {"a": 1}},
    ),
    ("input", None, responses_input),
    (
        "request",
        None,
        lambda t: {"model": "gpt-x", "input": responses_input(t), "store": False, "include": []},
    ),
    ("messages", "anthropic", anthropic_messages),
    (
        "request",
        None,
        lambda t: {
            "model": "claude-x",
            "max_tokens": 100,
            "system": [{"type": "text", "text": "Be brief.", "cache_control": CACHE}],
            "messages": anthropic_messages(t),
            "anthropic_vendor_field": "kept",
        },
    ),
]
FORMATS = ["openai_chat", "openai_chat", "openai_responses", "openai_responses", "anthropic", "anthropic"]


def app(tmp_path: Path, compress_fn: CompressFn = compress, **settings: Any) -> Any:
    options: dict[str, Any] = {"trust_env": False, "compress_deadline_ms": 30_000, **settings}
    store = SqliteStore(tmp_path / "store.db")
    return build_app(ProxySettings(**options), store=store, policy=POLICY, compress_fn=compress_fn)


def call(
    application: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=application, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8787") as http:
            return await http.request(method, path, json=body, headers=headers)

    return asyncio.run(go())


def without(value: Any, text: str, replacement: str) -> Any:
    """``value`` with every occurrence of the tool output ``text`` swapped for ``replacement``."""
    return json.loads(json.dumps(value).replace(json.dumps(text)[1:-1], json.dumps(replacement)[1:-1]))


@pytest.mark.parametrize("index", range(len(SHAPES)))
def test_each_shape_comes_back_in_its_own_shape_with_markers_retrievable(tmp_path: Path, index: int) -> None:
    key, fmt, build = SHAPES[index]
    application = app(tmp_path)
    sent = build(LOG)
    body: dict[str, Any] = {key: copy.deepcopy(sent), "retrieval": "tool", **({"format": fmt} if fmt else {})}
    answer = call(application, "POST", "/v1/compress", body).json()
    assert answer["api_version"] == 1 and answer["format"] == FORMATS[index]
    assert answer["tokens_out"] < answer["tokens_in"] / 3 and answer["markers"], answer["warnings"]
    marker = answer["markers"][0]
    got = answer[key]
    # Everything but the compressed text is what was sent: unknown fields, cache_control, thinking.
    compressed = next(t for t in _strings(got) if marker["key"] in t)
    if key == "request":
        assert got["tools"] == [answer["tools_added"][0]]
        got = {k: v for k, v in got.items() if k != "tools"}
    assert got == _swapped(sent, LOG, compressed)
    whole = call(application, "POST", "/v1/retrieve", {"key": marker["key"]}).json()
    assert whole == {"key": marker["key"], "text": LOG, "unit": "whole", "matched": 0, "total": 0}
    query = urllib.parse.urlencode({"query": "database refused"})
    found = call(application, "GET", f"/v1/retrieve/{marker['key']}?{query}").json()
    assert "connection refused" in found["text"] and found["unit"] == "lines" and found["matched"] >= 1


def _swapped(value: Any, old: str, new: str) -> Any:
    if value == old:
        return new
    if isinstance(value, dict):
        return {k: _swapped(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_swapped(v, old, new) for v in value]
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_without_retrieval_only_lossless_encodings_apply(tmp_path: Path) -> None:
    application = app(tmp_path)
    log_answer = call(application, "POST", "/v1/compress", {"messages": chat_messages(LOG)}).json()
    assert log_answer["messages"] == chat_messages(LOG) and not log_answer["markers"]
    assert not log_answer["tools_added"]
    rows = call(application, "POST", "/v1/compress", {"messages": chat_messages(ROWS)}).json()
    table = rows["messages"][2]["content"]
    assert rows["tokens_out"] < rows["tokens_in"] / 2 and "user14" in table and not rows["markers"]
    assert rows["messages"][:2] == chat_messages(ROWS)[:2]


def test_a_request_whose_tool_choice_bars_the_tool_gets_no_markers(tmp_path: Path) -> None:
    request = {"model": "gpt-x", "messages": chat_messages(LOG), "tool_choice": "none"}
    answer = call(app(tmp_path), "POST", "/v1/compress", {"request": request, "retrieval": "tool"}).json()
    assert answer["request"] == request and not answer["markers"]
    assert any("tool_choice" in w for w in answer["warnings"])


def test_an_unknown_key_is_a_404_with_what_to_do(tmp_path: Path) -> None:
    application = app(tmp_path)
    for response in (
        call(application, "POST", "/v1/retrieve", {"key": "hr000000000000000001"}),
        call(application, "GET", "/v1/retrieve/hr000000000000000001?query=x"),
    ):
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["type"] == "not_found" and "hr000000000000000001" in error["message"]
        assert "Re-run" in error["message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"messages": chat_messages("x"), "token_budget": 10}, "token_budget"),
        ({"messages": chat_messages("x"), "request": {}}, "exactly one"),
        ({"messages": [{"role": "user", "content": 5}]}, "message 0"),
        ({"request": {"messages": [1]}}, "message 0 must be an object"),
        ({"request": []}, "object"),
        ({"messages": [], "retrieval": "always"}, "retrieval"),
        ({"messages": [], "format": "gemini"}, "gemini"),
    ],
)
def test_malformed_calls_are_a_400_naming_the_problem(tmp_path: Path, body: Any, named: str) -> None:
    response = call(app(tmp_path), "POST", "/v1/compress", body)
    assert response.status_code == 400
    assert (
        response.json()["error"]["type"] == "invalid_request" and named in response.json()["error"]["message"]
    )
    bad_limit = call(app(tmp_path), "POST", "/v1/retrieve", {"key": "hr1", "limit": 0})
    assert bad_limit.status_code == 400


def test_the_bypass_header_returns_the_input_untouched(tmp_path: Path) -> None:
    body = {"messages": chat_messages(LOG), "retrieval": "tool"}
    answer = call(app(tmp_path), "POST", "/v1/compress", body, headers={"x-headroom-bypass": "true"}).json()
    assert answer["messages"] == chat_messages(LOG) and answer["warnings"] == ["passthrough:bypass"]


def test_compressor_trouble_returns_the_input_unchanged_with_the_reason(tmp_path: Path) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("compressor bug")

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.0)
        return compress(*args, **kwargs)

    body = {"messages": chat_messages(LOG), "retrieval": "tool"}
    failed = call(app(tmp_path, broken), "POST", "/v1/compress", body)
    assert failed.status_code == 200 and failed.json()["warnings"] == ["passthrough:error"]
    assert failed.json()["messages"] == chat_messages(LOG)
    started = time.perf_counter()
    late = call(
        app(tmp_path, slow, compress_deadline_ms=100, compress_deadline_max_ms=100),
        "POST",
        "/v1/compress",
        body,
    )
    assert late.json()["warnings"] == ["passthrough:deadline"] and time.perf_counter() - started < 1.5


def test_callers_beyond_loopback_are_refused_unless_they_present_the_token(tmp_path: Path) -> None:
    outside = ("203.0.113.7", 40000)
    body = {"messages": chat_messages("hi")}
    open_app = app(tmp_path)
    assert call(open_app, "POST", "/v1/compress", body, client=outside).status_code == 404
    assert call(open_app, "GET", "/v1/retrieve/hr1", client=outside).status_code == 404
    rebound = call(open_app, "POST", "/v1/compress", body, headers={"host": "evil.example:8787"})
    assert rebound.status_code == 404
    guarded = app(tmp_path, token="s3cret")
    assert call(guarded, "POST", "/v1/compress", body, client=outside).status_code == 404
    wrong = {"x-headroom-proxy-token": "nope"}
    assert call(guarded, "POST", "/v1/compress", body, client=outside, headers=wrong).status_code == 404
    for presented in ({"x-headroom-proxy-token": "s3cret"}, {"authorization": "Bearer s3cret"}):
        assert (
            call(guarded, "POST", "/v1/compress", body, client=outside, headers=presented).status_code == 200
        )
    assert call(guarded, "POST", "/v1/compress", body).status_code == 200  # loopback needs no token


def test_a_caller_that_hangs_up_stops_the_wait_and_its_queued_job_never_runs(tmp_path: Path) -> None:
    release, entered = threading.Event(), threading.Event()
    calls: list[int] = []

    def gated(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        entered.set()
        release.wait(5)
        return compress(*args, **kwargs)

    body = {"messages": chat_messages("hi")}
    with BackgroundServer(app(tmp_path, gated, compress_workers=1)) as server:
        first: list[int] = []
        busy = threading.Thread(
            target=lambda: first.append(
                httpx.post(f"{server.url}/v1/compress", json=body, timeout=10).status_code
            )
        )
        busy.start()
        assert entered.wait(5)
        with pytest.raises(httpx.TimeoutException):  # queued behind the first; the client gives up
            httpx.post(f"{server.url}/v1/compress", json=body, timeout=0.3)
        time.sleep(0.3)  # the server notices the hang-up (it polls every 50 ms)
        release.set()
        busy.join()
        time.sleep(0.3)  # long enough for a queued job that was not dropped to have started
    assert first == [200] and calls == [1]


def test_bodies_are_read_under_the_cap_and_decoded(tmp_path: Path) -> None:
    payload = json.dumps({"messages": chat_messages(ROWS)}).encode()

    async def post(application: Any, content: bytes, headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8787") as http:
            return await http.post("/v1/compress", content=content, headers=headers)

    small = app(tmp_path, max_body_bytes=100)
    too_large = asyncio.run(post(small, payload, {}))
    assert too_large.status_code == 413 and too_large.json()["error"]["type"] == "request_too_large"
    zipped = asyncio.run(post(app(tmp_path), gzip.compress(payload), {"content-encoding": "gzip"}))
    assert zipped.status_code == 200 and zipped.json()["tokens_out"] < zipped.json()["tokens_in"]
    garbled = asyncio.run(post(app(tmp_path), b"not gzip", {"content-encoding": "gzip"}))
    assert garbled.status_code == 400 and "content-encoding" in garbled.json()["error"]["message"]
