"""``headroom mcp uninstall`` and ``headroom mcp status`` on fixture configs under a temporary HOME."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom.cli import cli
from headroom.errors import ConfigError
from headroom.mcp_server import ServerSpec, default_spec, install, status, uninstall
from tests.mcp_server.test_install import CLAUDE, CODEX, SPEC

MINE = ServerSpec("/opt/py/bin/python", ("-m", "headroom.mcp_server"), {"HEADROOM_STORE_PATH": "/data/s.db"})


def test_install_registers_the_servers_own_entry_point() -> None:
    spec = default_spec({"HEADROOM_STORE_PATH": "/data/s.db", "UNRELATED": "x"})
    assert spec.command == sys.executable and spec.args == ("-m", "headroom.mcp_server")
    assert spec.env == {"HEADROOM_STORE_PATH": "/data/s.db"}


def test_claude_code_uninstall_removes_our_entry_and_nothing_else(tmp_path: Path) -> None:
    config = tmp_path / ".claude.json"
    config.write_text(json.dumps(CLAUDE, indent=2))
    install("claude-code", MINE, tmp_path, {})
    assert uninstall("claude-code", tmp_path, {}).action == "removed"
    assert json.loads(config.read_text()) == CLAUDE
    assert list(json.loads(config.read_text())) == list(CLAUDE), "key order kept"
    assert uninstall("claude-code", tmp_path, {}).action == "absent"


def test_an_emptied_servers_object_goes_too(tmp_path: Path) -> None:
    install("cursor", SPEC, tmp_path, {})  # an entry written by an earlier install (the CLI form)
    assert uninstall("cursor", tmp_path, {}).action == "removed"
    assert json.loads((tmp_path / ".cursor" / "mcp.json").read_text()) == {}


def test_codex_uninstall_gives_back_the_users_bytes(tmp_path: Path) -> None:
    config = tmp_path / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(CODEX)
    install("codex", MINE, tmp_path, {})
    assert "[mcp_servers.headroom.env]" in config.read_text()
    assert uninstall("codex", tmp_path, {}).action == "removed"
    assert config.read_text() == CODEX
    alone = tmp_path / "alone"
    install("codex", ServerSpec(url="http://127.0.0.1:8788/mcp"), alone, {})
    uninstall("codex", alone, {})
    assert tomllib.loads((alone / ".codex" / "config.toml").read_text()) == {}


def test_an_entry_install_did_not_write_needs_force(tmp_path: Path) -> None:
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir()
    users = {"mcpServers": {"headroom": {"command": "headroom-mcp", "args": ["--verbose"]}}}
    config.write_text(json.dumps(users))
    with pytest.raises(ConfigError, match="not written by headroom mcp install"):
        uninstall("cursor", tmp_path, {})
    assert json.loads(config.read_text()) == users
    edited = {"mcpServers": {"headroom": {**MINE_CURSOR, "disabled": True}}}
    config.write_text(json.dumps(edited))
    with pytest.raises(ConfigError):
        uninstall("cursor", tmp_path, {})
    assert uninstall("cursor", tmp_path, {}, force=True).action == "removed"
    assert json.loads(config.read_text()) == {}


MINE_CURSOR = {"command": "/opt/py/bin/python", "args": ["-m", "headroom.mcp_server"], "env": {}}


@pytest.mark.parametrize(
    ("agent", "where", "broken"),
    [
        ("claude-code", ".claude.json", '{"mcpServers": {"headroom": {}},'),
        ("codex", ".codex/config.toml", "[mcp_servers.headroom]\ncommand = \n"),
    ],
)
def test_uninstall_refuses_a_file_that_does_not_parse(
    tmp_path: Path, agent: str, where: str, broken: str
) -> None:
    config = tmp_path / where
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(broken)
    with pytest.raises(ConfigError, match="nothing was written"):
        uninstall(agent, tmp_path, {}, force=True)
    assert config.read_text() == broken


def test_status_says_what_is_installed_where(tmp_path: Path) -> None:
    environ = {"HEADROOM_STORE_PATH": "/data/s.db"}
    install("claude-code", default_spec(environ), tmp_path, environ)
    install("codex", ServerSpec("/old/python", ("-m", "headroom", "mcp", "serve"), {}), tmp_path, {})
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text("{oops")
    found = {r.agent: r for r in status(tmp_path, environ)}
    assert found["claude-code"].state == "installed" and found["claude-code"].store == "/data/s.db"
    assert found["codex"].state == "stale" and found["codex"].detail == "/old/python -m headroom mcp serve"
    assert found["cursor"].state == "unreadable" and "not valid JSON" in found["cursor"].detail
    (tmp_path / ".cursor" / "mcp.json").write_text(
        '{"mcpServers": {"headroom": {"url": "http://x", "k": 1}}}'
    )
    assert {r.agent: r.state for r in status(tmp_path, {})}["cursor"] == "foreign"
    assert {r.agent: r.state for r in status(tmp_path / "empty", {})} == {
        "claude-code": "absent",
        "codex": "absent",
        "cursor": "absent",
    }


def test_the_commands_report_and_round_trip(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HOME": str(tmp_path), "HEADROOM_STORE_PATH": str(tmp_path / "s.db"), "CODEX_HOME": ""}
    home = ["--home", str(tmp_path)]
    assert runner.invoke(cli, ["mcp", "install", "--agent", "cursor", *home], env=env).exit_code == 0
    shown = runner.invoke(cli, ["mcp", "status", "--json", *home], env=env)
    report = json.loads(shown.output)
    assert report["store"] == str(tmp_path / "s.db")
    states = {a["agent"]: a["state"] for a in report["agents"]}
    assert states == {"claude-code": "absent", "codex": "absent", "cursor": "installed"}
    text = runner.invoke(cli, ["mcp", "status", *home], env=env).output
    assert "cursor" in text and "installed" in text and str(tmp_path / "s.db") in text
    removed = runner.invoke(cli, ["mcp", "uninstall", "--agent", "cursor", *home], env=env)
    assert removed.exit_code == 0 and "removed from" in removed.output
    again = runner.invoke(cli, ["mcp", "uninstall", "--agent", "cursor", *home], env=env)
    assert again.exit_code == 0 and "no headroom MCP server entry" in again.output
