"""The contract every provider keeps: one test class per implementation inherits it.

A subclass says how its provider is built (``make``); network providers inherit
:class:`NetworkProviderContract` instead and say how they are built over an injected HTTP
config and what a successful vendor body looks like, and so also prove that every failure
reaches the caller as an :class:`~headroom.errors.UpstreamError`.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from evals.providers import HttpConfig, Provider, Request, Response
from evals.traces import ToolCall, Usage
from headroom.errors import UpstreamError, UpstreamStatusError

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
]
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Open app.py"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "read_file", "arguments": '{"path": "app.py"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "print('hi')"},
    {"role": "user", "content": "What does it print?"},
]
REQUEST = Request(messages=MESSAGES, model="ignored-model", max_tokens=64, tools=TOOLS)
"""A conversation with a system prompt, a tool call, its result and a question."""


async def _no_wait(seconds: float) -> None:
    """Retries in these tests do not sleep."""


def mock_http(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> HttpConfig:
    """An HTTP config whose every request is answered by ``handler``, without waiting between retries."""
    return HttpConfig(transport=httpx.MockTransport(handler), seed=7, sleep=_no_wait, **kw)


def _answer(provider: Provider, request: Request = REQUEST) -> Response:
    return asyncio.run(provider.generate(request))


def _count(value: int | None) -> bool:
    return value is None or (isinstance(value, int) and value >= 0)


class ProviderContract:
    """What every :class:`~evals.providers.Provider` does, whatever answers behind it."""

    def make(self, tmp_path: Path) -> Provider:
        """The provider under test, answering :data:`REQUEST` the same way every time."""
        raise NotImplementedError

    @pytest.fixture
    def provider(self, tmp_path: Path) -> Provider:
        return self.make(tmp_path)

    def test_it_is_a_provider_with_a_name(self, provider: Provider) -> None:
        assert isinstance(provider, Provider)
        assert isinstance(provider.name, str) and provider.name

    def test_the_response_is_well_formed(self, provider: Provider) -> None:
        response = _answer(provider)
        assert isinstance(response, Response) and isinstance(response.text, str)
        assert isinstance(response.tool_calls, tuple)
        for call in response.tool_calls:
            assert isinstance(call, ToolCall) and call.id and call.name
            json.loads(call.arguments)  # arguments travel as JSON text
        assert isinstance(response.usage, Usage)
        usage = response.usage
        counts = (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens, usage.output_tokens)
        assert all(_count(n) for n in counts)
        assert isinstance(response.model, str)
        assert response.stop_reason is None or isinstance(response.stop_reason, str)

    def test_the_request_is_left_as_it_was(self, provider: Provider) -> None:
        request = copy.deepcopy(REQUEST)
        _answer(provider, request)
        assert request == REQUEST

    def test_the_same_request_gets_the_same_response(self, provider: Provider) -> None:
        assert _answer(provider) == _answer(provider)

    def test_concurrent_requests_are_each_answered(self, provider: Provider) -> None:
        async def answer_all() -> list[Response]:
            return list(await asyncio.gather(*(provider.generate(REQUEST) for _ in range(4))))

        first, *rest = asyncio.run(answer_all())
        assert all(response == first for response in rest)


class NetworkProviderContract(ProviderContract):
    """A vendor client: built over an injected transport; failures are :class:`UpstreamError`."""

    body: ClassVar[dict[str, Any]]
    """A successful response body of the vendor's API."""

    def build(self, http: HttpConfig) -> Provider:
        """The client under test, with a key, talking through ``http``."""
        raise NotImplementedError

    def make(self, tmp_path: Path) -> Provider:
        return self.build(mock_http(lambda _: httpx.Response(200, json=self.body)))

    def test_a_server_error_is_an_upstream_status_error(self) -> None:
        provider = self.build(mock_http(lambda _: httpx.Response(503, json={"error": {"message": "down"}})))
        with pytest.raises(UpstreamStatusError) as info:
            _answer(provider)
        assert info.value.status_code == 503

    def test_an_unreachable_server_is_an_upstream_error(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        with pytest.raises(UpstreamError):
            _answer(self.build(mock_http(refuse, max_attempts=2)))

    def test_a_body_that_is_not_json_is_an_upstream_error(self) -> None:
        provider = self.build(mock_http(lambda _: httpx.Response(200, text="<html>a captive portal</html>")))
        with pytest.raises(UpstreamError):
            _answer(provider)
