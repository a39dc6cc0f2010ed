"""Each supported agent, wrapped: its variables, a real call through the reused proxy, its exit code."""

from __future__ import annotations

import json
import re
import signal

import pytest

from headroom.wrap._proxy import free_port
from tests.wrap.conftest import AGENT_NAMES, Bench, Proxy, alive, host_processes, listening, ready, said

PROXY_VARS = {
    "claude": {"ANTHROPIC_BASE_URL": "{root}"},
    "codex": {"OPENAI_BASE_URL": "{root}/v1"},
    "aider": {
        "OPENAI_API_BASE": "{root}/v1",
        "OPENAI_BASE_URL": "{root}/v1",
        "AIDER_OPENAI_API_BASE": "{root}/v1",
        "ANTHROPIC_API_BASE": "{root}",
        "ANTHROPIC_BASE_URL": "{root}",
    },
    "opencode": {},
    "goose": {"OPENAI_HOST": "{root}", "OPENAI_BASE_PATH": "v1/chat/completions", "ANTHROPIC_HOST": "{root}"},
    "openhands": {
        "LLM_BASE_URL": "{root}/v1",
        "OPENAI_BASE_URL": "{root}/v1",
        "ANTHROPIC_BASE_URL": "{root}",
    },
}
UPSTREAM_PATH = {
    "claude": "/v1/messages",
    "codex": "/v1/responses",
    "aider": "/v1/chat/completions",
    "opencode": "/v1/responses",
    "goose": "/v1/chat/completions",
    "openhands": "/v1/chat/completions",
}


@pytest.mark.parametrize("name", AGENT_NAMES)
def test_wrapped_agent_calls_the_reused_proxy(name: str, bench: Bench, user_proxy: Proxy, fake) -> None:  # type: ignore[no-untyped-def]
    seen = len(fake.requests)
    done = bench.wrap("--port", str(user_proxy.port), name, "--", "--flag", "value")

    assert done.returncode == 7, done.stderr  # the stand-in's own exit code, passed through
    record = bench.record(name)
    assert record is not None, done.stderr
    assert record["status"] == 200, record.get("error")
    env, root = record["env"], user_proxy.url
    for var, value in PROXY_VARS[name].items():
        assert env[var] == value.format(root=root), var
    assert set(env["NO_PROXY"].split(",")) >= {"corp.example", "127.0.0.1", "localhost"}
    assert env["no_proxy"] == env["NO_PROXY"]
    assert env["HTTPS_PROXY"] == bench.env["HTTPS_PROXY"]  # egress setting kept for the agent's others
    assert record["argv"][-2:] == ["--flag", "value"]
    forwarded = fake.requests[seen:]
    assert [r.path for r in forwarded] == [UPSTREAM_PATH[name]]
    assert not any(k.lower().startswith("x-headroom") for k, _ in forwarded[0].headers)
    assert "reusing headroom proxy" in done.stderr
    summary = re.search(r"session: 1 requests, ([\d,]+) tokens in, ([\d,]+) saved", done.stderr)
    assert summary is not None, done.stderr
    assert int(summary[2].replace(",", "")) > 0  # the log in the tool result was compressed
    assert alive(user_proxy.process.pid)  # a proxy the user started is never stopped


def test_agent_specific_flags_and_headers(bench: Bench, user_proxy: Proxy) -> None:
    bench.wrap("--port", str(user_proxy.port), "codex", "exec", "hi")
    codex = bench.record("codex")
    assert codex is not None
    assert codex["argv"] == ["-c", f'openai_base_url="{user_proxy.url}/v1"', "exec", "hi"]

    bench.wrap("--port", str(user_proxy.port), "claude", ANTHROPIC_CUSTOM_HEADERS="X-Team: infra")
    claude = bench.record("claude")
    assert claude is not None
    headers = claude["env"]["ANTHROPIC_CUSTOM_HEADERS"].splitlines()
    assert headers[0] == "X-Team: infra" and headers[1] == "X-Headroom-Project: project"
    assert headers[2].startswith("X-Headroom-Cwd: ") and headers[2].endswith("/project")

    bench.wrap("--port", str(user_proxy.port), "opencode", OPENCODE_CONFIG_CONTENT='{"theme": "x"}')
    opencode = bench.record("opencode")
    assert opencode is not None
    config = json.loads(opencode["env"]["OPENCODE_CONFIG_CONTENT"])
    assert config["theme"] == "x"
    assert config["provider"]["anthropic"]["options"]["baseURL"] == f"{user_proxy.url}/v1"


def test_tool_search_is_left_alone_behind_a_gateway(bench: Bench, user_proxy: Proxy) -> None:
    # the module's proxy forwards to a fake upstream, not api.anthropic.com
    bench.wrap("--port", str(user_proxy.port), "claude")
    record = bench.record("claude")
    assert record is not None and "ENABLE_TOOL_SEARCH" not in record["env"]


SIGNALS = dict(zip(AGENT_NAMES, [signal.SIGINT, signal.SIGTERM, signal.SIGHUP] * 2, strict=True))


@pytest.mark.parametrize("name", AGENT_NAMES)
def test_wrapped_agent_gets_signals_and_its_proxy_is_stopped(name: str, bench: Bench) -> None:
    port = free_port()
    wrapper = bench.spawn("--port", str(port), name, WRAP_HOLD=str(bench.root / "never"))
    ready(bench, name, wrapper)
    assert host_processes(port)  # this session started the proxy
    wrapper.send_signal(SIGNALS[name])
    _, stderr = wrapper.communicate(timeout=30)
    record = bench.record(name)
    assert record is not None and record["signals"] == [SIGNALS[name]]
    assert wrapper.returncode == 100 + SIGNALS[name], stderr  # the stand-in exits 100 + signal
    assert f"started headroom proxy http://127.0.0.1:{port}" in stderr
    assert not listening(port) and host_processes(port) == []


@pytest.mark.parametrize("name", AGENT_NAMES)
def test_wrapped_agent_is_not_started_when_the_proxy_fails(name: str, bench: Bench) -> None:
    port = free_port()
    done = bench.wrap("--port", str(port), "--openai-upstream", "ftp://nowhere", name)
    assert done.returncode != 0
    assert "the agent was not started" in said(done.stderr) and "openai_upstream must be" in done.stderr
    assert bench.record(name) is None
    assert not listening(port) and host_processes(port) == []
