"""Vendor clients over httpx.MockTransport: request shapes, usage, retries, timeouts, concurrency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from evals.providers import (
    AnthropicProvider,
    ChatOptions,
    HttpConfig,
    OpenAIChatProvider,
    OpenAIResponsesProvider,
    Request,
    compat_provider,
)
from evals.providers._http import parse_retry_after
from headroom.errors import ConfigError, UpstreamError, UpstreamStatusError, UpstreamTimeout
from tests.evals.providers._contract import MESSAGES, REQUEST, TOOLS

Handler = Callable[[httpx.Request], httpx.Response]

CHAT_BODY = {
    "model": "gpt-4o-mini-2024",
    "choices": [
        {
            "finish_reason": "tool_calls",
            "message": {
                "content": "Let me look.",
                "tool_calls": [
                    {"id": "c2", "function": {"name": "read_file", "arguments": '{"path":"b.py"}'}}
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 120, "completion_tokens": 9, "prompt_tokens_details": {"cached_tokens": 64}},
}


class Recorder:
    """Collects the delays a provider would have slept."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def config(handler: Handler | Callable[[httpx.Request], Awaitable[httpx.Response]], **kw: Any) -> HttpConfig:
    return HttpConfig(transport=httpx.MockTransport(handler), seed=7, **kw)


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        item = responses[min(len(seen), len(responses) - 1)]
        seen.append(request)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_openai_chat_request_shape_and_usage() -> None:
    handler, seen = sequence(httpx.Response(200, json=CHAT_BODY))
    provider = OpenAIChatProvider("gpt-4o-mini", api_key="sk-test-123456789", http=config(handler))
    response = asyncio.run(provider.generate(REQUEST))
    sent = json.loads(seen[0].content)
    assert str(seen[0].url) == "https://api.openai.com/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer sk-test-123456789"
    assert sent["model"] == "gpt-4o-mini" and sent["messages"] == MESSAGES and sent["tools"] == TOOLS
    assert sent["max_completion_tokens"] == 64 and sent["temperature"] == 0.0
    assert response.text == "Let me look." and response.model == "gpt-4o-mini-2024"
    assert (
        response.tool_calls[0].name == "read_file" and response.tool_calls[0].arguments == '{"path":"b.py"}'
    )
    assert (response.usage.input_tokens, response.usage.cache_read_tokens, response.usage.output_tokens) == (
        120,
        64,
        9,
    )
    assert response.stop_reason == "tool_calls"


def test_openai_reasoning_effort_drops_temperature() -> None:
    handler, seen = sequence(httpx.Response(200, json=CHAT_BODY))
    provider = OpenAIChatProvider("o4-mini", api_key="k", http=config(handler))
    request = Request(messages=MESSAGES[:2], model="", extra={"reasoning_effort": "low"})
    asyncio.run(provider.generate(request))
    sent = json.loads(seen[0].content)
    assert sent["reasoning_effort"] == "low" and "temperature" not in sent and "tools" not in sent


def test_compat_server_uses_base_url_max_tokens_and_no_key() -> None:
    handler, seen = sequence(httpx.Response(200, json={**CHAT_BODY, "usage": {"prompt_tokens": 5}}))
    provider = compat_provider("http://localhost:8000/v1/", "llama3:8b", http=config(handler))
    response = asyncio.run(provider.generate(REQUEST))
    sent = json.loads(seen[0].content)
    assert str(seen[0].url) == "http://localhost:8000/v1/chat/completions"
    assert "authorization" not in seen[0].headers
    assert sent["max_tokens"] == 64 and sent["model"] == "llama3:8b"
    assert provider.name == "compat" and response.usage.input_tokens == 5
    assert response.usage.cache_read_tokens is None


def test_responses_request_shape_and_usage() -> None:
    body = {
        "model": "gpt-5-mini",
        "status": "completed",
        "output": [
            {"type": "reasoning", "summary": []},
            {"type": "message", "content": [{"type": "output_text", "text": "It prints hi."}]},
            {"type": "function_call", "call_id": "fc1", "name": "read_file", "arguments": "{}"},
        ],
        "usage": {"input_tokens": 300, "input_tokens_details": {"cached_tokens": 256}, "output_tokens": 12},
    }
    handler, seen = sequence(httpx.Response(200, json=body))
    provider = OpenAIResponsesProvider("gpt-5-mini", api_key="k", http=config(handler))
    request = Request(MESSAGES, "", max_tokens=64, tools=TOOLS, extra={"reasoning_effort": "minimal"})
    response = asyncio.run(provider.generate(request))
    sent = json.loads(seen[0].content)
    assert str(seen[0].url).endswith("/v1/responses")
    assert sent["reasoning"] == {"effort": "minimal"} and "temperature" not in sent and sent["store"] is False
    assert sent["max_output_tokens"] == 64
    assert sent["tools"][0] == {
        "type": "function",
        "name": "read_file",
        "description": "Read a file",
        "parameters": TOOLS[0]["function"]["parameters"],
    }
    kinds = [item.get("type", item.get("role")) for item in sent["input"]]
    assert kinds == ["system", "user", "function_call", "function_call_output", "user"]
    assert sent["input"][3] == {"type": "function_call_output", "call_id": "call_1", "output": "print('hi')"}
    assert response.text == "It prints hi." and response.tool_calls[0].id == "fc1"
    assert (response.usage.input_tokens, response.usage.cache_read_tokens, response.usage.output_tokens) == (
        300,
        256,
        12,
    )
    assert response.stop_reason == "completed"


def test_anthropic_request_shape_and_usage() -> None:
    body = {
        "model": "claude-sonnet-4-x",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Reading."},
            {"type": "tool_use", "id": "tu1", "name": "read_file", "input": {"path": "c.py"}},
        ],
        "usage": {
            "input_tokens": 10,
            "cache_read_input_tokens": 1000,
            "cache_creation_input_tokens": 200,
            "output_tokens": 30,
        },
    }
    handler, seen = sequence(httpx.Response(200, json=body))
    provider = AnthropicProvider("claude-sonnet-4", api_key="ak-secret", http=config(handler))
    response = asyncio.run(provider.generate(REQUEST))
    sent = json.loads(seen[0].content)
    assert str(seen[0].url) == "https://api.anthropic.com/v1/messages"
    assert (
        seen[0].headers["x-api-key"] == "ak-secret" and seen[0].headers["anthropic-version"] == "2023-06-01"
    )
    assert sent["system"] == "You are terse." and sent["max_tokens"] == 64
    assert sent["tools"] == [
        {
            "name": "read_file",
            "description": "Read a file",
            "input_schema": TOOLS[0]["function"]["parameters"],
        }
    ]
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "read_file", "input": {"path": "app.py"}}
    ]
    assert sent["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "print('hi')"},
        {"type": "text", "text": "What does it print?"},
    ]
    usage = response.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens, usage.output_tokens) == (
        1210,
        1000,
        200,
        30,
    )
    assert response.text == "Reading." and json.loads(response.tool_calls[0].arguments) == {"path": "c.py"}
    assert response.stop_reason == "tool_use"


@pytest.mark.parametrize(
    ("build", "variable"),
    [
        (lambda env: OpenAIChatProvider("m", options=ChatOptions(env=env)), "OPENAI_API_KEY"),
        (lambda env: OpenAIResponsesProvider("m", env=env), "OPENAI_API_KEY"),
        (lambda env: AnthropicProvider("m", env=env), "ANTHROPIC_API_KEY"),
    ],
)
def test_missing_key_names_the_variable(build: Callable[[dict[str, str]], object], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        build({})
    assert build({variable: "k"}) is not None


def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    handler, seen = sequence(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"message": "slow down"}}),
        httpx.Response(429, headers={"retry-after-ms": "250"}),
        httpx.Response(200, json=CHAT_BODY),
    )
    sleep = Recorder()
    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, sleep=sleep))
    response = asyncio.run(provider.generate(REQUEST))
    assert len(seen) == 3 and sleep.delays == [3.0, 0.25]
    assert response.text == "Let me look."


def test_server_errors_retry_with_growing_jittered_backoff_then_raise() -> None:
    handler, seen = sequence(httpx.Response(500, json={"error": {"message": "boom"}}))
    sleep = Recorder()
    provider = AnthropicProvider("m", api_key="k", http=config(handler, sleep=sleep, max_attempts=4))
    with pytest.raises(UpstreamStatusError, match="boom") as info:
        asyncio.run(provider.generate(REQUEST))
    assert info.value.status_code == 500 and len(seen) == 4
    assert len(sleep.delays) == 3
    for attempt, delay in enumerate(sleep.delays, 1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling
    again = Recorder()
    handler2, _ = sequence(httpx.Response(500))
    provider2 = AnthropicProvider("m", api_key="k", http=config(handler2, sleep=again, max_attempts=4))
    with pytest.raises(UpstreamStatusError):
        asyncio.run(provider2.generate(REQUEST))
    assert again.delays == sleep.delays  # seeded jitter is reproducible


def test_client_errors_are_not_retried() -> None:
    handler, seen = sequence(httpx.Response(400, json={"error": {"message": "bad tools"}}))
    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, sleep=Recorder()))
    with pytest.raises(UpstreamStatusError, match="400: bad tools") as info:
        asyncio.run(provider.generate(REQUEST))
    assert info.value.status_code == 400 and len(seen) == 1


def test_timeouts_retry_then_raise_upstream_timeout() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"))
    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, sleep=Recorder(), max_attempts=3))
    with pytest.raises(UpstreamTimeout) as info:
        asyncio.run(provider.generate(REQUEST))
    assert isinstance(info.value.__cause__, httpx.TimeoutException) and len(seen) == 3


def test_timeout_then_success() -> None:
    handler, seen = sequence(httpx.ConnectTimeout("slow"), httpx.Response(200, json=CHAT_BODY))
    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, sleep=Recorder()))
    assert asyncio.run(provider.generate(REQUEST)).text == "Let me look." and len(seen) == 2


def test_connection_errors_and_non_json_bodies_are_upstream_errors() -> None:
    handler, _ = sequence(httpx.ConnectError("refused"))
    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, sleep=Recorder(), max_attempts=2))
    with pytest.raises(UpstreamError, match="unreachable"):
        asyncio.run(provider.generate(REQUEST))
    handler2, _ = sequence(httpx.Response(200, text="<html>proxy</html>"))
    provider2 = OpenAIChatProvider("m", api_key="k", http=config(handler2))
    with pytest.raises(UpstreamError, match="not JSON"):
        asyncio.run(provider2.generate(REQUEST))


def test_concurrency_limit_is_respected() -> None:
    state = {"now": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return httpx.Response(200, json=CHAT_BODY)

    provider = OpenAIChatProvider("m", api_key="k", http=config(handler, max_concurrency=3))

    async def burst() -> int:
        results = await asyncio.gather(*(provider.generate(REQUEST) for _ in range(12)))
        await provider.aclose()
        return len(results)

    assert asyncio.run(burst()) == 12
    assert state["peak"] == 3
    # A second event loop gets a fresh client and semaphore.
    assert asyncio.run(burst()) == 12


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    now = 1445412480.0  # 07:28:00 GMT that day
    assert parse_retry_after(httpx.Headers(headers), now=now) == expected


def test_no_model_anywhere_is_a_config_error() -> None:
    handler, _ = sequence(httpx.Response(200, json=CHAT_BODY))
    provider = OpenAIChatProvider(api_key="k", http=config(handler))
    with pytest.raises(ConfigError, match="no model"):
        asyncio.run(provider.generate(Request(messages=MESSAGES, model="")))
