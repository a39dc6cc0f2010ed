"""``headroom mcp install`` on fixture config files under a temporary HOME (never the real one)."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom.cli import cli
from headroom.errors import ConfigError
from headroom.mcp_server import ServerSpec, default_spec, install

SPEC = ServerSpec("/opt/py/bin/python", ("-m", "headroom", "mcp", "serve"), {"HEADROOM_STORE_SCOPE": "team"})

CLAUDE = {
    "numStartups": 41,
    "oauthAccount": {"emailAddress": "dev@example.com"},
    "projects": {"/src/app": {"mcpServers": {"local-one": {"command": "x"}}, "history": ["a", "b"]}},
    "mcpServers": {"github": {"type": "stdio", "command": "gh-mcp", "args": [], "env": {}}},
}
CODEX = """# my codex settings
model = "gpt-5-codex"  # the default model

[mcp_servers.github]
command = "gh-mcp"
args = ["--read-only"]

[mcp_servers.github.env]
GITHUB_TOKEN_FILE = "~/.gh"

[profiles.fast]
model_reasoning_effort = "low"
"""


def test_claude_code_gets_a_user_scope_entry_and_keeps_every_other_key(tmp_path: Path) -> None:
    config = tmp_path / ".claude.json"
    config.write_text(json.dumps(CLAUDE, indent=2))
    config.chmod(0o600)
    done = install("claude-code", SPEC, tmp_path, {})
    assert done.action == "added" and done.path == config
    written = json.loads(config.read_text())
    assert written.pop("mcpServers")["headroom"] == {
        "type": "stdio",
        "command": "/opt/py/bin/python",
        "args": ["-m", "headroom", "mcp", "serve"],
        "env": {"HEADROOM_STORE_SCOPE": "team"},
    }
    assert written == {k: v for k, v in CLAUDE.items() if k != "mcpServers"}
    assert json.loads(config.read_text())["mcpServers"]["github"] == CLAUDE["mcpServers"]["github"]
    assert list(json.loads(config.read_text())) == list(CLAUDE), "key order kept"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads((tmp_path / ".claude.json.headroom-bak").read_text()) == CLAUDE
    assert install("claude-code", SPEC, tmp_path, {}).action == "unchanged"


def test_claude_config_dir_is_honoured(tmp_path: Path) -> None:
    elsewhere = tmp_path / "claude-config"
    done = install(
        "claude-code",
        ServerSpec(url="http://127.0.0.1:8788/mcp"),
        tmp_path,
        {"CLAUDE_CONFIG_DIR": str(elsewhere)},
    )
    assert done.path == elsewhere / ".claude.json"
    assert json.loads(done.path.read_text()) == {
        "mcpServers": {"headroom": {"type": "http", "url": "http://127.0.0.1:8788/mcp"}}
    }


def test_codex_gets_a_table_and_every_other_byte_stays(tmp_path: Path) -> None:
    config = tmp_path / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(CODEX)
    assert install("codex", SPEC, tmp_path, {}).action == "added"
    text = config.read_text()
    assert text.startswith(CODEX), "the user's text, comments included, is left as it was"
    parsed = tomllib.loads(text)
    assert parsed["mcp_servers"]["headroom"] == {
        "command": "/opt/py/bin/python",
        "args": ["-m", "headroom", "mcp", "serve"],
        "startup_timeout_sec": 20,
        "tool_timeout_sec": 120,
        "env": {"HEADROOM_STORE_SCOPE": "team"},
    }
    assert install("codex", SPEC, tmp_path, {}).action == "unchanged"
    moved = ServerSpec("/new/python", SPEC.args, SPEC.env)
    with pytest.raises(ConfigError, match="--force"):
        install("codex", moved, tmp_path, {})
    assert config.read_text() == text
    assert install("codex", moved, tmp_path, {}, force=True).action == "replaced"
    replaced = config.read_text()
    assert replaced.startswith(CODEX) and replaced.count("[mcp_servers.headroom]") == 1
    assert tomllib.loads(replaced)["mcp_servers"]["headroom"]["command"] == "/new/python"


def test_codex_home_is_honoured_and_a_missing_file_is_created(tmp_path: Path) -> None:
    codex_home = tmp_path / "codex-home"
    done = install(
        "codex", ServerSpec(url="http://127.0.0.1:8788/mcp"), tmp_path, {"CODEX_HOME": str(codex_home)}
    )
    assert done.path == codex_home / "config.toml"
    assert (
        tomllib.loads(done.path.read_text())["mcp_servers"]["headroom"]["url"] == "http://127.0.0.1:8788/mcp"
    )
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600


def test_cursor_gets_its_global_mcp_json(tmp_path: Path) -> None:
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text('{"mcpServers": {"other": {"url": "http://example"}}, "theme": "dark"}')
    assert install("cursor", SPEC, tmp_path, {}).action == "added"
    written = json.loads(config.read_text())
    assert written["theme"] == "dark" and written["mcpServers"]["other"] == {"url": "http://example"}
    assert written["mcpServers"]["headroom"]["command"] == "/opt/py/bin/python"


@pytest.mark.parametrize(
    ("agent", "where", "broken"),
    [
        ("claude-code", ".claude.json", '{"projects": {"/src": ,}}'),
        ("cursor", ".cursor/mcp.json", "[1, 2]"),
        ("codex", ".codex/config.toml", "[mcp_servers.github]\ncommand = \n"),
        ("codex", ".codex/config.toml", "[mcp_servers]\nheadroom = { command = 'mine' }\n"),
    ],
)
def test_a_file_it_cannot_edit_is_refused_and_left_unchanged(
    tmp_path: Path, agent: str, where: str, broken: str
) -> None:
    config = tmp_path / where
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(broken)
    with pytest.raises(ConfigError, match=str(config)):
        install(agent, SPEC, tmp_path, {}, force=True)
    assert config.read_text() == broken
    assert [p.name for p in config.parent.iterdir()] == [config.name], "no backup, no temporary file"


def test_the_command_says_what_it_did_and_refuses_clearly(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HOME": str(tmp_path), "HEADROOM_STORE_PATH": str(tmp_path / "s.db"), "CODEX_HOME": ""}
    first = runner.invoke(cli, ["mcp", "install", "--agent", "codex", "--home", str(tmp_path)], env=env)
    assert first.exit_code == 0, first.output
    assert "registered in" in first.output
    entry = tomllib.loads((tmp_path / ".codex" / "config.toml").read_text())["mcp_servers"]["headroom"]
    assert entry["env"] == {"HEADROOM_STORE_PATH": str(tmp_path / "s.db")}
    again = runner.invoke(cli, ["mcp", "install", "--agent", "codex", "--home", str(tmp_path)], env=env)
    assert "already registered" in again.output
    (tmp_path / ".claude.json").write_text("{not json")
    refused = runner.invoke(
        cli, ["mcp", "install", "--agent", "claude-code", "--home", str(tmp_path)], env=env
    )
    assert refused.exit_code == 2 and "not valid JSON" in refused.output
    assert (tmp_path / ".claude.json").read_text() == "{not json"


def test_a_store_password_is_never_written_into_an_agent_config() -> None:
    with pytest.raises(ConfigError, match="password"):
        default_spec({"HEADROOM_STORE": "redis://:hunter2@10.0.0.5:6379/0"})
    assert default_spec({"HEADROOM_STORE": "redis://10.0.0.5:6379/0"}).env == {
        "HEADROOM_STORE": "redis://10.0.0.5:6379/0"
    }


def test_the_memory_settings_reach_the_agents_server_and_a_memory_password_never_does() -> None:
    environ = {"HEADROOM_MEMORY_STORE": "redis://10.0.0.5:6379/1", "HEADROOM_MEMORY_REDIS_NAMESPACE": "team"}
    assert default_spec(environ).env == environ
    with pytest.raises(ConfigError, match="HEADROOM_MEMORY_STORE carries a password"):
        default_spec({"HEADROOM_MEMORY_STORE": "redis://:hunter2@10.0.0.5:6379/1"})
