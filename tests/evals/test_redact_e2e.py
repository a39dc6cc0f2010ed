"""Secrets planted everywhere a run can see them never reach a file it writes.

Record cassettes through every vendor client, run a suite end to end (probes, reports, mlflow)
through a recording replay provider and against an upstream that echoes the rejected key in
its 401, log what happens, then grep every file under the test's folder for every planted
secret. Upstreams are ``httpx.MockTransport`` fakes; nothing touches a network.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from evals.cli import run_suite
from evals.providers import (
    AnthropicProvider,
    HttpConfig,
    OpenAIChatProvider,
    OpenAIResponsesProvider,
    Provider,
    ReplayProvider,
    Request,
    compat_provider,
)
from headroom.errors import UpstreamError
from headroom.redaction import install_log_redaction, uninstall_log_redaction

# Each planted secret is unique, so a hit names the path that leaked it.
SECRETS = {
    "metadata.token": "mdtok-9Q2vX7pL4kR8",
    "password": "correct-horse-battery-staple-42",
    "x-goog-api-key": "goog-plain-Zk3Pq8Wm1Rt6",
    "bearer header": "opaque.bearer-Tk92hd7Q",
    "aws key id": "AKIA" + "Q3PLANTED7K2M4N8",
    "aws secret": "q8Zt3PlantedAwsSecretKeyValue+0123456789",
    "github token": "ghp_" + "Pl4nt3dGitHubT0ken" * 2,
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.cGxhbnRlZC1zaWduYXR1cmU",
    "response text": "xoxb-2024-planted-slack-Response9",
    "tool-call arguments": "tool-arg-password-Hq72Lm",
    "tool-call api key": "sk-ant-api03-ToolCallPlanted0123456789",
    "configured key (401 echo)": "hrtest-configured-upstream-key-5521",
    "probe context stripe": "sk_live_51PlantedStripeKey0099",
    "probe context pem": "MIIEvQIBADANBgkqhkiG9wPLANTEDpem",
    "probe context url password": "Db-Pa55word-Planted",
    "probe context presigned": "a1b2c3d4e5f6planted0sig",
    "compat url password": "compatUrlPass77",
}
# httpx sends URL credentials as Basic auth; an upstream echoing that header leaks them encoded.
SECRETS["compat url basic auth"] = base64.b64encode(b"user:compatUrlPass77").decode()
S = SECRETS
USER_TEXT = (
    f"Deploy with {S['aws key id']} / {S['aws secret']}, push with {S['github token']}, "
    f"session cookie {S['jwt']}. What failed?"
)
CONTEXT_LINES = [
    f"config STRIPE={S['probe context stripe']}",
    f"key -----BEGIN PRIVATE KEY-----\\n{S['probe context pem']}\\n-----END PRIVATE KEY-----",
    f"dsn postgres://app:{S['probe context url password']}@db.internal:5432/orders",
    f"download https://b.s3.amazonaws.com/o.tar?X-Amz-Signature={S['probe context presigned']}&x=1",
]


def _request() -> Request:
    extra = {
        "metadata": {"token": S["metadata.token"], "user": "ana"},
        "password": S["password"],
        "x-goog-api-key": S["x-goog-api-key"],
        "headers": {"Authorization": f"Bearer {S['bearer header']}"},
    }
    return Request(messages=[{"role": "user", "content": USER_TEXT}], model="m", extra=extra)


REPLY = f"Found it: {S['response text']}"
ARGUMENTS = {"password": S["tool-call arguments"], "api_key": S["tool-call api key"], "path": "a.py"}
USAGE = {"prompt_tokens": 10, "completion_tokens": 2}


def _chat_body(text: str) -> dict[str, Any]:
    call = {"id": "c1", "function": {"name": "lookup", "arguments": json.dumps(ARGUMENTS)}}
    message = {"content": text, "tool_calls": [call]}
    return {"choices": [{"finish_reason": "stop", "message": message}], "usage": USAGE}


def _responses_body(_: str) -> dict[str, Any]:
    return {
        "status": "completed",
        "output": [
            {"type": "message", "content": [{"type": "output_text", "text": REPLY}]},
            {"type": "function_call", "call_id": "f1", "name": "lookup", "arguments": json.dumps(ARGUMENTS)},
        ],
        "usage": {"input_tokens": 10, "output_tokens": 2},
    }


def _anthropic_body(_: str) -> dict[str, Any]:
    return {
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": REPLY},
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": ARGUMENTS},
        ],
        "usage": {"input_tokens": 10, "output_tokens": 2},
    }


def _http(body: Callable[[str], dict[str, Any]], status: int = 200) -> HttpConfig:
    def handler(request: httpx.Request) -> httpx.Response:
        if status != 200:
            key = request.headers.get("authorization", "").removeprefix("Bearer ")
            # Like real vendors: the rejected key is echoed back in the error message.
            return httpx.Response(status, json={"error": {"message": f"Incorrect API key provided: {key}"}})
        return httpx.Response(200, json=body(REPLY))

    return HttpConfig(transport=httpx.MockTransport(handler), max_attempts=1)


def _echo_tool_output() -> HttpConfig:
    """An upstream that answers with the whole tool output, so every context secret is in the prediction."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        tool = next((m["content"] for m in sent["messages"] if m["role"] == "tool"), "")
        return httpx.Response(200, json=_chat_body(str(tool) or "nothing"))

    return HttpConfig(transport=httpx.MockTransport(handler), max_attempts=1)


PROVIDERS: dict[str, Callable[[], Provider]] = {
    "openai": lambda: OpenAIChatProvider(
        "gpt-x", api_key="sk-proj-RecordKeyPlanted00000001", http=_http(_chat_body)
    ),
    "responses": lambda: OpenAIResponsesProvider(
        "gpt-x", api_key="sk-proj-RecordKeyPlanted00000002", http=_http(_responses_body)
    ),
    "anthropic": lambda: AnthropicProvider(
        "claude-x", api_key="sk-ant-api03-RecordKeyPlanted0003", http=_http(_anthropic_body)
    ),
    "compat": lambda: compat_provider(
        "http://llm.internal:8000/v1", "local-x", api_key="compat-plain-key-0004", http=_http(_chat_body)
    ),
}
RECORD_KEYS = (
    "sk-proj-RecordKeyPlanted00000001",
    "sk-proj-RecordKeyPlanted00000002",
    "sk-ant-api03-RecordKeyPlanted0003",
    "compat-plain-key-0004",
)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything logged at DEBUG, by any logger, goes to a file under the test's folder."""
    path = tmp_path / "logs" / "run.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_log_redaction()
    yield path
    uninstall_log_redaction()
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def _suite(folder: Path) -> Path:
    probe = {
        "id": "leaky-config",
        "context": "\n".join(CONTEXT_LINES),
        "question": f"Which line uses {S['github token']}?",
        "answers": [CONTEXT_LINES[0]],
        "label": "log",
    }
    (folder / "probes.jsonl").write_text(json.dumps(probe) + "\n")
    suite = {"name": "leaky", "probes": "probes.jsonl", "policies": {"default": "default"}}
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(suite))
    return path


async def _record_then_replay(path: Path, factory: Callable[[], Provider]) -> None:
    async with ReplayProvider(path, factory, mode="record", model="m") as recorder:
        recorded = await recorder.generate(_request())
    # The key is stable after redaction: the same request replays without a network.
    async with ReplayProvider(path, mode="replay", model="m") as player:
        assert await player.generate(_request()) == recorded


def _record_every_vendor(folder: Path) -> None:
    for name, factory in PROVIDERS.items():
        path = folder / "cassettes" / f"{name}.jsonl"
        asyncio.run(_record_then_replay(path, factory))
        logging.getLogger("tests.e2e").info("recorded %s: %s", name, path.read_text())


def _run_suites(folder: Path) -> dict[str, Any]:
    inputs = folder / "inputs"
    inputs.mkdir()
    suite = _suite(inputs)
    recorder = ReplayProvider(
        folder / "cassettes" / "suite.jsonl",
        lambda: OpenAIChatProvider("gpt-x", api_key=RECORD_KEYS[0], http=_echo_tool_output()),
        mode="record",
    )
    ok = run_suite(suite, [], folder / "reports" / "ok", use_mlflow=True, provider=recorder)
    asyncio.run(recorder.aclose())
    rejecting = OpenAIChatProvider(
        "gpt-x", api_key=S["configured key (401 echo)"], http=_http(_chat_body, 401)
    )
    failed = run_suite(suite, [], folder / "reports" / "rejected", use_mlflow=True, provider=rejecting)
    return {"ok": ok, "failed": failed}


def _direct_errors() -> None:
    """Upstream errors raised outside a suite, logged the way an application would log them."""
    url = f"http://user:{S['compat url password']}@llm.internal:8000/v1"
    clients: list[Provider] = [
        OpenAIChatProvider("gpt-x", api_key=S["configured key (401 echo)"], http=_http(_chat_body, 401)),
        compat_provider(url, "local-x", http=_http(_chat_body, 401)),
    ]
    for client in clients:
        with pytest.raises(UpstreamError) as caught:
            asyncio.run(client.generate(_request()))
        logging.getLogger("tests.e2e").error("upstream failed: %s", caught.value)


@pytest.mark.usefixtures("log_file")
def test_no_planted_secret_reaches_any_written_file(tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="mlflow (extra 'evals') is not installed")
    _record_every_vendor(tmp_path)
    summaries = _run_suites(tmp_path)
    _direct_errors()
    logging.getLogger("tests.e2e").info("summaries %s", json.dumps(summaries))

    # Everything but the suite and probes the test wrote as input (they hold the secrets on purpose).
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "inputs" not in p.parts]
    kinds = {p.name for p in written} | {p.suffix for p in written}
    # The flow really wrote every kind of artifact that is grepped below.
    assert {"openai.jsonl", "responses.jsonl", "anthropic.jsonl", "compat.jsonl", "suite.jsonl"} <= kinds
    assert {"samples.jsonl", "summary.json", "report.html", "mlflow.db", "run.log"} <= kinds
    assert any("mlruns" in p.parts and p.name == "samples.jsonl" for p in written), "mlflow artifacts"
    hits = [
        f"{what} in {path.relative_to(tmp_path)}"
        for path in written
        for what, secret in [*SECRETS.items(), *((f"record key {k}", k) for k in RECORD_KEYS)]
        if secret.encode() in path.read_bytes()
    ]
    assert hits == []
    rejected = (tmp_path / "reports" / "rejected" / "samples.jsonl").read_text()
    assert "401" in rejected and "[REDACTED:credential]" in rejected, "the error is kept, the key is not"


def test_recorded_cassettes_keep_their_shape_and_readable_fields(tmp_path: Path) -> None:
    _record_every_vendor(tmp_path)
    for name in PROVIDERS:
        entry = json.loads((tmp_path / "cassettes" / f"{name}.jsonl").read_text())
        response = entry["response"]
        assert response["text"] == "Found it: [REDACTED:slack-token]"
        arguments = json.loads(response["tool_calls"][0]["arguments"])
        assert arguments == {"password": "[REDACTED:secret]", "api_key": "[REDACTED:secret]", "path": "a.py"}
        assert entry["request"]["extra"]["metadata"] == {"token": "[REDACTED:secret]", "user": "ana"}
        assert response["usage"]["input_tokens"] == 10
