"""Shared CLI plumbing: settings, policy and store resolution, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from headroom.ccr import SharedStore
from headroom.errors import HeadroomError
from headroom.policy import Policy, load_policy
from headroom.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
stderr = Console(stderr=True, highlight=False)


def resolve_policy(path: Path | None) -> Policy:
    """The ``--policy`` file, else ``HEADROOM_POLICY``, else the default."""
    return load_policy(path if path is not None else Settings().policy)


def open_store(scope: str | None = None) -> SharedStore:
    """The configured store, SQLite or Redis (``scope`` overrides ``HEADROOM_STORE_SCOPE``)."""
    settings = Settings()
    if scope is not None:
        settings = settings.model_copy(update={"store_scope": scope})
    return settings.open_store()


def store_location() -> str:
    """Where the configured store is, as it may be shown (no password)."""
    return Settings().store_location()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn HeadroomError into a one-line message and exit code 2."""
    try:
        yield
    except HeadroomError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}")  # "headroom[evals]" is not markup
        sys.exit(2)


def policy_option(command: F) -> F:
    """The shared ``--policy PATH`` option."""
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Policy YAML (default: $HEADROOM_POLICY or the built-in default).",
    )(command)


def path_option(flag: str, dest: str, help: str, *, folder: bool) -> Callable[[F], F]:
    """An optional path option (a folder or a file) defaulting to ``None``."""
    kind = click.Path(path_type=Path, file_okay=not folder, dir_okay=folder)
    return click.option(flag, dest, type=kind, default=None, help=help)


def format_pct(saved: int, total: int) -> str:
    """``"61.2%"``; an em dash when there is nothing to compare."""
    return f"{100 * saved / total:.1f}%" if total else "—"
