"""``headroom mcp install``: register the server in an agent's own config file, one entry only.

One registrar per agent (a registry: adding an agent adds an entry to :data:`AGENTS`), each with
the file and shape its documentation gives (see ``deployment-modes.md`` §3.3):

- Claude Code: ``$CLAUDE_CONFIG_DIR/.claude.json`` or ``~/.claude.json``, user scope, root ``mcpServers``.
- Codex: ``$CODEX_HOME/config.toml`` or ``~/.codex/config.toml``, table ``[mcp_servers.headroom]``.
- Cursor: ``~/.cursor/mcp.json``, ``mcpServers``.

An entry equal to ours is left alone; a different ``headroom`` entry is replaced only with
``force``; every other key and table stays as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from headroom.errors import ConfigError
from headroom.mcp_server._config_files import read_json, read_toml, replace_toml_table, write_json

ENTRY_NAME = "headroom"
CODEX_STARTUP_TIMEOUT_S = 20  # Codex's default of 10 s is tight for a cold Python start
CODEX_TOOL_TIMEOUT_S = 120
PASSED_SETTINGS = (
    "HEADROOM_STORE",
    "HEADROOM_STORE_PATH",
    "HEADROOM_STORE_SCOPE",
    "HEADROOM_POLICY",
    "HEADROOM_MEMORY_STORE",
    "HEADROOM_MEMORY_PATH",
    "HEADROOM_MEMORY_REDIS_NAMESPACE",
)
"""Settings handed to the agent's server from the installing environment, so both use one store
and one memory."""
_URL_SETTINGS = ("HEADROOM_STORE", "HEADROOM_MEMORY_STORE")

SERVE_ARGS = ("-m", "headroom.mcp_server")
"""The server's own entry point: the same server as ``headroom mcp serve``, started without the CLI."""
CLI_SERVE_ARGS = ("-m", "headroom", "mcp", "serve")
"""What earlier installs wrote (still recognised as install's own)."""

Action = Literal["added", "replaced", "unchanged"]


@dataclass(frozen=True)
class ServerSpec:
    """How an agent reaches the server: a command it starts (stdio), or a URL (streamable HTTP)."""

    command: str = ""
    """Absolute path of the interpreter (stdio)."""
    args: tuple[str, ...] = ()
    """Arguments after the command."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment the agent gives the server."""
    url: str | None = None
    """The server's streamable HTTP endpoint, instead of a command."""


def default_spec(environ: Mapping[str, str], url: str | None = None) -> ServerSpec:
    """This interpreter running ``-m headroom.mcp_server``, with the store settings now in force."""
    if url is not None:
        return ServerSpec(url=url)
    env = {name: environ[name] for name in PASSED_SETTINGS if environ.get(name)}
    for name in _URL_SETTINGS:
        if urlsplit(env.get(name, "")).password is not None:
            raise ConfigError(
                f"{name} carries a password: it is not written into an agent's config file;"
                f" set {name} in the agent's environment instead, then install without it"
            )
    return ServerSpec(sys.executable, SERVE_ARGS, env)


@dataclass(frozen=True)
class Installed:
    """What an install did."""

    agent: str
    path: Path
    action: Action


@dataclass(frozen=True)
class Agent:
    """One agent's registrar: where its config is, and our entry in its shape."""

    name: str
    locate: Callable[[Path, Mapping[str, str]], Path]
    """The config file, from the home directory and the environment."""
    entry: Callable[[ServerSpec], dict[str, Any]]
    """Our entry in the agent's shape."""
    toml: bool = False
    """The file is TOML (``mcp_servers.<name>`` tables), else JSON (``mcpServers.<name>``)."""


def _claude_entry(spec: ServerSpec) -> dict[str, Any]:
    if spec.url is not None:
        return {"type": "http", "url": spec.url}
    return {"type": "stdio", "command": spec.command, "args": list(spec.args), "env": dict(spec.env)}


def _cursor_entry(spec: ServerSpec) -> dict[str, Any]:
    if spec.url is not None:
        return {"url": spec.url}
    return {"command": spec.command, "args": list(spec.args), "env": dict(spec.env)}


def _codex_entry(spec: ServerSpec) -> dict[str, Any]:
    timeouts = {"startup_timeout_sec": CODEX_STARTUP_TIMEOUT_S, "tool_timeout_sec": CODEX_TOOL_TIMEOUT_S}
    if spec.url is not None:
        return {"url": spec.url, **timeouts}
    entry: dict[str, Any] = {"command": spec.command, "args": list(spec.args), **timeouts}
    return entry | ({"env": dict(spec.env)} if spec.env else {})


def _claude_config(home: Path, environ: Mapping[str, str]) -> Path:
    directory = environ.get("CLAUDE_CONFIG_DIR")
    return Path(directory) / ".claude.json" if directory else home / ".claude.json"


def _codex_config(home: Path, environ: Mapping[str, str]) -> Path:
    directory = environ.get("CODEX_HOME")
    return (Path(directory) if directory else home / ".codex") / "config.toml"


AGENTS: dict[str, Agent] = {
    "claude-code": Agent("claude-code", _claude_config, _claude_entry),
    "codex": Agent("codex", _codex_config, _codex_entry, toml=True),
    "cursor": Agent("cursor", lambda home, _: home / ".cursor" / "mcp.json", _cursor_entry),
}


def install(
    agent: str, spec: ServerSpec, home: Path, environ: Mapping[str, str], *, force: bool = False
) -> Installed:
    """Write our entry into ``agent``'s config under ``home``; refuse a file that does not parse."""
    registrar = AGENTS.get(agent)
    if registrar is None:
        raise ConfigError(f"unknown agent {agent!r}; known: {', '.join(sorted(AGENTS))}")
    path = registrar.locate(home, environ)
    wanted = registrar.entry(spec)
    held = held_entry(registrar, path)
    if held == wanted:
        return Installed(agent, path, "unchanged")
    if held is not None and not force:
        raise ConfigError(
            f"{path} already has a different {ENTRY_NAME!r} MCP server entry; --force replaces it"
        )
    if registrar.toml:
        replace_toml_table(path, ("mcp_servers", ENTRY_NAME), wanted)
    else:
        data = read_json(path)
        servers = data.setdefault("mcpServers", {})
        servers[ENTRY_NAME] = wanted
        write_json(path, data)
    return Installed(agent, path, "added" if held is None else "replaced")


def held_entry(registrar: Agent, path: Path) -> Any:
    """Our entry as the file has it now (None when absent); ConfigError when the file is unusable."""
    if registrar.toml:
        servers = read_toml(path)[1].get("mcp_servers", {})
    else:
        servers = read_json(path).get("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: the MCP servers entry is not a table/object; nothing was written")
    return servers.get(ENTRY_NAME)
