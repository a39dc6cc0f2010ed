"""``headroom policy show|validate``."""

from __future__ import annotations

from pathlib import Path

import click

from headroom.cli._common import friendly_errors, resolve_policy
from headroom.policy import load_policy


@click.group("policy")
def policy_group() -> None:
    """Inspect and check policy files."""


@policy_group.command("show")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
def show_command(path: Path | None) -> None:
    """Print the effective policy (PATH, $HEADROOM_POLICY or the default) as YAML."""
    with friendly_errors():
        policy = resolve_policy(path)
        click.echo(f"# policy_hash: {policy.policy_hash}")
        click.echo(policy.to_yaml(), nl=False)


@policy_group.command("validate")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def validate_command(path: Path) -> None:
    """Check PATH against the schema; exit 2 with the problems when it is invalid."""
    with friendly_errors():
        policy = load_policy(path)
        click.echo(f"valid: {path} (policy_hash {policy.policy_hash})")
