"""Setting and removing one key of an agent's config file (JSON, TOML or YAML), nothing else.

JSON is parsed and written back (its layout is ours afterwards, its content is not); TOML and
YAML are edited as text, one top-level ``key = value`` / ``key: value`` line, so comments and
every other line stay as they were. Each edit is checked by parsing the result: it must equal
the old content with only our key changed, or nothing is written.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from headroom.errors import ConfigError

Format = Literal["json", "toml", "yaml"]
ABSENT: Any = object()
"""A key that is not in the file."""


def load(text: str, fmt: Format, path: Path) -> dict[str, Any]:
    """The mapping ``text`` holds ({} for an empty file); ConfigError when it does not parse."""
    if not text.strip():
        return {}
    try:
        if fmt == "json":
            data = json.loads(text)
        elif fmt == "toml":
            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(
            f"{path} does not parse as {fmt.upper()} ({exc}); fix or move it, nothing was changed"
        ) from exc
    if data is None and fmt == "yaml":
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a {fmt.upper()} mapping at its top; nothing was changed")
    return data


def lookup(data: dict[str, Any], key: Sequence[str]) -> Any:
    node: Any = data
    for part in key:
        if not isinstance(node, dict) or part not in node:
            return ABSENT
        node = node[part]
    return node


def depth_present(data: dict[str, Any], key: Sequence[str]) -> int:
    """How many leading parts of ``key`` name existing tables (the rest an edit creates)."""
    node: Any = data
    for depth, part in enumerate(key[:-1]):
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return depth
        node = node[part]
    return len(key) - 1


def with_value(data: dict[str, Any], key: Sequence[str], value: Any, keep_depth: int) -> dict[str, Any]:
    """A copy of ``data`` with ``key`` set (ABSENT: removed, with the tables above it that an edit made)."""
    out = copy.deepcopy(data)
    node = out
    for part in key[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is ABSENT:
                return out
            child = node[part] = {}
        node = child
    if value is ABSENT:
        node.pop(key[-1], None)
        for depth in range(len(key) - 1, keep_depth, -1):  # innermost first
            holder = lookup(out, key[: depth - 1])
            if isinstance(holder, dict) and holder.get(key[depth - 1]) == {}:
                del holder[key[depth - 1]]
    else:
        node[key[-1]] = value
    return out


def edited(
    text: str, fmt: Format, key: Sequence[str], value: Any, path: Path, *, keep_depth: int = 0, line: str = ""
) -> str:
    """``text`` with ``key`` set to ``value`` (ABSENT: removed; ``line``: the exact line to put back)."""
    before = load(text, fmt, path)
    if fmt == "json":
        return json.dumps(with_value(before, key, value, keep_depth), indent=2, ensure_ascii=False) + "\n"
    if len(key) != 1:
        raise ConfigError(f"{path}: only top-level {fmt.upper()} keys are edited")
    updated = _edit_line(text, fmt, key[0], value, line)
    expected = with_value(before, key, value, 0)
    if load(updated, fmt, path) != expected:
        raise ConfigError(
            f"{path} defines {key[0]!r} in a form this command does not edit (several lines?);"
            " change it by hand; nothing was changed"
        )
    return updated


def key_line(text: str, fmt: Format, key: str) -> str:
    """The line that sets top-level ``key`` now ("" when none does)."""
    index = _find(text.splitlines(keepends=True), fmt, key)
    return "" if index is None else text.splitlines()[index]


def _find(lines: list[str], fmt: Format, key: str) -> int | None:
    pattern = re.compile(rf"^[\"']?{re.escape(key)}[\"']?\s*{'=' if fmt == 'toml' else ':'}")
    for index, line in enumerate(lines):
        if fmt == "toml" and line.lstrip().startswith("["):
            return None  # only lines before the first table are top-level
        if pattern.match(line):
            return index
    return None


def _edit_line(text: str, fmt: Format, key: str, value: Any, line: str) -> str:
    lines = text.splitlines(keepends=True)
    index = _find(lines, fmt, key)
    if line:
        new = [line + "\n"]
    elif value is ABSENT:
        new = []
    else:
        new = [f"{key}{' = ' if fmt == 'toml' else ': '}{json.dumps(value)}\n"]
    if index is not None:
        return "".join(lines[:index] + new + lines[index + 1 :])
    if not new:
        return text
    if fmt == "toml":  # a top-level key must come before the first table
        return "".join(new + lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines + new)
