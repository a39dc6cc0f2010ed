"""Lossless re-encoding of uniform arrays of objects as tables.

Nested objects with a stable shape flatten into dotted columns; columns that hold one value in
every row move into the header, and so do string columns that are another column plus a fixed
prefix and suffix (``forks_url = url + "/forks"``), which is common in REST API payloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from headroom.compressors._json.text import dumps, sendable

_MAX_COLUMNS = 80
_MAX_FLAT_KEYS = 64
_MIN_COVERAGE = 0.6
_MIN_CONSTANT_ROWS = 3
_ABSENT = object()
_NUMBERISH = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_RAW_KEY = re.compile(r"[^\s:|\"#\[{,-][^:|\n\"]*")


@dataclass
class Table:
    """Rows as flat ``{column: value}`` dicts plus what the header states once for all rows."""

    rows: list[dict[str, Any]]
    columns: list[str]
    constants: dict[str, Any] = field(default_factory=dict)
    derived: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    key_column: str | None = None
    sparse: bool = False


def _is_row(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def tabular(items: list[Any]) -> bool:
    """Whether ``items`` are objects sharing enough keys to read well as a table."""
    if len(items) < 2 or not all(_is_row(item) for item in items):
        return False
    union: dict[str, None] = {}
    total = 0
    for item in items:
        union.update(dict.fromkeys(item))
        total += len(item)
    return len(union) <= _MAX_COLUMNS and total >= _MIN_COVERAGE * len(union) * len(items)


def _id_like(keys: list[str]) -> bool:
    return sum(any(ch.isdigit() for ch in key) for key in keys) >= 0.8 * len(keys)


_OPAQUE_KEY = re.compile(r"^(?:\d+|[0-9a-fA-F][0-9a-fA-F-]{7,})$")


def lookup_map(value: dict[str, Any]) -> bool:
    """A map from opaque ids (numbers, hashes, UUIDs) to scalars: entries, not a record's fields."""
    if any(isinstance(v, dict | list) for v in value.values()):
        return False
    return sum(_OPAQUE_KEY.match(key) is not None for key in value) >= 0.8 * len(value)


def keyed_rows(value: dict[str, Any]) -> bool:
    """Whether a dict is a collection of records keyed by id (``{"HAT001": {...}, ...}``)."""
    if len(value) < 3 or not all(_is_row(v) for v in value.values()):
        return False
    return _id_like(list(value)) or tabular(list(value.values()))


def _flat_keys(rows: list[dict[str, Any]], column: str) -> list[str] | None:
    keys: dict[str, int] = {}
    present = 0
    for row in rows:
        value = row.get(column, _ABSENT)
        if value is _ABSENT:
            continue
        if not _is_row(value) or keyed_rows(value):
            return None
        present += 1
        for key in value:
            keys[key] = keys.get(key, 0) + 1
    if not present or len(keys) > _MAX_FLAT_KEYS or min(keys.values()) < 0.8 * present:
        return None
    return list(keys)


def _flatten_column(rows: list[dict[str, Any]], column: str, keys: list[str]) -> list[dict[str, Any]]:
    flat = []
    for row in rows:
        new: dict[str, Any] = {}
        for name, value in row.items():
            if name == column:
                new.update((f"{column}.{key}", child) for key, child in value.items())
            else:
                new[name] = value
        flat.append(new)
    return flat


def _flatten(rows: list[dict[str, Any]], depth: int = 3) -> list[dict[str, Any]]:
    for _ in range(depth):
        columns = _ordered_columns(rows)
        changed = False
        for column in columns:
            keys = _flat_keys(rows, column)
            if keys and not any(f"{column}.{key}" in columns for key in keys):
                rows = _flatten_column(rows, column, keys)
                changed = True
        if not changed:
            break
    return rows


def _ordered_columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _constant(rows: list[dict[str, Any]], column: str) -> Any:
    first = rows[0].get(column, _ABSENT)
    if first is _ABSENT or isinstance(first, dict | list):
        return _ABSENT
    kind = type(first)
    for row in rows[1:]:
        value = row.get(column, _ABSENT)
        if value is _ABSENT or type(value) is not kind or value != first:
            return _ABSENT
    return first


def _derivation(rows: list[dict[str, Any]], column: str, sources: list[str]) -> tuple[str, str, str] | None:
    target = rows[0].get(column)
    if not isinstance(target, str):
        return None
    for source in sources:
        base = rows[0].get(source)
        if source == column or not isinstance(base, str) or len(base) < 4 or base not in target:
            continue
        prefix, _, suffix = target.partition(base)
        if all(_derives(row, column, source, prefix, suffix) for row in rows[1:]):
            return source, prefix, suffix
    return None


def _derives(row: dict[str, Any], column: str, source: str, prefix: str, suffix: str) -> bool:
    base = row.get(source)
    return isinstance(base, str) and row.get(column) == f"{prefix}{base}{suffix}"


def _derive_columns(table: Table) -> None:
    rows = table.rows
    if len(rows) < _MIN_CONSTANT_ROWS:
        return
    # Longer sources first: a column derived from `url` reads better than one from `name`.
    sources = sorted(
        (c for c in table.columns if isinstance(rows[0].get(c), str)),
        key=lambda c: -len(rows[0][c]),
    )
    for column in list(table.columns):
        found = _derivation(rows, column, [s for s in sources if s not in table.derived])
        if found is not None:
            table.derived[column] = found
            table.columns.remove(column)
            sources.remove(column)


def build_table(items: list[dict[str, Any]], keys: list[str] | None = None) -> Table:
    """Flatten ``items`` (with their id ``keys`` when the source was a keyed dict) into a table."""
    rows = _flatten(items)
    key_column = None
    if keys is not None:
        key_column = _matching_column(rows, keys)
        if key_column is None:
            name = "key" if "key" not in _ordered_columns(rows) else "_key"
            rows = [{name: key, **row} for key, row in zip(keys, rows, strict=True)]
            key_column = name
    columns = _ordered_columns(rows)
    table = Table(rows=rows, columns=columns, key_column=key_column)
    if len(rows) >= _MIN_CONSTANT_ROWS:
        for column in columns:
            value = _constant(rows, column)
            if value is not _ABSENT:
                table.constants[column] = value
        table.columns = [c for c in columns if c not in table.constants]
        _derive_columns(table)
    table.sparse = any(len(row) < len(columns) for row in rows)
    return table


def _matching_column(rows: list[dict[str, Any]], keys: list[str]) -> str | None:
    for column in rows[0]:
        if all(row.get(column) == key for row, key in zip(rows, keys, strict=True)):
            return column
    return None


def key_text(key: str) -> str:
    """A key as written in the output: bare when unambiguous, JSON-quoted otherwise."""
    if key and key == key.strip() and _RAW_KEY.fullmatch(key) and sendable(key):
        return key
    return dumps(key)


def bare_string(value: str, extra: str = "") -> str:
    """A string bare when a reader cannot mistake it for another type, JSON-quoted otherwise."""
    if (
        not value
        or value != value.strip()
        or value[0] in '"[{#'
        or value in ("null", "true", "false")
        or _NUMBERISH.fullmatch(value)
        or any(ch < " " for ch in value)
        or any(ch in value for ch in extra)
        or not sendable(value)
    ):
        return dumps(value)
    return value


def header(table: Table, total: int) -> str:
    """``# 40 rows; constant: status="ok"; derived: forks_url = url + "/forks"``."""
    parts = [f"# {total} rows"]
    if table.constants:
        values = ", ".join(f"{key_text(k)}={dumps(v)}" for k, v in table.constants.items())
        parts.append(f"constant: {values}")
    if table.derived:
        rules = ", ".join(_rule(column, *rule) for column, rule in table.derived.items())
        parts.append(f"derived: {rules}")
    if table.key_column:
        parts.append(f"keyed by {key_text(table.key_column)}")
    if table.sparse:
        parts.append("empty cell = key absent")
    return "; ".join(parts)


def _rule(column: str, source: str, prefix: str, suffix: str) -> str:
    terms = [dumps(prefix)] if prefix else []
    terms.append(key_text(source))
    if suffix:
        terms.append(dumps(suffix))
    return f"{key_text(column)} = {' + '.join(terms)}"
