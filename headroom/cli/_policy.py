"""``headroom policy show|validate|diff``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from headroom.cli._common import friendly_errors, resolve_policy
from headroom.policy import Policy, load_policy


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


@policy_group.command("diff")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff_command(old: str, new: str, as_json: bool) -> None:
    """Show the keys whose values differ between policies A and B (files, or 'default').

    Lists each changed key as old → new, and both policy hashes (equal hashes mean the same
    runtime behaviour even when names or provenance differ). Always exits 0 on valid input.
    """
    with friendly_errors():
        before, after = _load_named(old), _load_named(new)
    changes = policy_changes(before, after)
    if as_json:
        click.echo(json.dumps(_diff_json(old, new, before, after, changes), ensure_ascii=False))
        return
    click.echo(f"A: {old} (policy_hash {before.policy_hash})")
    click.echo(f"B: {new} (policy_hash {after.policy_hash})")
    for key, value_a, value_b in changes:
        click.echo(f"  {key}: {_show(value_a)} → {_show(value_b)}")
    if not changes:
        click.echo("  no differences")
    elif before.policy_hash == after.policy_hash:
        click.echo("  (same policy_hash: only the name or provenance differ)")


def policy_changes(before: Policy, after: Policy) -> list[tuple[str, Any, Any]]:
    """``(dotted key, value in before, value in after)`` for every leaf that differs, sorted by key.

    A key present on one side only (e.g. provenance) shows ``None`` on the other.
    """
    flat_a, flat_b = _flatten(_dump(before)), _flatten(_dump(after))
    keys = sorted(set(flat_a) | set(flat_b))
    return [(k, flat_a.get(k), flat_b.get(k)) for k in keys if flat_a.get(k) != flat_b.get(k)]


def _load_named(name: str) -> Policy:
    """A policy file, or the built-in default for the word ``default`` (when no such file exists)."""
    if name == "default" and not Path(name).exists():
        return Policy()
    return load_policy(name)


def _dump(policy: Policy) -> dict[str, Any]:
    return policy.model_dump(mode="json", by_alias=True, exclude_none=True)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted keys; lists and scalars are leaves, empty mappings vanish."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


def _diff_json(
    old: str, new: str, before: Policy, after: Policy, changes: list[tuple[str, Any, Any]]
) -> dict[str, Any]:
    return {
        "a": {"source": old, "name": before.name, "policy_hash": before.policy_hash},
        "b": {"source": new, "name": after.name, "policy_hash": after.policy_hash},
        "same_behaviour": before.policy_hash == after.policy_hash,
        "changes": [{"key": k, "old": a, "new": b} for k, a, b in changes],
    }
