"""``headroom store``: what the reversible store holds, and purging it."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from headroom.cli._common import friendly_errors, open_store, store_location

_SCOPE = click.option(
    "--scope", default=None, help="The scope to act on (default: HEADROOM_STORE_SCOPE or 'default')."
)


@click.group("store")
def store_group() -> None:
    """Inspect or purge the reversible store (originals behind markers)."""


@store_group.command("stats")
@_SCOPE
def stats_command(scope: str | None) -> None:
    """Where the store is, and its entries and bytes per scope."""
    with friendly_errors():
        store = open_store(scope)
        table = Table(title=f"CCR store at {store_location()} (this scope: {store.scope})")
        for header in ("scope", "entries", "bytes"):
            table.add_column(header, justify="left" if header == "scope" else "right")
        for name, counts in sorted(store.scopes().items()):
            table.add_row(name, f"{counts.entries:,}", f"{counts.total_bytes:,}")
        total = store.stats()
        table.add_row("all", f"{total.entries:,}", f"{total.total_bytes:,}", end_section=True)
        Console().print(table)


@store_group.command("purge")
@_SCOPE
@click.option("--all-scopes", is_flag=True, help="Remove every scope's entries, not only this scope's.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(scope: str | None, all_scopes: bool, yes: bool) -> None:
    """Remove stored originals: markers already sent can no longer be retrieved."""
    with friendly_errors():
        store = open_store(scope)
        what = "every scope" if all_scopes else f"scope {store.scope!r}"
        if not yes:
            click.confirm(f"Remove the stored originals of {what} in {store_location()}?", abort=True)
        removed = store.purge(all_scopes=all_scopes)
        click.echo(f"removed {removed} entries ({what})")
