"""Replay cassettes, the spec registry and the offline reader."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from evals.providers import (
    AnthropicProvider,
    BuildOptions,
    CassetteMiss,
    HttpConfig,
    OfflineReader,
    OpenAIChatProvider,
    OpenAIResponsesProvider,
    Provider,
    ReplayProvider,
    Request,
    Response,
    build_provider,
    request_key,
    spec_model,
)
from evals.providers._offline import answer_question, split_question
from evals.providers._replay import redact
from evals.traces import ToolCall, Usage
from headroom.errors import ConfigError
from tests.evals.providers._contract import ProviderContract

SECRET = "sk-live-abcdefghijklmnop"


class FakeProvider:
    """Counts calls and answers with the last user message reversed."""

    def __init__(self) -> None:
        self.name = "fake"
        self.calls = 0

    async def generate(self, request: Request) -> Response:
        self.calls += 1
        text = str(request.messages[-1]["content"])[::-1]
        usage = Usage(input_tokens=11, cache_read_tokens=3, cache_write_tokens=0, output_tokens=2)
        call = ToolCall("t1", "grep", '{"q": "x"}')
        return Response(text=text, tool_calls=(call,), usage=usage, model="fake-1", stop_reason="stop")


class TestFakeProviderContract(ProviderContract):
    def make(self, tmp_path: Path) -> Provider:
        return FakeProvider()


def request(text: str = "hello", policy_hash: str | None = "p1", **extra: object) -> Request:
    return Request(
        messages=[{"role": "user", "content": text}], model="m", policy_hash=policy_hash, extra=dict(extra)
    )


def test_record_then_replay_round_trip_with_redaction(tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "run.jsonl"
    fake = FakeProvider()
    recorder = ReplayProvider(path, fake, mode="record")
    req = request("question one", headers={"Authorization": f"Bearer {SECRET}"}, api_key=SECRET)
    recorded = asyncio.run(recorder.generate(req))
    asyncio.run(recorder.aclose())
    written = path.read_text()
    assert SECRET not in written and "[REDACTED:" in written
    entry = json.loads(written)
    assert entry["key"] == request_key(req, "m") and entry["request"]["last_user"] == "question one"

    player = ReplayProvider(path, mode="replay")
    assert req in player and len(player) == 1
    assert asyncio.run(player.generate(req)) == recorded
    # A different key is just as good: secrets are redacted before hashing.
    other_key = request("question one", headers={"Authorization": "Bearer sk-other-0123456789"}, api_key="x")
    assert asyncio.run(player.generate(other_key)) == recorded


def test_replay_miss_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    recorder = ReplayProvider(path, FakeProvider(), mode="record")
    asyncio.run(recorder.generate(request("a")))
    player = ReplayProvider(path, mode="replay")
    missing = request("a", policy_hash="p2")
    with pytest.raises(CassetteMiss, match=request_key(missing, "m")) as info:
        asyncio.run(player.generate(missing))
    assert isinstance(info.value, ConfigError) and info.value.key == request_key(missing, "m")
    with pytest.raises(ConfigError, match="does not exist"):
        ReplayProvider(tmp_path / "absent.jsonl", mode="replay")


def test_auto_mode_records_once_and_output_is_sorted_and_deterministic(tmp_path: Path) -> None:
    fake = FakeProvider()

    async def run(path: Path, order: list[str]) -> None:
        async with ReplayProvider(path, fake, mode="auto") as provider:
            await asyncio.gather(*(provider.generate(request(t)) for t in order))
            await provider.generate(request(order[0]))

    texts = [f"q{i}" for i in range(6)]
    asyncio.run(run(tmp_path / "a.jsonl", texts))
    assert fake.calls == 6
    asyncio.run(run(tmp_path / "b.jsonl", list(reversed(texts))))
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    keys = [json.loads(line)["key"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert keys == sorted(keys)


def test_key_covers_model_tools_extra_and_policy_hash() -> None:
    base = request("x")
    keys = {
        request_key(base, "m"),
        request_key(base, "other-model"),
        request_key(request("x", policy_hash="p9"), "m"),
        request_key(request("x", reasoning_effort="low"), "m"),
        request_key(Request(base.messages, "m", policy_hash="p1", tools=[{"type": "function"}]), "m"),
    }
    assert len(keys) == 5
    assert request_key(request("x"), "m") == request_key(base, "m")


def test_redact_reaches_every_depth() -> None:
    data = {"a": [{"X-Api-Key": "k1"}, {"api-key": "k2"}, f"token Bearer {SECRET} end"], "ok": 3}
    assert redact(data) == {
        "a": [
            {"X-Api-Key": "[REDACTED:secret]"},
            {"api-key": "[REDACTED:secret]"},
            "token Bearer [REDACTED:openai-key] end",
        ],
        "ok": 3,
    }


@pytest.mark.parametrize(
    ("spec", "kind", "model"),
    [
        ("openai:gpt-4o-mini", OpenAIChatProvider, "gpt-4o-mini"),
        ("openai-responses:gpt-5", OpenAIResponsesProvider, "gpt-5"),
        ("anthropic:claude-sonnet-4", AnthropicProvider, "claude-sonnet-4"),
        ("compat:http://localhost:8000/v1:llama3:8b", OpenAIChatProvider, "llama3:8b"),
        ("compat:http://127.0.0.1:11434:qwen", OpenAIChatProvider, "qwen"),
        ("ollama:llama3:8b", OpenAIChatProvider, "llama3:8b"),
        ("offline", OfflineReader, "offline-extractive"),
    ],
)
def test_build_provider_from_spec(spec: str, kind: type, model: str) -> None:
    env = {"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
    provider = build_provider(spec, BuildOptions(env=env))
    assert isinstance(provider, kind) and isinstance(provider, Provider)
    assert getattr(provider, "model", None) == model


def test_compat_spec_targets_its_url() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    options = BuildOptions(http=HttpConfig(transport=httpx.MockTransport(handler)), env={})
    provider = build_provider("compat:http://gpu-box:8000/v1:meta/llama-3", options)
    assert asyncio.run(provider.generate(request())).text == "ok"
    assert str(seen[0].url) == "http://gpu-box:8000/v1/chat/completions"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gemini:pro", "unknown provider kind"),
        ("openai", "needs a model"),
        ("compat:localhost:model", "compat:http"),
        ("replay:only-a-path.jsonl", "replay:PATH:SPEC"),
        ("replay@sometimes:c.jsonl:offline", "not one of"),
        ("replay:a.jsonl:replay:b.jsonl:offline", "cannot wrap"),
    ],
)
def test_bad_specs_are_config_errors(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_provider(spec, BuildOptions(env={}))


def test_missing_key_only_when_that_provider_is_built(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        build_provider("anthropic:claude-sonnet-4", BuildOptions(env={"OPENAI_API_KEY": "k"}))
    assert build_provider("openai:gpt-4o", BuildOptions(env={"OPENAI_API_KEY": "k"})).name == "openai"
    # Replaying needs no key: the inner provider is never built.
    path = tmp_path / "c.jsonl"
    recorder = ReplayProvider(path, FakeProvider(), mode="record", model="claude-sonnet-4")
    recorded = asyncio.run(recorder.generate(request("hi")))
    player = build_provider(f"replay:{path}:anthropic:claude-sonnet-4", BuildOptions(env={}))
    assert isinstance(player, ReplayProvider) and player.model == "claude-sonnet-4"
    assert asyncio.run(player.generate(request("hi"))) == recorded
    recording = build_provider(f"replay@record:{path}:anthropic:claude-sonnet-4", BuildOptions(env={}))
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        asyncio.run(recording.generate(request("new")))


def test_replay_spec_around_offline_records_and_replays(tmp_path: Path) -> None:
    path = tmp_path / "dir:with:colons" / "c.jsonl"
    req = Request([{"role": "user", "content": "The port is 8080.\nWhat is the port?"}], model="")
    assert spec_model(f"replay:{path}:ollama:llama3:8b") == "llama3:8b"
    first = build_provider(f"replay:{path}:offline", BuildOptions(replay_mode="auto"))
    answer = asyncio.run(first.generate(req))
    assert answer.text == "8080"
    again = build_provider(f"replay:{path}:offline")
    assert asyncio.run(again.generate(req)) == answer


CONTEXT = (
    "The service listens on the default port. The default port is 8080. Logs rotate daily.\n"
    "Parsing failed for config/app.yaml: unexpected token at line 4.\n"
    "The release shipped on 2024-03-15 after review.\n"
    "Alice Martin approved the migration, and Bob reviewed it. The table has 1,204 rows in total.\n"
    "Disk usage reached 93% on /var."
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the default port?", "8080"),
        ("Which file failed to parse?", "config/app.yaml"),
        ("When did the release ship?", "2024-03-15"),
        ("Who approved the migration?", "Alice Martin"),
        ("How many rows does the table have?", "1,204"),
        ("How much disk usage was reached?", "93%"),
        ("What happens to logs?", "Logs rotate daily"),
        ("What is the capital of Mars?", ""),
    ],
)
def test_offline_reader_answers_extractively(question: str, expected: str) -> None:
    assert answer_question(question, [CONTEXT]) == expected


def test_offline_reader_reads_tool_output_and_ignores_markers() -> None:
    marker = "[40 lines omitted (INFO); retrieve: hr_0123456789abcdef01234567]"
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Run the tests."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]},
        {
            "role": "tool",
            "tool_call_id": "c",
            "content": f"collected 12 items\n{marker}\n3 failed, 9 passed in 2.1s",
        },
        {"role": "user", "content": "Question: how many tests failed"},
    ]
    question, context = split_question(messages)
    assert question == "how many tests failed" and context[1] == "Run the tests." and context[-1] == ""
    response = asyncio.run(OfflineReader().generate(Request(messages, model="")))
    assert response.text == "3"
    assert response.usage.input_tokens is not None and response.usage.input_tokens > 20
    assert response.usage.output_tokens == 1 and response.model == "offline-extractive"
    assert asyncio.run(OfflineReader().generate(Request(messages, model=""))) == response


def test_offline_reader_question_inside_the_context_message() -> None:
    text = "Build notes:\nThe cache directory is /tmp/hr-cache.\nThe build took 41 s.\n\nWhere is the cache directory?"
    question, context = split_question([{"role": "user", "content": text}])
    assert question == "Where is the cache directory?" and "/tmp/hr-cache" in context[-1]
    assert answer_question(question, context) == "/tmp/hr-cache"
    assert answer_question("", context) == "" and answer_question("what?", []) == ""


def test_offline_reader_answers_from_a_compressed_log() -> None:
    from headroom import compress_text
    from headroom.ccr import MemoryStore, parse_markers

    lines = [
        f"2026-01-01 10:{i // 60:02d}:{i % 60:02d} INFO request {i} served in {i % 7} ms" for i in range(300)
    ]
    lines.insert(150, "2026-01-01 10:02:30 ERROR database connection refused: host db-7 port 5433")
    question = "Which host refused the database connection?"
    compressed = compress_text("\n".join(lines), query=question, store=MemoryStore())
    assert parse_markers(compressed.text) and compressed.tokens_out < compressed.tokens_in
    messages = [
        {"role": "tool", "tool_call_id": "c", "content": compressed.text},
        {"role": "user", "content": question},
    ]
    response = asyncio.run(OfflineReader().generate(Request(messages, model="")))
    assert "db-7" in response.text
