"""``headroom proxy``: run the zero-code proxy (agents change only their base URL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from headroom.cli._common import friendly_errors, path_option, policy_option
from headroom.extras import needs_extra


@click.command("proxy")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8787; 0: any free port).")
@path_option("--uds", "uds", "Listen on this unix socket instead (mode 0600).", folder=False)
@click.option(
    "--token",
    default=None,
    help="Require this token on API calls (X-Headroom-Proxy-Token or Bearer); HEADROOM_PROXY_TOKEN keeps it out of ps.",
)
@click.option(
    "--anthropic-upstream",
    default=None,
    help="Where Anthropic requests go (default https://api.anthropic.com).",
)
@click.option(
    "--openai-upstream", default=None, help="Where OpenAI requests go (default https://api.openai.com)."
)
@policy_option
@click.option(
    "--compress-deadline-ms",
    type=float,
    default=None,
    help="Compression time per request before the original is sent.",
)
@path_option(
    "--log-file",
    "log_file",
    "Append one line per request here (default: stderr); never bodies, keys or stored content.",
    folder=False,
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Request lines as key=value text (default) or one JSON object each.",
)
@click.option("--print-config", is_flag=True, help="Print each setting, its value and its source, and exit.")
def proxy_command(print_config: bool, policy_path: Path | None, **flags: object) -> None:
    """Forward Anthropic and OpenAI API calls, compressing their context on the way (HEADROOM_PROXY_* env)."""
    with friendly_errors(), needs_extra("proxy"):
        from headroom.proxy import ProxySettings, serve
        from headroom.proxy._settings import effective_config

        given = {k: v for k, v in {**flags, "policy": policy_path}.items() if v is not None}
        settings = ProxySettings.model_validate(given)
        if print_config:
            click.echo(json.dumps(effective_config(settings, given, os.environ), indent=2))
            return
        serve(settings)
