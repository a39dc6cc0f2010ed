"""``headroom mcp uninstall`` and ``headroom mcp status``: what install wrote, where, and taking it back.

An entry counts as install's when it has exactly the shape install writes: a command running
``-m headroom.mcp_server`` or ``-m headroom mcp serve`` (any interpreter, any of the passed
store settings), or a URL, with nothing else added. Uninstall removes only such an entry (a ``headroom`` entry the user wrote
differently needs ``--force``) and, like install, refuses a file that does not parse and writes
atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from headroom.errors import ConfigError
from headroom.mcp_server._config_files import read_json, remove_toml_table, write_json
from headroom.mcp_server._install import (
    AGENTS,
    CLI_SERVE_ARGS,
    ENTRY_NAME,
    SERVE_ARGS,
    Agent,
    ServerSpec,
    default_spec,
    held_entry,
)

State = Literal["installed", "stale", "foreign", "absent", "unreadable"]


@dataclass(frozen=True)
class Registration:
    """One agent's config as status sees it."""

    agent: str
    path: Path
    state: State
    """``installed`` (what install would write now), ``stale`` (install's, other settings or
    interpreter: run install again), ``foreign`` (a ``headroom`` entry install did not write),
    ``absent``, or ``unreadable`` (the file does not parse)."""
    detail: str
    """The server's command or URL, or why the file is unreadable."""
    store: str | None
    """The store the entry's server uses (its ``HEADROOM_STORE`` / ``HEADROOM_STORE_PATH``;
    ``None``: the default, the same as this environment's when it sets neither)."""


@dataclass(frozen=True)
class Removed:
    """What an uninstall did."""

    agent: str
    path: Path
    action: Literal["removed", "absent"]


def installed_by_us(registrar: Agent, entry: Any) -> bool:
    """Whether ``entry`` has exactly the shape install writes for some command or URL."""
    if not isinstance(entry, dict):
        return False
    if isinstance(entry.get("url"), str):
        return entry == registrar.entry(ServerSpec(url=entry["url"]))
    args, env = entry.get("args"), entry.get("env", {})
    if not isinstance(entry.get("command"), str) or not isinstance(args, list):
        return False
    if tuple(args) not in (SERVE_ARGS, CLI_SERVE_ARGS):
        return False
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        return False
    return entry == registrar.entry(ServerSpec(entry["command"], tuple(args), env))


def _registrar(agent: str) -> Agent:
    registrar = AGENTS.get(agent)
    if registrar is None:
        raise ConfigError(f"unknown agent {agent!r}; known: {', '.join(sorted(AGENTS))}")
    return registrar


def uninstall(agent: str, home: Path, environ: Mapping[str, str], *, force: bool = False) -> Removed:
    """Remove install's entry from ``agent``'s config; every other key and byte stays."""
    registrar = _registrar(agent)
    path = registrar.locate(home, environ)
    held = held_entry(registrar, path)
    if held is None:
        return Removed(agent, path, "absent")
    if not installed_by_us(registrar, held) and not force:
        raise ConfigError(
            f"{path}: the {ENTRY_NAME!r} MCP server entry was not written by headroom mcp install;"
            " --force removes it anyway"
        )
    if registrar.toml:
        remove_toml_table(path, ("mcp_servers", ENTRY_NAME))
    else:
        data = read_json(path)
        servers = data["mcpServers"]
        del servers[ENTRY_NAME]
        if not servers:
            del data["mcpServers"]
        write_json(path, data)
    return Removed(agent, path, "removed")


def status(home: Path, environ: Mapping[str, str]) -> list[Registration]:
    """Every known agent's state, in name order (nothing is written)."""
    try:
        now: ServerSpec | None = default_spec(environ)
    except ConfigError:  # a store URL with a password: install would refuse, so nothing is current
        now = None
    return [_one(AGENTS[name], home, environ, now) for name in sorted(AGENTS)]


def _one(registrar: Agent, home: Path, environ: Mapping[str, str], now: ServerSpec | None) -> Registration:
    path = registrar.locate(home, environ)
    try:
        held = held_entry(registrar, path)
    except ConfigError as exc:
        return Registration(registrar.name, path, "unreadable", str(exc), None)
    if held is None:
        return Registration(registrar.name, path, "absent", "", None)
    if not isinstance(held, dict):
        return Registration(registrar.name, path, "foreign", repr(held)[:200], None)
    args: list[Any] = held["args"] if isinstance(held.get("args"), list) else []
    detail = str(held.get("url") or " ".join(str(part) for part in [held.get("command", ""), *args]))
    env: dict[str, Any] = held["env"] if isinstance(held.get("env"), dict) else {}
    store = _shown(env.get("HEADROOM_STORE") or env.get("HEADROOM_STORE_PATH"))
    if not installed_by_us(registrar, held):
        return Registration(registrar.name, path, "foreign", detail, store)
    current = held.get("url") is not None or (now is not None and held == registrar.entry(now))
    return Registration(registrar.name, path, "installed" if current else "stale", detail, store)


def _shown(store: Any) -> str | None:
    """A store setting as it may be printed (a URL's password replaced)."""
    if not isinstance(store, str):
        return None
    parts = urlsplit(store)
    if parts.password is None:
        return store
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
