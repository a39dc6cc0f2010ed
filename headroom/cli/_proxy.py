"""``headroom proxy``: run the zero-code proxy (agents change only their base URL)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from headroom.cli._common import friendly_errors
from headroom.extras import needs_extra


@click.command("proxy")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8787).")
@click.option(
    "--anthropic-upstream",
    default=None,
    help="Where Anthropic requests go (default https://api.anthropic.com).",
)
@click.option(
    "--openai-upstream", default=None, help="Where OpenAI requests go (default https://api.openai.com)."
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Policy YAML.",
)
@click.option(
    "--compress-deadline-ms",
    type=float,
    default=None,
    help="Compression time per request before the original is sent.",
)
@click.option("--print-config", is_flag=True, help="Print the effective settings and exit.")
def proxy_command(
    host: str | None,
    port: int | None,
    anthropic_upstream: str | None,
    openai_upstream: str | None,
    policy_path: Path | None,
    compress_deadline_ms: float | None,
    print_config: bool,
) -> None:
    """Forward Anthropic and OpenAI API calls, compressing their context on the way (HEADROOM_PROXY_* env)."""
    with friendly_errors(), needs_extra("proxy"):
        from headroom.proxy import ProxySettings, serve

        given: dict[str, object] = {
            "host": host,
            "port": port,
            "anthropic_upstream": anthropic_upstream,
            "openai_upstream": openai_upstream,
            "policy": policy_path,
            "compress_deadline_ms": compress_deadline_ms,
        }
        settings = ProxySettings.model_validate({k: v for k, v in given.items() if v is not None})
        if print_config:
            click.echo(json.dumps(settings.model_dump(mode="json"), indent=2))
            return
        serve(settings)
