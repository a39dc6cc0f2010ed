"""The proxy's lifecycle around a wrapped agent: start, reuse, hand-over, clean-up, refusal, signals."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from headroom.testing.upstream import BackgroundServer
from headroom.wrap._proxy import free_port
from tests.wrap.conftest import Bench, host_processes, listening, ready, said, wait_until


def test_a_started_proxy_is_stopped_at_exit(bench: Bench) -> None:
    port = free_port()
    done = bench.wrap("--port", str(port), "claude")
    assert done.returncode == 7, done.stderr
    assert f"started headroom proxy http://127.0.0.1:{port}" in done.stderr
    record = bench.record("claude")
    assert record is not None and record["status"] == 200
    assert record["env"]["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{port}"
    assert not listening(port) and host_processes(port) == []
    assert list((bench.root / "state" / "proxies" / str(port)).glob("*.lease")) == []


def test_a_foreign_listener_is_neither_reused_nor_touched(bench: Bench) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def health(_: object) -> JSONResponse:
        return JSONResponse({"service": "some-other-gateway"})

    with BackgroundServer(Starlette(routes=[Route("/health", health)])) as foreign:
        done = bench.wrap("--port", str(foreign.port), "aider")
        assert done.returncode == 7, done.stderr
        record = bench.record("aider")
        assert record is not None and record["status"] == 200
        assert str(foreign.port) not in record["env"]["OPENAI_API_BASE"]
        assert listening(foreign.port)


def test_the_agent_is_not_started_when_the_proxy_cannot_start(bench: Bench) -> None:
    port = free_port()
    done = bench.wrap("--port", str(port), "--anthropic-upstream", "ftp://nowhere", "claude")
    assert done.returncode != 0
    assert "the agent was not started" in said(done.stderr) and "anthropic_upstream must be" in done.stderr
    assert bench.record("claude") is None
    assert not listening(port) and host_processes(port) == []


def test_the_agent_is_not_started_when_the_proxy_is_not_ready_in_time(bench: Bench) -> None:
    port = free_port()
    done = bench.wrap("--port", str(port), "codex", HEADROOM_WRAP_STARTUP_TIMEOUT="0.01")
    assert done.returncode != 0
    assert "did not answer /readyz" in said(done.stderr) and "the agent was not started" in said(done.stderr)
    assert bench.record("codex") is None
    wait_until(lambda: not host_processes(port), 10, "the unready proxy to be stopped")


def test_a_missing_agent_binary_starts_nothing(bench: Bench) -> None:
    port = free_port()
    done = bench.wrap("--port", str(port), "goose", PATH="/usr/bin:/bin")
    assert done.returncode != 0 and "'goose' (Goose) is not on PATH" in said(done.stderr)
    assert not listening(port) and not (bench.root / "state" / "proxies" / str(port)).exists()


def test_the_last_session_stops_a_shared_wrap_proxy(bench: Bench) -> None:
    port = free_port()
    first = bench.spawn("--port", str(port), "claude", WRAP_HOLD=str(bench.root / "go-first"))
    ready(bench, "claude", first)
    second = bench.spawn("--port", str(port), "codex", WRAP_HOLD=str(bench.root / "go-second"))
    ready(bench, "codex", second)
    (bench.root / "go-first").touch()
    _, first_err = first.communicate(timeout=30)
    assert first.returncode == 7 and "started headroom proxy" in first_err
    assert listening(port), "the first session to leave stopped a proxy the second still uses"
    (bench.root / "go-second").touch()
    _, second_err = second.communicate(timeout=30)
    assert second.returncode == 7 and "reusing headroom proxy" in second_err
    record = bench.record("codex")
    assert record is not None and record["status"] == 200
    assert not listening(port) and host_processes(port) == []


def test_the_watchdog_stops_a_proxy_whose_wraps_were_killed(bench: Bench) -> None:
    port = free_port()
    wrapper = bench.spawn(
        "--port", str(port), "claude", WRAP_HOLD=str(bench.root / "never"), HEADROOM_WRAP_WATCHDOG_S="0.2"
    )
    ready(bench, "claude", wrapper)
    record = bench.record("claude")
    assert record is not None and host_processes(port)
    os.kill(record["pid"], signal.SIGKILL)  # first: it holds the wrapper's output pipes open
    wrapper.kill()
    wrapper.communicate(timeout=10)
    wait_until(lambda: not host_processes(port), 15, "the orphaned proxy to stop itself")


def test_a_gui_agent_keeps_the_proxy_until_interrupted(bench: Bench) -> None:
    port = free_port()
    wrapper = bench.spawn("--port", str(port), "cline")
    assert wrapper.stderr is not None
    said = []
    for line in wrapper.stderr:  # until the wrapper says it serves
        said.append(line)
        if "Ctrl-C ends the session" in line:
            break
    assert listening(port)
    wrapper.send_signal(signal.SIGINT)
    _, rest = wrapper.communicate(timeout=30)
    stderr = "".join(said) + rest
    assert wrapper.returncode == 0, stderr
    assert f"Base URL http://127.0.0.1:{port}/v1" in stderr and "no requests reached the proxy" in stderr
    assert not listening(port) and host_processes(port) == []


def test_print_shows_settings_and_starts_nothing(bench: Bench, tmp_path: Path) -> None:
    port = free_port()
    done = bench.wrap("--print", "--port", str(port), "cursor")
    assert done.returncode == 0, done.stderr
    assert '"mcpServers"' in done.stdout and "cannot reach" in done.stdout
    done = bench.wrap("--dry-run", "--port", str(port), "codex", "exec", "x")
    assert f"export OPENAI_BASE_URL=http://127.0.0.1:{port}/v1" in done.stdout
    assert f"codex -c 'openai_base_url=\"http://127.0.0.1:{port}/v1\"' exec x" in done.stdout
    assert not listening(port) and bench.record("codex") is None
