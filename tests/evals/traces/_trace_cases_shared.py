"""The case record and writers the trace contract fixtures share."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    """One fixture and what its importer must find in it."""

    id: str
    format: str
    """The importer that must claim the fixture (and the only one that may)."""
    write: Callable[[Path], Path]
    """Writes the fixture into a directory and returns its path."""
    calls: int
    """Tool calls the assistant made."""
    results: int
    """Tool results recorded."""
    model: str | None = None
    """The model the trace names, where it names one."""
    usage: bool = True
    """Whether the format records token usage (per call or for the session)."""
    jsonl: bool = False
    """A line-per-record file: a malformed line must be a warning, not the end of the import."""


def jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    """``records`` as JSON Lines at ``path``."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write(path: Path, data: Any) -> Path:
    """``data`` as an indented JSON document at ``path``."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def text(path: Path, body: str) -> Path:
    """``body`` as a UTF-8 text file at ``path``."""
    path.write_text(body, encoding="utf-8")
    return path
