"""Editing one entry of an agent's config file (JSON or TOML) and nothing else.

A file that does not parse is refused and left as it is. Writes are atomic (a private temporary
file beside it, then ``os.replace``) and keep the file's mode; the first write keeps a copy of
the file as it was (``<file>.headroom-bak``). TOML is edited as text, so comments and layout of
every other table survive; the result is parsed again and must equal the old file with only our
entry changed, or nothing is written.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from headroom.files import write_atomically

BACKUP_SUFFIX = ".headroom-bak"


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` ({} when the file is absent or empty); ConfigError when unreadable."""
    text = _read(path)
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); fix or move it, nothing was written") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} holds JSON that is not an object; nothing was written")
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    """``data`` as indented JSON (key order kept), atomically."""
    _write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of ``path`` and what it parses to; ConfigError when it does not parse."""
    text = _read(path)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or move it, nothing was written") from exc


def replace_toml_table(path: Path, table: tuple[str, str], entry: dict[str, Any]) -> None:
    """Set table ``[a.b]`` (and its sub-tables) of ``path`` to ``entry``, leaving every other byte."""
    text, before = read_toml(path)
    kept = _without_table(text, table)
    block = _toml_tables(table, entry)
    updated = (kept.rstrip("\n") + "\n\n" if kept.strip() else "") + block
    try:
        after = tomllib.loads(updated)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"cannot add [{'.'.join(table)}] to {path} cleanly ({exc}); nothing was written"
        ) from exc
    expected = copy.deepcopy(before)
    expected.setdefault(table[0], {})[table[1]] = entry
    if after != expected:
        raise ConfigError(
            f"{path} defines [{'.'.join(table)}] in a form this command does not edit (a dotted key or an"
            " inline table?); change it by hand; nothing was written"
        )
    _write(path, updated)


def _without_table(text: str, table: tuple[str, str]) -> str:
    """``text`` without the lines of ``[a.b]`` and ``[a.b.*]`` (from each header to the next one)."""
    own = re.compile(
        rf"""^\s*\[\s*{re.escape(table[0])}\s*\.\s*("?){re.escape(table[1])}\1\s*(\.[^\]]*)?\]\s*(\#.*)?$"""
    )
    header = re.compile(r"^\s*\[")
    lines, skipping = [], False
    for line in text.splitlines(keepends=True):
        if header.match(line):
            skipping = bool(own.match(line))
        if not skipping:
            lines.append(line)
    return "".join(lines)


def _toml_tables(table: tuple[str, str], entry: dict[str, Any]) -> str:
    name = ".".join(table)
    scalars = {k: v for k, v in entry.items() if not isinstance(v, dict)}
    lines = [f"[{name}]", *(f"{k} = {_toml_value(v)}" for k, v in scalars.items())]
    for key, sub in entry.items():
        if isinstance(sub, dict):
            lines += ["", f"[{name}.{key}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sub.items())]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {type(value).__name__} values to TOML")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}; nothing was written") from exc


def _write(path: Path, text: str) -> None:
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    if path.exists() and not backup.exists():
        shutil.copy2(path, backup)
    write_atomically(path, text)


def remove_toml_table(path: Path, table: tuple[str, str]) -> None:
    """Drop table ``[a.b]`` (and its sub-tables) from ``path``, leaving every other byte."""
    text, before = read_toml(path)
    updated = _without_table(text, table).rstrip("\n") + "\n"
    try:
        after = tomllib.loads(updated)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"cannot remove [{'.'.join(table)}] from {path} cleanly ({exc}); nothing was written"
        ) from exc
    expected = copy.deepcopy(before)
    expected.get(table[0], {}).pop(table[1], None)
    if not expected.get(table[0], True) and table[0] not in after:
        expected.pop(table[0])  # its only table went with ours
    if after != expected:
        raise ConfigError(
            f"{path} defines [{'.'.join(table)}] in a form this command does not edit (a dotted key or an"
            " inline table?); change it by hand; nothing was written"
        )
    _write(path, updated if updated.strip() else "")
