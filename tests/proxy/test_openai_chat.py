"""The official ``openai`` SDK's Chat Completions through the proxy: relay, usage chunks, tools, splice."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from headroom.ccr import MemoryStore
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, events, json_reply, marker_key

PATH = "/v1/chat/completions"


def conversation() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a build assistant."},
        {"role": "user", "content": "Why did the build fail?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": LOG},
    ]


def client(proxy: BackgroundServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="sk-test", organization="org-1", max_retries=0)


def completion(
    content: str | None, tool_calls: list[dict[str, Any]] | None = None, finish: str = "stop", **usage: int
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-test",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": usage.get("prompt", 50),
            "completion_tokens": usage.get("completion", 5),
            "total_tokens": 55,
        },
    }


def chunk(
    delta: dict[str, Any], finish: str | None = None, ident: str = "chatcmpl-1", created: int = 1700000000
) -> tuple[None, dict[str, Any]]:
    return None, {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": "gpt-test",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def usage_chunk(prompt: int, completion: int, ident: str = "chatcmpl-1") -> tuple[None, dict[str, Any]]:
    return None, {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-test",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def call_chunks(index: int, call_id: str, name: str, arguments: str) -> list[tuple[None, dict[str, Any]]]:
    return [
        chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[:4]}}]}),
        chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[4:]}}]}),
    ]


DONE = (None, "[DONE]")


def sent(fake: FakeUpstream, index: int = -1) -> dict[str, Any]:
    return json.loads(fake.requests[index].body)


def test_non_streaming_with_unknown_fields(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(PATH, json_reply(completion("It failed to link.")))
    reply = client(proxy).chat.completions.create(
        model="gpt-test",
        messages=conversation(),
        extra_body={"chat_template_kwargs": {"thinking": False}},
        max_tokens=9,  # type: ignore[arg-type]
    )
    assert reply.choices[0].message.content == "It failed to link."
    upstream = sent(fake)
    assert upstream["chat_template_kwargs"] == {"thinking": False} and upstream["max_tokens"] == 9
    assert "retrieve: hr" in upstream["messages"][3]["content"]
    assert upstream["tools"][-1]["function"]["name"] == "headroom_retrieve"
    assert fake.requests[-1].header("openai-organization") == "org-1"


@pytest.mark.parametrize("include_usage", [True, False, None])
def test_streaming_adds_no_usage_chunk_the_client_did_not_ask_for(
    fake: FakeUpstream, proxy: BackgroundServer, include_usage: bool | None
) -> None:
    frames = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}),
        chunk({}, "stop"),
    ]
    if include_usage:
        frames.append(usage_chunk(50, 2))
    fake.script(PATH, events(*frames, DONE))
    options = {} if include_usage is None else {"stream_options": {"include_usage": include_usage}}
    stream = client(proxy).chat.completions.create(
        model="gpt-test", messages=conversation(), stream=True, **options
    )  # type: ignore[call-overload]
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello"
    assert sum(1 for c in chunks if not c.choices) == (1 if include_usage else 0)
    assert ("stream_options" in sent(fake)) == (include_usage is not None)


def test_streaming_client_tool_calls_pass_through(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(
        PATH,
        events(
            chunk({"role": "assistant"}),
            *call_chunks(0, "c2", "bash", '{"cmd": "ls"}'),
            chunk({}, "tool_calls"),
            DONE,
        ),
    )
    stream = client(proxy).chat.completions.create(model="gpt-test", messages=conversation(), stream=True)
    calls = [c for chunk_ in stream for c in (chunk_.choices[0].delta.tool_calls or [])]
    assert (
        calls[0].function.name == "bash"
        and "".join(c.function.arguments or "" for c in calls) == '{"cmd": "ls"}'
    )  # type: ignore[union-attr]


def test_upstream_error_is_returned_unchanged(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    error = {
        "error": {
            "message": "You exceeded your current quota",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    fake.script(PATH, json_reply(error, 429))
    with pytest.raises(openai.RateLimitError) as caught:
        client(proxy).chat.completions.create(model="gpt-test", messages=conversation())
    assert caught.value.body == error["error"] and len(fake.requests) == 1


def key_for(proxy_store: MemoryStore) -> str:
    return marker_key({"model": "gpt-test", "messages": conversation()}, proxy_store, "openai_chat")


def test_stream_splice(fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore) -> None:
    key = key_for(proxy_store)
    first = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Checking. "}),
        *call_chunks(0, "call_r", "headroom_retrieve", json.dumps({"key": key, "query": "ERROR"})),
        chunk({}, "tool_calls"),
        usage_chunk(50, 10),
    ]
    second = [
        chunk({"role": "assistant", "content": ""}, ident="chatcmpl-2", created=5),
        chunk({"content": "The database refused."}, ident="chatcmpl-2", created=5),
        chunk({}, "stop", ident="chatcmpl-2", created=5),
        usage_chunk(70, 4, ident="chatcmpl-2"),
    ]
    fake.script(PATH, events(*first, DONE), events(*second, DONE))
    stream = client(proxy).chat.completions.create(
        model="gpt-test", messages=conversation(), stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert {c.id for c in chunks} == {"chatcmpl-1"} and {c.created for c in chunks} == {1700000000}
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == "Checking. The database refused."
    )
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == [
        "stop"
    ]
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.role) == 1
    usage = [c.usage for c in chunks if not c.choices]
    assert len(usage) == 1 and usage[0].completion_tokens == 14 and usage[0].prompt_tokens == 120  # type: ignore[union-attr]
    continuation = sent(fake, 1)["messages"]
    assert continuation[-2]["content"] == "Checking. "
    assert continuation[-2]["tool_calls"][0]["function"]["name"] == "headroom_retrieve"
    assert continuation[-1]["role"] == "tool" and "database connection refused" in continuation[-1]["content"]


def test_stream_splice_renumbers_a_client_call_after_a_hidden_one(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore
) -> None:
    key = key_for(proxy_store)
    mixed = [
        chunk({"role": "assistant"}),
        *call_chunks(0, "call_r", "headroom_retrieve", json.dumps({"key": key})),
        *call_chunks(1, "c3", "bash", '{"cmd": "make"}'),
        chunk({}, "tool_calls"),
    ]
    fake.script(PATH, events(*mixed, DONE))
    chunks = list(
        client(proxy).chat.completions.create(model="gpt-test", messages=conversation(), stream=True)
    )
    calls = [c for ch in chunks for c in (ch.choices[0].delta.tool_calls or [])]
    assert {c.index for c in calls} == {0} and calls[0].function.name == "bash"  # type: ignore[union-attr]
    assert chunks[-1].choices[0].finish_reason == "tool_calls" and len(fake.requests) == 1


def test_json_splice(fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore) -> None:
    key = key_for(proxy_store)
    asks = completion(
        "Looking. ",
        [
            {
                "id": "call_r",
                "type": "function",
                "function": {"name": "headroom_retrieve", "arguments": json.dumps({"key": key})},
            }
        ],
        "tool_calls",
        completion=10,
    )
    fake.script(PATH, json_reply(asks), json_reply(completion("Found it.", completion=3)))
    reply = client(proxy).chat.completions.create(model="gpt-test", messages=conversation())
    message = reply.choices[0].message
    assert (
        message.content == "Looking. Found it."
        and not message.tool_calls
        and reply.choices[0].finish_reason == "stop"
    )
    assert reply.usage and reply.usage.completion_tokens == 13
    assert sent(fake, 1)["messages"][-1]["content"] == LOG


def test_tool_choice_none_gets_no_markers(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script(PATH, json_reply(completion("ok")))
    tools = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]
    client(proxy).chat.completions.create(
        model="gpt-test", messages=conversation(), tools=tools, tool_choice="none"
    )  # type: ignore[arg-type]
    upstream = sent(fake)
    assert "retrieve: hr" not in json.dumps(upstream) and upstream["tools"] == tools
