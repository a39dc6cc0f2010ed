"""``headroom mcp``: serve the MCP tools, and register them with an agent."""

from __future__ import annotations

import os
from pathlib import Path

import click

from headroom.cli._common import friendly_errors, resolve_policy, stderr
from headroom.extras import needs_extra
from headroom.mcp_server import (
    AGENTS,
    HeadroomTools,
    build_server,
    default_spec,
    install,
    serve_http,
    serve_stdio,
)
from headroom.settings import Settings


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
    with friendly_errors(), needs_extra("proxy"):  # build_server imports the SDK
        settings = Settings()
        tools = HeadroomTools(settings.open_store(), resolve_policy(None), settings.store_location())
        server = build_server(tools)
        if transport == "stdio":
            serve_stdio(server)
        else:
            serve_http(server, host, port, http_path)


@mcp_group.command("install")
@click.option("--agent", required=True, type=click.Choice(sorted(AGENTS)))
@click.option("--url", default=None, help="Register a running HTTP server (e.g. http://127.0.0.1:8788/mcp).")
@click.option("--force", is_flag=True, help="Replace a different existing 'headroom' entry.")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The home directory whose agent config to edit (default: yours).",
)
def install_command(agent: str, url: str | None, force: bool, home: Path | None) -> None:
    """Add the server to AGENT's own config file (one entry; every other key is left as it was)."""
    with friendly_errors():
        spec = default_spec(os.environ, url)
        done = install(agent, spec, home or Path.home(), os.environ, force=force)
        verb = {"added": "registered in", "replaced": "replaced in", "unchanged": "already registered in"}
        click.echo(f"headroom MCP server {verb[done.action]} {done.path}")
        if done.action != "unchanged":
            stderr.print(f"restart {agent} to load it")
