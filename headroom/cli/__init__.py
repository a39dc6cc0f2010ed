"""The ``headroom`` command: one click group, one module per command."""

from __future__ import annotations

import click

from headroom.cli._compress import compress_command
from headroom.cli._demo import demo_command
from headroom.cli._eval import eval_group
from headroom.cli._mcp import mcp_group
from headroom.cli._policy import policy_group
from headroom.cli._proxy import proxy_command
from headroom.cli._retrieve import retrieve_command
from headroom.cli._store import store_group
from headroom.cli._trace import trace_group
from headroom.cli._train import train_command
from headroom.cli._train_selector import train_selector_command
from headroom.cli._tune import tune_group
from headroom.cli._wrap import unwrap_command, wrap_command
from headroom.redaction import install_log_redaction

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="headroom")
def cli() -> None:
    """Headroom: cut the tokens AI agents send, reversibly, and prove it."""
    # Every command may log upstream errors or request text; no log line carries a key in clear.
    install_log_redaction()


cli.add_command(compress_command)
cli.add_command(retrieve_command)
cli.add_command(store_group)
cli.add_command(proxy_command)
cli.add_command(mcp_group)
cli.add_command(policy_group)
cli.add_command(demo_command)
cli.add_command(trace_group)
cli.add_command(eval_group)
cli.add_command(train_command)
cli.add_command(train_selector_command)
cli.add_command(tune_group)
cli.add_command(wrap_command)
cli.add_command(unwrap_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="headroom")
