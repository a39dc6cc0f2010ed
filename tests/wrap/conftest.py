"""A fake provider, a user-started proxy in front of it (once per module), and stand-in agents on PATH."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="headroom wrap needs the [proxy] extra")

from headroom.testing.upstream import BackgroundServer, FakeUpstream, Scripted
from headroom.wrap._http import get_json
from headroom.wrap._proxy import free_port

STAND_IN = Path(__file__).with_name("stand_in.py")
REPO = Path(__file__).resolve().parents[2]
DEAD_PROXY = "http://127.0.0.1:9"
"""A corporate proxy that answers nothing: traffic to loopback must bypass it (NO_PROXY)."""
AGENT_NAMES = ("claude", "codex", "aider", "opencode", "goose", "openhands")


def _json(body: dict[str, Any]) -> Scripted:
    return Scripted(200, json.dumps(body).encode(), headers=(("content-type", "application/json"),))


def _replies(upstream: FakeUpstream) -> None:
    upstream.script(
        "/v1/messages",
        _json(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4",
                "content": [{"type": "text", "text": "the database refused the connection"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 50, "output_tokens": 8},
            }
        ),
    )
    upstream.script(
        "/v1/chat/completions",
        _json(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4.1",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "db refused"},
                    }
                ],
                "usage": {"prompt_tokens": 50, "completion_tokens": 3, "total_tokens": 53},
            }
        ),
    )
    upstream.script(
        "/v1/responses",
        _json(
            {
                "id": "r1",
                "object": "response",
                "status": "completed",
                "model": "gpt-4.1",
                "output": [
                    {
                        "type": "message",
                        "role": "assistant",
                        "id": "m1",
                        "status": "completed",
                        "content": [{"type": "output_text", "text": "db refused", "annotations": []}],
                    }
                ],
                "usage": {"input_tokens": 50, "output_tokens": 3, "total_tokens": 53},
            }
        ),
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream()
    _replies(upstream)
    with BackgroundServer(upstream.app()) as server:
        upstream.url = server.url  # type: ignore[attr-defined]
        yield upstream


def base_env(tmp: Path) -> dict[str, str]:
    """The environment a user's shell would hand ``headroom wrap``: a fake HOME and a dead HTTP proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEADROOM_", "ANTHROPIC_", "OPENAI_"))}
    env.update(
        {
            "HOME": str(tmp / "home"),
            "PYTHONPATH": str(REPO),
            "HEADROOM_STORE_PATH": str(tmp / "store.sqlite3"),
            "HEADROOM_WRAP_STATE_DIR": str(tmp / "state"),
            "HTTP_PROXY": DEAD_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "NO_PROXY": "corp.example",
        }
    )
    env.pop("no_proxy", None)
    (tmp / "home").mkdir(exist_ok=True)
    return env


def wait_until(check: Any, timeout_s: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Proxy:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_proxy(tmp: Path, upstream: str, env: dict[str, str] | None = None) -> Proxy:
    """``headroom proxy`` as a user would start it (no wrap owns it)."""
    port = free_port()
    env = env or base_env(tmp)
    command = [
        sys.executable,
        "-m",
        "headroom",
        "proxy",
        "--port",
        str(port),
        "--anthropic-upstream",
        upstream,
        "--openai-upstream",
        upstream,
        "--compress-deadline-ms",
        "30000",
    ]  # the first compression of a process warms parsers
    log = open(tmp / f"proxy-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=tmp)
    wait_until(lambda: get_json(f"http://127.0.0.1:{port}/readyz", 0.5), what="the user's proxy")
    return Proxy(port, process)


@pytest.fixture(scope="module")
def user_proxy(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    tmp = tmp_path_factory.mktemp("user-proxy")
    env = base_env(tmp) | {"NO_PROXY": "127.0.0.1,localhost"}  # its upstream is the fake on loopback
    proxy = start_proxy(tmp, fake.url, env)  # type: ignore[attr-defined]
    yield proxy
    proxy.process.send_signal(signal.SIGTERM)
    proxy.process.wait(timeout=15)


@dataclass
class Bench:
    """A test's folder: stand-in agents on PATH, their records, the wrap environment."""

    root: Path
    env: dict[str, str]

    @property
    def records(self) -> Path:
        return self.root / "records"

    def record(self, name: str) -> dict[str, Any] | None:
        path = self.records / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def wrap_command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "headroom", "wrap", *args]

    def wrap(self, *args: str, timeout_s: float = 60, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.wrap_command(*args),
            env=self.env | extra,
            cwd=self.root / "project",
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def spawn(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.wrap_command(*args),
            env=self.env | extra,
            cwd=self.root / "project",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def bench(tmp_path: Path, fake: FakeUpstream) -> Bench:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = f"#!{sys.executable}\n" + STAND_IN.read_text()
    for name in AGENT_NAMES:
        path = bin_dir / name
        path.write_text(script)
        path.chmod(0o755)
    env = base_env(tmp_path)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["WRAP_RECORD_DIR"] = str(tmp_path / "records")
    env["HEADROOM_ANTHROPIC_UPSTREAM"] = env["HEADROOM_OPENAI_UPSTREAM"] = fake.url  # type: ignore[attr-defined]
    (tmp_path / "records").mkdir()
    (tmp_path / "project").mkdir()
    assert shutil.which("claude", path=env["PATH"]) == str(bin_dir / "claude")
    return Bench(tmp_path, env)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"


def host_processes(port: int) -> list[int]:
    """Pids of wrap-started proxies on ``port`` (their command line names the port)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = stat.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"headroom.wrap._host" in argv and str(port).encode() in argv and alive(int(stat.parent.name)):
            found.append(int(stat.parent.name))
    return found


def listening(port: int) -> bool:
    from headroom.wrap._proxy import listening as probe

    return probe(port)


def said(text: str) -> str:
    """Output with line breaks folded: error messages are wrapped to the terminal's width."""
    return " ".join(text.split())


def ready(bench: Bench, name: str, process: subprocess.Popen[str]) -> None:
    """Wait until the stand-in ``name`` run by ``process`` holds (``$WRAP_HOLD``)."""

    def held() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"wrap exited early: {process.communicate()[1]}")
        return (bench.records / f"{name}.ready").exists()

    wait_until(held, what=f"{name} to start")
