"""The official ``openai`` SDK's Responses API through the proxy: events, sequence numbers, zstd, splice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from headroom.ccr import MemoryStore
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, events, json_reply, marker_key

PATH = "/v1/responses"


def items() -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": [{"type": "input_text", "text": "Why did the build fail?"}]},
        {"type": "function_call", "call_id": "fc_1", "name": "shell", "arguments": '{"cmd":"cat build.log"}'},
        {"type": "function_call_output", "call_id": "fc_1", "output": LOG},
    ]


def client(proxy: BackgroundServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="sk-test", max_retries=0)


def message_item(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def call_item(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


def response(
    resp_id: str, output: list[dict[str, Any]], out_tokens: int = 5, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": resp_id,
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "model": "gpt-test",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 50,
            "output_tokens": out_tokens,
            "total_tokens": 50 + out_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def stream_of(
    resp_id: str, output: list[dict[str, Any]], out_tokens: int = 5
) -> list[tuple[str, dict[str, Any]]]:
    frames: list[tuple[str, dict[str, Any]]] = [
        (
            "response.created",
            {"type": "response.created", "response": response(resp_id, [], 0, "in_progress")},
        ),
        (
            "response.in_progress",
            {"type": "response.in_progress", "response": response(resp_id, [], 0, "in_progress")},
        ),
    ]
    for index, item in enumerate(output):
        opened = {**item, "status": "in_progress"}
        if item["type"] == "message":
            opened["content"] = []
        frames.append(
            (
                "response.output_item.added",
                {"type": "response.output_item.added", "output_index": index, "item": opened},
            )
        )
        if item["type"] == "message":
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            frames.append(
                (
                    "response.content_part.added",
                    {
                        "type": "response.content_part.added",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": 0,
                        "part": part,
                    },
                )
            )
            frames.append(
                (
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": 0,
                        "delta": text,
                        "logprobs": [],
                    },
                )
            )
        else:
            frames.append(
                (
                    "response.function_call_arguments.delta",
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "delta": item["arguments"],
                    },
                )
            )
        frames.append(
            (
                "response.output_item.done",
                {"type": "response.output_item.done", "output_index": index, "item": item},
            )
        )
    frames.append(
        (
            "response.completed",
            {"type": "response.completed", "response": response(resp_id, output, out_tokens)},
        )
    )
    return [(event, {**data, "sequence_number": number}) for number, (event, data) in enumerate(frames)]


def sent(fake: FakeUpstream, index: int = -1) -> dict[str, Any]:
    return json.loads(fake.requests[index].body)


def test_streaming_relays_events_in_order(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(PATH, events(*stream_of("resp_1", [message_item("m1", "It failed to link.")])))
    stream = client(proxy).responses.create(model="gpt-test", input=items(), stream=True, store=False)  # type: ignore[arg-type]
    seen = list(stream)
    assert [e.sequence_number for e in seen] == list(range(len(seen)))
    assert seen[-1].type == "response.completed" and seen[-1].response.output_text == "It failed to link."  # type: ignore[union-attr]
    assert "retrieve: hr" in json.dumps(sent(fake)["input"])


def test_non_streaming(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(PATH, json_reply(response("resp_1", [message_item("m1", "Linker error.")])))
    reply = client(proxy).responses.create(
        model="gpt-test", input=items(), store=False, extra_body={"prompt_cache_key": "k1"}
    )  # type: ignore[arg-type]
    assert reply.output_text == "Linker error." and sent(fake)["prompt_cache_key"] == "k1"


@pytest.mark.parametrize("coding", ["zstd", "br", "deflate"])
def test_a_compressed_body_is_decoded(fake: FakeUpstream, proxy: BackgroundServer, coding: str) -> None:
    import zlib

    import brotli
    import zstandard

    fake.script(PATH, json_reply(response("resp_1", [message_item("m1", "ok")])))
    body = json.dumps({"model": "gpt-test", "input": items(), "stream": False, "store": False}).encode()
    encoded = {"zstd": zstandard.ZstdCompressor().compress, "br": brotli.compress, "deflate": zlib.compress}[
        coding
    ](body)
    reply = httpx.post(
        f"{proxy.url}{PATH}",
        content=encoded,
        headers={"content-type": "application/json", "content-encoding": coding, "authorization": "Bearer k"},
    )
    assert reply.status_code == 200 and reply.headers.get("x-headroom-passthrough") is None
    assert fake.requests[-1].header("content-encoding") is None and "retrieve: hr" in json.dumps(sent(fake))


def test_an_undecodable_body_is_forwarded_as_sent(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(PATH, json_reply({"error": {"message": "bad body"}}, 400))
    reply = httpx.post(
        f"{proxy.url}{PATH}", content=b"\x28\xb5\x2f\xfdnot zstd", headers={"content-encoding": "zstd"}
    )
    assert reply.status_code == 400 and reply.headers["x-headroom-passthrough"] == "encoding"
    assert (
        fake.requests[-1].body == b"\x28\xb5\x2f\xfdnot zstd"
        and fake.requests[-1].header("content-encoding") == "zstd"
    )


def key_for(proxy_store: MemoryStore) -> str:
    return marker_key({"model": "gpt-test", "input": items()}, proxy_store, "openai_responses")


def test_stream_splice(fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore) -> None:
    key = key_for(proxy_store)
    first = stream_of(
        "resp_1",
        [
            message_item("m1", "Checking. "),
            call_item("call_r", "headroom_retrieve", json.dumps({"key": key})),
        ],
        10,
    )
    second = stream_of("resp_2", [message_item("m2", "The database refused.")], 4)
    fake.script(PATH, events(*first), events(*second))
    with client(proxy).responses.stream(model="gpt-test", input=items(), store=False) as stream:  # type: ignore[arg-type]
        seen = list(stream)
        final = stream.get_final_response()
    assert [e.sequence_number for e in seen] == list(range(len(seen)))
    assert [e.type for e in seen].count("response.created") == 1
    indices = [e.output_index for e in seen if e.type == "response.output_item.added"]  # type: ignore[union-attr]
    assert indices == [0, 1]
    assert (
        final.output_text == "Checking. The database refused."
        and final.usage
        and final.usage.output_tokens == 14
    )
    assert not any(item.type == "function_call" for item in final.output)
    continued = sent(fake, 1)["input"]
    assert continued[-2]["name"] == "headroom_retrieve" and continued[-1] == {
        "type": "function_call_output",
        "call_id": "call_r",
        "output": LOG,
    }


def test_json_splice(fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore) -> None:
    key = key_for(proxy_store)
    asks = response(
        "resp_1", [call_item("call_r", "headroom_retrieve", json.dumps({"key": key, "query": "ERROR"}))]
    )
    fake.script(PATH, json_reply(asks), json_reply(response("resp_2", [message_item("m2", "Refused.")])))
    reply = client(proxy).responses.create(model="gpt-test", input=items(), store=False)  # type: ignore[arg-type]
    assert (
        reply.output_text == "Refused."
        and reply.id == "resp_1"
        and reply.usage
        and reply.usage.output_tokens == 10
    )
    continued = sent(fake, 1)["input"]
    assert (
        continued[-1]["type"] == "function_call_output"
        and "database connection refused" in continued[-1]["output"]
    )


@pytest.mark.parametrize(
    "stateful", [{}, {"store": True}, {"store": False, "previous_response_id": "resp_0"}]
)
def test_stored_responses_get_no_markers(
    fake: FakeUpstream, proxy: BackgroundServer, stateful: dict[str, Any]
) -> None:
    fake.script(PATH, json_reply(response("resp_1", [message_item("m1", "ok")])))
    client(proxy).responses.create(model="gpt-test", input=items(), **stateful)  # type: ignore[arg-type]
    upstream = sent(fake)
    assert "retrieve: hr" not in json.dumps(upstream) and "tools" not in upstream


def test_codex_signed_in_with_chatgpt_goes_to_the_chatgpt_backend(fake: FakeUpstream) -> None:
    from headroom.proxy import ProxySettings, build_app
    from tests.proxy.conftest import POLICY

    fake.script("/backend-api/codex/responses", json_reply(response("resp_1", [message_item("m1", "ok")])))
    settings = ProxySettings(
        openai_upstream="http://127.0.0.1:9",
        chatgpt_upstream=f"{fake.url}/backend-api/codex",
        trust_env=False,  # type: ignore[attr-defined]
    )
    with BackgroundServer(build_app(settings, store=MemoryStore(), policy=POLICY)) as codex_proxy:
        reply = httpx.post(
            f"{codex_proxy.url}/v1/responses",
            json={"model": "gpt-test", "input": items(), "store": False},
            headers={"chatgpt-account-id": "acct-1", "authorization": "Bearer jwt"},
        )
    assert reply.status_code == 200 and fake.requests[-1].path == "/backend-api/codex/responses"
    assert fake.requests[-1].header("chatgpt-account-id") == "acct-1" and "retrieve: hr" in json.dumps(
        sent(fake)
    )
