"""The official ``anthropic`` SDK through the proxy to a fake upstream: relay, compression, splice."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import anthropic
import httpx
import pytest

from headroom.ccr import MemoryStore
from headroom.proxy import ProxySettings, build_app
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, events, json_reply, marker_key

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "The link step fails."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 50, "output_tokens": 7, "cache_read_input_tokens": 40},
}


def conversation() -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "Why did the build fail?"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "tu_1", "name": "bash", "input": {"cmd": "cat build.log"}}
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu_1", "content": LOG}]},
    ]


def client(proxy: BackgroundServer, **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key="sk-test", max_retries=0, **kwargs)


def sent(fake: FakeUpstream, index: int = -1) -> dict[str, Any]:
    return json.loads(fake.requests[index].body)


def stream_round(
    *blocks: tuple[dict[str, Any], list[dict[str, Any]]], stop: str, msg_id: str = "msg_1", out: int = 20
) -> list[Any]:
    frames: list[Any] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **MESSAGE,
                    "id": msg_id,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 50, "output_tokens": 1},
                },
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    for index, (start, deltas) in enumerate(blocks):
        frames.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
        )
        frames.extend(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
            for d in deltas
        )
        frames.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    frames.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": out},
            },
        )
    )
    frames.append(("message_stop", {"type": "message_stop"}))
    return frames


def text(value: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {"type": "text", "text": ""}, [{"type": "text_delta", "text": value}]


def tool(name: str, call_id: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    raw = json.dumps(arguments)
    return {"type": "tool_use", "id": call_id, "name": name, "input": {}}, [
        {"type": "input_json_delta", "partial_json": raw[:5]},
        {"type": "input_json_delta", "partial_json": raw[5:]},
    ]


def test_non_streaming_relays_the_upstream_body_and_compresses_the_request(
    fake: FakeUpstream, proxy: BackgroundServer
) -> None:
    fake.script("/v1/messages", json_reply(MESSAGE))
    reply = client(proxy).messages.create(model="claude-test", max_tokens=100, messages=conversation())
    assert reply.content[0].text == "The link step fails." and reply.usage.cache_read_input_tokens == 40
    upstream = sent(fake)
    assert len(json.dumps(upstream)) < len(LOG) / 3
    assert "retrieve: hr" in upstream["messages"][2]["content"][0]["content"]
    assert upstream["tools"][-1]["name"] == "headroom_retrieve"


def test_nothing_to_compress_goes_upstream_byte_for_byte(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script("/v1/messages", json_reply(MESSAGE))
    body = b'{"model":"claude-test","max_tokens":10,"messages":[{"role":"user","content":"hi"}],  "metadata":{"user_id":"u"}}'
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        content=body,
        headers={"content-type": "application/json", "x-api-key": "k"},
    )
    assert response.status_code == 200 and response.json() == MESSAGE
    assert fake.requests[-1].body == body


def test_unknown_fields_and_headers_survive(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(
        "/v1/messages",
        json_reply(
            MESSAGE, headers=(("request-id", "req_9"), ("anthropic-ratelimit-requests-remaining", "99"))
        ),
    )
    sdk = client(
        proxy, default_headers={"anthropic-beta": "context-1m-2025-08-07,weird-beta", "x-app": "cli"}
    )
    raw = sdk.messages.with_raw_response.create(
        model="claude-test",
        max_tokens=100,
        messages=conversation(),
        extra_body={"future_field": {"x": [1, 2]}},
        extra_query={"beta": "true"},
    )
    assert (
        raw.headers["request-id"] == "req_9" and raw.headers["anthropic-ratelimit-requests-remaining"] == "99"
    )
    assert int(raw.headers["x-headroom-tokens-out"]) < int(raw.headers["x-headroom-tokens-in"])
    seen = fake.requests[-1]
    assert seen.query == "beta=true"
    assert (
        seen.header("anthropic-beta") == "context-1m-2025-08-07,weird-beta" and seen.header("x-app") == "cli"
    )
    assert seen.header("authorization") == "Bearer sk-test" and seen.header("anthropic-version")
    assert sent(fake)["future_field"] == {"x": [1, 2]}


def test_an_upstream_cookie_goes_to_its_client_and_never_on_another_request(fake: FakeUpstream) -> None:
    cookie = ("set-cookie", "__cf_bm=client-a-secret; Path=/; HttpOnly")
    fake.script("/v1/messages", json_reply(MESSAGE, headers=(cookie,)), json_reply(MESSAGE))
    # By host name: an HTTP client's cookie jar refuses cookies from a bare IP address anyway.
    named = fake.url.replace("127.0.0.1", "localhost")  # type: ignore[attr-defined]
    settings = ProxySettings(anthropic_upstream=named, openai_upstream=named, trust_env=False)
    hello = [{"role": "user", "content": "hi"}]
    with BackgroundServer(build_app(settings, store=MemoryStore())) as proxy:
        first = client(proxy).messages.with_raw_response.create(
            model="claude-test", max_tokens=10, messages=hello
        )
        assert "client-a-secret" in first.headers["set-cookie"]
        client(proxy).messages.create(model="claude-test", max_tokens=10, messages=hello)
    assert fake.requests[-1].header("cookie") is None  # the proxy's shared HTTP client keeps no jar


@pytest.mark.parametrize("status", [400, 429, 529])
def test_upstream_errors_come_back_unchanged(
    fake: FakeUpstream, proxy: BackgroundServer, status: int
) -> None:
    error = {"type": "error", "error": {"type": "rate_limit_error", "message": f"exact wording {status}"}}
    fake.script("/v1/messages", json_reply(error, status, headers=(("retry-after", "7"),)))
    with pytest.raises(anthropic.APIStatusError) as caught:
        client(proxy).messages.create(model="claude-test", max_tokens=100, messages=conversation())
    assert caught.value.status_code == status and caught.value.body == error
    assert caught.value.response.headers["retry-after"] == "7"
    assert len(fake.requests) == 1  # the proxy never retries the client's own request


def test_streaming_text_and_a_client_tool_call_arrive_as_sent(
    fake: FakeUpstream, proxy: BackgroundServer
) -> None:
    fake.script(
        "/v1/messages",
        events(*stream_round(text("Let me look. "), tool("bash", "tu_2", {"cmd": "ls"}), stop="tool_use")),
    )
    with client(proxy).messages.stream(
        model="claude-test", max_tokens=100, messages=conversation()
    ) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[1].name == "bash" and final.content[1].input == {"cmd": "ls"}
    assert final.stop_reason == "tool_use" and len(fake.requests) == 1


def test_count_tokens_is_compressed_exactly_like_messages(
    fake: FakeUpstream, proxy: BackgroundServer
) -> None:
    fake.script("/v1/messages/count_tokens", json_reply({"input_tokens": 321}))
    fake.script("/v1/messages", json_reply(MESSAGE))
    sdk = client(proxy)
    counted = sdk.messages.count_tokens(model="claude-test", messages=conversation())
    sdk.messages.create(model="claude-test", max_tokens=100, messages=conversation())
    assert counted.input_tokens == 321
    counted_body, message_body = sent(fake, 0), sent(fake, 1)
    assert (
        counted_body["messages"] == message_body["messages"]
        and counted_body["tools"] == message_body["tools"]
    )
    assert "retrieve: hr" in json.dumps(counted_body)


def test_a_gzip_body_is_decoded_and_compressed(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script("/v1/messages", json_reply(MESSAGE))
    body = json.dumps({"model": "claude-test", "max_tokens": 10, "messages": conversation()}).encode()
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        content=gzip.compress(body),
        headers={"content-type": "application/json", "content-encoding": "gzip", "x-api-key": "k"},
    )
    assert response.status_code == 200
    assert fake.requests[-1].header("content-encoding") is None
    assert "retrieve: hr" in json.dumps(sent(fake))


def retrieval_turn(proxy_store: MemoryStore) -> tuple[list[dict[str, Any]], str]:
    messages = conversation()
    return messages, marker_key(
        {"model": "claude-test", "max_tokens": 100, "messages": messages}, proxy_store, "anthropic"
    )


def test_stream_splice_answers_retrieval_and_continues_in_the_same_message(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    messages, key = retrieval_turn(proxy_store)
    first = stream_round(
        text("Checking the log. "),
        tool("headroom_retrieve", "tu_r", {"key": key, "query": "ERROR"}),
        stop="tool_use",
        out=20,
    )
    second = stream_round(
        text("The database refused the connection."), stop="end_turn", msg_id="msg_2", out=7
    )
    fake.script("/v1/messages", events(*first, delay_s=0.01), events(*second, delay_s=0.05))
    arrivals: list[tuple[float, str]] = []
    with client(proxy).messages.stream(model="claude-test", max_tokens=100, messages=messages) as stream:
        for event in stream:
            arrivals.append((time.perf_counter(), event.type))
        final = stream.get_final_message()
    assert final.id == "msg_1" and [b.text for b in final.content] == [
        "Checking the log. ",
        "The database refused the connection.",
    ]  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 27
    assert len(fake.requests) == 2
    continuation = sent(fake, 1)["messages"]
    assert continuation[-2]["content"][0] == {"type": "text", "text": "Checking the log. "}
    assert continuation[-2]["content"][-1]["name"] == "headroom_retrieve"
    assert continuation[-2]["content"][-1]["input"] == {"key": key, "query": "ERROR"}
    result = continuation[-1]["content"][0]
    assert result["tool_use_id"] == "tu_r" and "database connection refused" in result["content"]
    first_text = next(t for t, kind in arrivals if kind == "text")
    assert (
        arrivals[-1][0] - first_text > 0.15
    )  # round 1's text reached the client before round 2 was streamed


def test_json_splice_merges_rounds(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    messages, key = retrieval_turn(proxy_store)
    asks = {
        **MESSAGE,
        "content": [
            {"type": "text", "text": "Looking. "},
            {"type": "tool_use", "id": "tu_r", "name": "headroom_retrieve", "input": {"key": key}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 50, "output_tokens": 10},
    }
    answers = {**MESSAGE, "id": "msg_2", "usage": {"input_tokens": 60, "output_tokens": 7}}
    fake.script("/v1/messages", json_reply(asks), json_reply(answers))
    reply = client(proxy).messages.create(model="claude-test", max_tokens=100, messages=messages)
    assert [b.text for b in reply.content] == ["Looking. ", "The link step fails."]  # type: ignore[union-attr]
    assert reply.id == "msg_1" and reply.stop_reason == "end_turn"
    assert reply.usage.output_tokens == 17 and reply.usage.input_tokens == 110
    assert LOG in sent(fake, 1)["messages"][-1]["content"][0]["content"]


def test_a_mixed_turn_goes_back_to_the_client_without_the_hidden_call(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    messages, key = retrieval_turn(proxy_store)
    mixed = stream_round(
        text("Two things. "),
        tool("headroom_retrieve", "tu_r", {"key": key}),
        tool("bash", "tu_b", {"cmd": "make"}),
        stop="tool_use",
    )
    fake.script("/v1/messages", events(*mixed))
    with client(proxy).messages.stream(model="claude-test", max_tokens=100, messages=messages) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"] and final.content[1].name == "bash"
    assert final.stop_reason == "tool_use" and len(fake.requests) == 1


def test_a_failed_continuation_becomes_a_typed_error_event(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    messages, key = retrieval_turn(proxy_store)
    first = stream_round(text("Checking. "), tool("headroom_retrieve", "tu_r", {"key": key}), stop="tool_use")
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    fake.script("/v1/messages", events(*first), json_reply(overloaded, 400))
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client(proxy).messages.stream(model="claude-test", max_tokens=100, messages=messages) as stream,
    ):
        stream.get_final_message()
    assert "Overloaded" in str(caught.value)


def test_an_unknown_key_tells_the_model_to_rerun(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    messages, _ = retrieval_turn(proxy_store)
    asks = {
        **MESSAGE,
        "content": [
            {
                "type": "tool_use",
                "id": "tu_r",
                "name": "headroom_retrieve",
                "input": {"key": "hr000000000000000001"},
            }
        ],
        "stop_reason": "tool_use",
    }
    fake.script("/v1/messages", json_reply(asks), json_reply(MESSAGE))
    client(proxy).messages.create(model="claude-test", max_tokens=100, messages=messages)
    result = sent(fake, 1)["messages"][-1]["content"][0]
    assert result["is_error"] is True and "Re-run the command" in result["content"]


def test_thinking_blocks_reach_upstream_unchanged(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script("/v1/messages", json_reply(MESSAGE))
    messages = conversation()
    messages[1]["content"].insert(
        0, {"type": "thinking", "thinking": "Look at the log.", "signature": "sig=="}
    )
    messages.append(
        {
            "role": "assistant",
            "content": [{"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"q": "x"}}],
        }
    )
    messages.append({"role": "user", "content": "and?"})
    client(proxy).messages.create(model="claude-test", max_tokens=100, messages=messages)
    upstream = sent(fake)["messages"]
    assert upstream[1]["content"][0] == messages[1]["content"][0] and upstream[3] == messages[3]


def test_upstream_unreachable_is_a_502_in_the_anthropic_shape(fake: FakeUpstream) -> None:
    from headroom.proxy import ProxySettings, build_app

    settings = ProxySettings(
        anthropic_upstream="http://127.0.0.1:9", openai_upstream="http://127.0.0.1:9", trust_env=False
    )
    with BackgroundServer(build_app(settings, store=MemoryStore())) as lonely:
        response = httpx.post(
            f"{lonely.url}/v1/messages", json={"model": "m", "max_tokens": 5, "messages": []}
        )
    assert response.status_code == 502 and response.json()["error"]["type"] == "api_error"
