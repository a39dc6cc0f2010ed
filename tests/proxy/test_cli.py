"""``headroom proxy``: settings from flags and environment, and the start-up checks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from headroom.cli import cli
from headroom.errors import ConfigError
from headroom.proxy import ProxySettings
from headroom.proxy._serve import check_upstreams, proxy_policy


def test_print_config_merges_flags_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADROOM_OPENAI_UPSTREAM", "http://127.0.0.1:9001")
    monkeypatch.setenv(
        "ANTHROPIC_BASE_URL", "http://127.0.0.1:8787"
    )  # the agent's variable, never the proxy's
    monkeypatch.setenv("HEADROOM_PROXY_TOKEN", "s3cret")
    result = CliRunner().invoke(cli, ["proxy", "--port", "9999", "--print-config"])
    config = json.loads(result.output)
    assert result.exit_code == 0 and config["port"] == {"value": 9999, "source": "--port"}
    assert config["openai_upstream"] == {
        "value": "http://127.0.0.1:9001",
        "source": "env HEADROOM_OPENAI_UPSTREAM",
    }
    assert config["anthropic_upstream"] == {"value": "https://api.anthropic.com", "source": "default"}
    assert config["token"] == {"value": "(set, hidden)", "source": "env HEADROOM_PROXY_TOKEN"}
    assert "s3cret" not in result.output


def test_an_upstream_at_the_proxys_own_address_is_refused() -> None:
    with pytest.raises(ConfigError, match="own address"):
        check_upstreams(ProxySettings(port=8787, anthropic_upstream="http://localhost:8787"))
    check_upstreams(ProxySettings(port=8787, anthropic_upstream="http://127.0.0.1:9000"))


def test_prose_stays_extractive_on_the_request_path_unless_allowed() -> None:
    assert proxy_policy(ProxySettings()).prose.engine == "extractive"
    assert proxy_policy(ProxySettings(kompress=True)).prose.engine == "auto"


def test_the_deadline_scales_with_the_body_and_is_capped() -> None:
    settings = ProxySettings(
        compress_deadline_ms=1000, compress_deadline_ms_per_4kb=1, compress_deadline_max_ms=3000
    )
    assert settings.deadline_seconds(0) == 1.0 and settings.deadline_seconds(4096 * 500) == 1.5
    assert settings.deadline_seconds(10**9) == 3.0


def test_listen_flags_and_a_hidden_token_in_print_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["proxy", "--uds", str(tmp_path / "p.sock"), "--token", "t0ken", "--print-config"]
    )
    config = json.loads(result.output)
    assert config["uds"] == {"value": str(tmp_path / "p.sock"), "source": "--uds"}
    assert config["token"] == {"value": "(set, hidden)", "source": "--token"} and "t0ken" not in result.output


def test_the_command_serves_on_a_free_port_and_names_it(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "HEADROOM_STORE_PATH": str(tmp_path / "s.db"),
        "HEADROOM_PROXY_TOKEN": "t",
    }
    log = tmp_path / "requests.log"
    argv = [sys.executable, "-m", "headroom", "proxy", "--host", "0.0.0.0", "--port", "0"]
    argv += ["--openai-upstream", "http://127.0.0.1:9", "--log-file", str(log), "--log-format", "json"]
    server = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()
        found = re.search(r"on http://0\.0\.0\.0:(\d+)", banner)
        assert found, banner
        port = int(found.group(1))
        deadline = time.monotonic() + 30
        while True:
            try:
                live = httpx.get(f"http://127.0.0.1:{port}/livez", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert live.json()["service"] == "headroom-proxy"
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5).status_code == 401
        passed = httpx.get(
            f"http://127.0.0.1:{port}/v1/models", headers={"x-headroom-proxy-token": "t"}, timeout=30
        )
        assert passed.status_code == 502  # nothing listens on the upstream's port
        while not log.exists() or not log.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        line = json.loads(log.read_text().splitlines()[0])
        assert line["path"] == "/v1/models" and line["status"] == 502 and line["shape"] == "passthrough"
    finally:
        server.terminate()
        server.wait(timeout=30)
