"""``headroom retrieve KEY``: the exact original behind a marker, or its matching lines."""

from __future__ import annotations

import sys

import click

from headroom.ccr import retrieve
from headroom.cli._common import friendly_errors, open_store


@click.command("retrieve")
@click.argument("key")
@click.option("--query", "-q", default=None, help="Only the lines or items matching these words.")
@click.option(
    "--scope", default=None, help="The scope that stored it (default: HEADROOM_STORE_SCOPE or 'default')."
)
def retrieve_command(key: str, query: str | None, scope: str | None) -> None:
    """Print the original that a marker's KEY stands for (byte-exact without --query)."""
    with friendly_errors():
        store = open_store(scope)
        if query is None:
            sys.stdout.buffer.write(store.get(key))
            return
        found = retrieve(store, key, query)
        sys.stdout.write(found.text + ("\n" if found.text else ""))
        click.echo(f"{found.matched} of {found.total} {found.unit} matched", err=True)
