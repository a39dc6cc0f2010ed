"""``headroom mcp``: serve the MCP tools, and register them with an agent (install, uninstall, status)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import click

from headroom.cli._common import friendly_errors, stderr
from headroom.extras import needs_extra
from headroom.mcp_server import AGENTS, default_spec, install, run, status, uninstall
from headroom.settings import Settings

_HOME = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The home directory whose agent configs to use (default: yours).",
)


@click.group("mcp")
def mcp_group() -> None:
    """The MCP server: headroom_compress, headroom_retrieve and headroom_stats for any MCP agent."""


@mcp_group.command("serve")
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: the address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8788, show_default=True, help="HTTP: 0 picks one."
)
@click.option("--path", "http_path", default="/mcp", show_default=True, help="HTTP: the endpoint's path.")
def serve_command(transport: str, host: str, port: int, http_path: str) -> None:
    """Serve the tools on the configured store (stdout carries only the protocol under stdio)."""
    with friendly_errors(), needs_extra("proxy"):  # the server imports the SDK
        run(transport, host, port, http_path)


@mcp_group.command("install")
@click.option("--agent", required=True, type=click.Choice(sorted(AGENTS)))
@click.option("--url", default=None, help="Register a running HTTP server (e.g. http://127.0.0.1:8788/mcp).")
@click.option("--force", is_flag=True, help="Replace a different existing 'headroom' entry.")
@_HOME
def install_command(agent: str, url: str | None, force: bool, home: Path | None) -> None:
    """Add the server to AGENT's own config file (one entry; every other key is left as it was)."""
    with friendly_errors():
        spec = default_spec(os.environ, url)
        done = install(agent, spec, home or Path.home(), os.environ, force=force)
        verb = {"added": "registered in", "replaced": "replaced in", "unchanged": "already registered in"}
        click.echo(f"headroom MCP server {verb[done.action]} {done.path}")
        if done.action != "unchanged":
            stderr.print(f"restart {agent} to load it")


@mcp_group.command("uninstall")
@click.option("--agent", required=True, type=click.Choice(sorted(AGENTS)))
@click.option("--force", is_flag=True, help="Remove a 'headroom' entry that install did not write.")
@_HOME
def uninstall_command(agent: str, force: bool, home: Path | None) -> None:
    """Remove the entry install wrote from AGENT's config file (nothing else changes)."""
    with friendly_errors():
        done = uninstall(agent, home or Path.home(), os.environ, force=force)
        if done.action == "absent":
            click.echo(f"no headroom MCP server entry in {done.path}")
            return
        click.echo(f"headroom MCP server removed from {done.path}")
        stderr.print(f"restart {agent} to unload it")


@mcp_group.command("status")
@_HOME
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the store and every agent's entry.")
def status_command(home: Path | None, as_json: bool) -> None:
    """Which agents have the server registered, where, and the store each uses."""
    with friendly_errors():
        store = Settings().store_location()
        found = status(home or Path.home(), os.environ)
        if as_json:
            agents = [{**asdict(r), "path": str(r.path)} for r in found]
            click.echo(json.dumps({"store": store, "agents": agents}, indent=2))
            return
        click.echo(f"store (this environment): {store}")
        for r in found:
            where = f"  store {r.store}" if r.store else ""
            click.echo(
                f"{r.agent:<12} {r.state:<10} {r.path}{where}" + (f"\n{'':12} {r.detail}" if r.detail else "")
            )
