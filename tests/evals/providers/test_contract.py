"""Every provider implementation, real client or fake, inherits the provider contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from evals.probes import Probe
from evals.providers import (
    AnthropicProvider,
    HttpConfig,
    OfflineReader,
    OpenAIChatProvider,
    OpenAIResponsesProvider,
    Provider,
    ReplayProvider,
    compat_provider,
)
from tests.evals._fakes import Retriever, Spotter
from tests.evals.providers._contract import NetworkProviderContract, ProviderContract
from tests.evals.providers.test_http import CHAT_BODY

PROBES = [Probe(id="p1", context="print('hi')", question="Open app.py", answers=("hi",))]


class TestOpenAIChat(NetworkProviderContract):
    body = CHAT_BODY

    def build(self, http: HttpConfig) -> Provider:
        return OpenAIChatProvider("gpt-4o-mini", api_key="sk-test", http=http)


class TestCompat(NetworkProviderContract):
    body: ClassVar[dict[str, Any]] = {**CHAT_BODY, "usage": {"prompt_tokens": 5}}

    def build(self, http: HttpConfig) -> Provider:
        return compat_provider("http://localhost:8000/v1", "llama3:8b", http=http)


class TestOpenAIResponses(NetworkProviderContract):
    body: ClassVar[dict[str, Any]] = {
        "model": "gpt-5-mini",
        "status": "completed",
        "output": [
            {"type": "message", "content": [{"type": "output_text", "text": "It prints hi."}]},
            {"type": "function_call", "call_id": "fc1", "name": "read_file", "arguments": "{}"},
        ],
        "usage": {"input_tokens": 300, "input_tokens_details": {"cached_tokens": 256}, "output_tokens": 12},
    }

    def build(self, http: HttpConfig) -> Provider:
        return OpenAIResponsesProvider("gpt-5-mini", api_key="sk-test", http=http)


class TestAnthropic(NetworkProviderContract):
    body: ClassVar[dict[str, Any]] = {
        "model": "claude-sonnet-4-x",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Reading."},
            {"type": "tool_use", "id": "tu1", "name": "read_file", "input": {"path": "c.py"}},
        ],
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 1000, "output_tokens": 30},
    }

    def build(self, http: HttpConfig) -> Provider:
        return AnthropicProvider("claude-sonnet-4", api_key="ak-test", http=http)


class TestOfflineReader(ProviderContract):
    def make(self, tmp_path: Path) -> Provider:
        return OfflineReader()


class TestReplay(ProviderContract):
    """Recording on the first call, replaying after: the same answers either way."""

    def make(self, tmp_path: Path) -> Provider:
        return ReplayProvider(tmp_path / "cassette.jsonl", OfflineReader(), mode="auto")


class TestSpotterFake(ProviderContract):
    def make(self, tmp_path: Path) -> Provider:
        return Spotter(PROBES)


class TestRetrieverFake(ProviderContract):
    def make(self, tmp_path: Path) -> Provider:
        return Retriever(PROBES)
