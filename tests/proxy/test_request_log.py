"""One log line per request, written by the real SDKs' calls through the proxy: its fields, and no secret in it."""

from __future__ import annotations

import json
import logging
import shlex
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from headroom.ccr import MemoryStore
from headroom.errors import ConfigError
from headroom.proxy._request_log import LineFormatter, request_logging
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, events, json_reply
from tests.proxy.test_anthropic import MESSAGE, retrieval_turn, stream_round, text, tool
from tests.proxy.test_fail_open import BODY, raising, running
from tests.proxy.test_openai_chat import completion
from tests.proxy.test_openai_chat import conversation as chat_conversation

ANTHROPIC_KEY = "sk-ant-api03-SECRET-anthropic-key"
OPENAI_KEY = "sk-proj-SECRET-openai-key"
SESSION = "claude-session-7f3a"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def written(path: Path, count: int) -> None:
    """Wait for ``count`` lines: a stream's line is written once its last byte is sent, just after the client has it."""
    deadline = time.monotonic() + 10
    while len(path.read_text().splitlines()) < count:
        assert time.monotonic() < deadline, path.read_text()
        time.sleep(0.02)


def no_secret_in(path: Path, *secrets: str) -> None:
    written = path.read_text()
    for secret in (ANTHROPIC_KEY, OPENAI_KEY, *secrets):
        assert secret not in written


def test_a_spliced_anthropic_stream_logs_one_line_with_its_counts(
    fake: FakeUpstream, proxy: BackgroundServer, proxy_store: MemoryStore, tmp_path: Path
) -> None:
    messages, key = retrieval_turn(proxy_store)
    first = stream_round(
        text("Checking. "), tool("headroom_retrieve", "tu_r", {"key": key, "query": "ERROR"}), stop="tool_use"
    )
    second = stream_round(text("The database refused the connection."), stop="end_turn", msg_id="msg_2")
    fake.script("/v1/messages", events(*first), events(*second))
    client = anthropic.Anthropic(
        base_url=proxy.url,
        api_key=ANTHROPIC_KEY,
        max_retries=0,
        default_headers={"x-api-key": ANTHROPIC_KEY, "x-claude-code-session-id": SESSION},
    )
    log = tmp_path / "requests.log"
    with (
        request_logging(log, "json"),
        client.messages.stream(model="claude-test", max_tokens=100, messages=messages) as stream,
    ):
        final = stream.get_final_message()
        written(log, 1)
    assert final.stop_reason == "end_turn" and len(fake.requests) == 2
    (line,) = lines(log)
    assert line["method"] == "POST" and line["path"] == "/v1/messages"
    assert line["shape"] == "anthropic_messages" and line["model"] == "claude-test"
    assert line["status"] == 200 and line["stream"] is True and line["client_gone"] is False
    assert line["session"] == SESSION and line["fail_open"] is None and line["error"] is None
    assert line["retrievals"] == 1 and line["rounds"] == 1
    assert line["tokens_in"] > line["tokens_out"] > 0
    assert line["tokens_saved"] == line["tokens_in"] - line["tokens_out"]
    assert line["upstream_ms"] > 0 and line["compress_ms"] >= 0
    assert line["total_ms"] >= line["upstream_ms"]
    assert line["request_id"].startswith("hr-") and line["ts"].endswith("Z")
    # Neither the conversation, nor the original the proxy fetched from the store to answer the call.
    no_secret_in(log, "Why did the build fail?", "database connection refused", key)


def test_openai_calls_log_status_fail_open_and_no_key(
    fake: FakeUpstream, proxy: BackgroundServer, tmp_path: Path
) -> None:
    fake.script(
        "/v1/chat/completions",
        json_reply(completion("It failed.")),
        json_reply({"error": {"message": "slow down", "type": "rate_limit"}}, status=429),
    )
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=OPENAI_KEY, max_retries=0)
    log = tmp_path / "requests.txt"
    with request_logging(log, "text"):
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-test", messages=chat_conversation(), extra_headers={"x-headroom-bypass": "true"}
        )
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="gpt-test", messages=chat_conversation())
        written(log, 2)
    first, second = (
        dict(pair.split("=", 1) for pair in shlex.split(row)[1:]) for row in log.read_text().splitlines()
    )
    assert first["request_id"] == raw.headers["x-headroom-request-id"]
    assert first["shape"] == "openai_chat" and first["path"] == "/v1/chat/completions"
    assert first["status"] == "200" and first["stream"] == "false" and first["fail_open"] == "bypass"
    assert first["tokens_saved"] == "0" and "retrievals" in first
    assert second["status"] == "429" and "fail_open" not in second  # compressed, then refused upstream
    assert int(second["tokens_saved"]) > 0
    no_secret_in(log, "You are a build assistant.", LOG.splitlines()[3])


def test_a_passthrough_path_logs_without_its_query(
    fake: FakeUpstream, proxy: BackgroundServer, tmp_path: Path
) -> None:
    fake.script("/v1/models", json_reply({"data": []}))
    log = tmp_path / "requests.log"
    with request_logging(log, "json"):
        response = httpx.get(
            f"{proxy.url}/v1/models?key=SECRET-in-query", headers={"authorization": f"Bearer {OPENAI_KEY}"}
        )
        written(log, 1)
    assert response.status_code == 200
    (line,) = lines(log)
    assert line["shape"] == "passthrough" and line["method"] == "GET" and line["path"] == "/v1/models"
    assert line["status"] == 200 and line["compress_ms"] is None
    assert line["request_id"] == response.headers["x-headroom-request-id"]
    no_secret_in(log, "SECRET-in-query")


def test_a_client_that_hangs_up_is_logged_as_gone(
    fake: FakeUpstream, proxy: BackgroundServer, tmp_path: Path
) -> None:
    fake.script("/v1/messages", events(*stream_round(text("part "), stop="end_turn"), delay_s=0.2))
    log = tmp_path / "requests.log"
    body = {"model": "m", "max_tokens": 5, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with request_logging(log, "json"):
        with httpx.stream("POST", f"{proxy.url}/v1/messages", json=body, headers={"x-api-key": "k"}) as reply:
            next(reply.iter_raw())
        written(log, 1)  # once the proxy has seen the hang-up
    (line,) = lines(log)
    assert line["client_gone"] is True and line["status"] == 200


def test_a_compressor_fault_is_logged_with_its_reason(fake: FakeUpstream, tmp_path: Path) -> None:
    fake.script("/v1/messages", json_reply(MESSAGE))
    log = tmp_path / "requests.log"
    with running(fake, compress_fn=raising) as server, request_logging(log, "json"):
        httpx.post(f"{server.url}/v1/messages", content=BODY, headers={"x-api-key": ANTHROPIC_KEY})
        written(log, 1)
    (line,) = lines(log)
    assert line["fail_open"] == "error" and line["status"] == 200 and line["tokens_saved"] == 0
    no_secret_in(log, "why?")


def test_nothing_is_logged_unless_request_logging_is_on(fake: FakeUpstream, proxy: BackgroundServer) -> None:
    fake.script("/v1/models", json_reply({"data": []}))
    logger = logging.getLogger("headroom.proxy.requests")
    assert not logger.isEnabledFor(logging.INFO)  # library use of build_app: no line, no cost
    assert httpx.get(f"{proxy.url}/v1/models").status_code == 200


def test_text_values_with_spaces_or_quotes_are_quoted() -> None:
    record = logging.LogRecord("headroom.proxy.requests", logging.INFO, "", 0, "request", None, None)
    record.request = {"path": "/v1/a b", "model": 'x"y', "status": 200, "fail_open": None, "stream": True}
    rendered = LineFormatter("text").format(record)
    assert rendered.split(" ", 1)[1] == 'path="/v1/a b" model="x\\"y" status=200 stream=true'
    assert dict(p.split("=", 1) for p in shlex.split(rendered)[1:])["path"] == "/v1/a b"


def test_an_unwritable_log_file_is_a_config_error(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match="request log"),
        request_logging(tmp_path / "no" / "such" / "dir.log"),
    ):
        pass
