"""Parsing for the JSON compressor: strict JSON, JSON Lines, JSONC and JSON embedded in strings."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

# A string literal or a comment; strings are matched first so `//` inside a URL survives.
_JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
_JSONL_SAMPLE_LINES = 8
# What may follow an opening bracket in JSON; a bare number must end at `,` or `]`, so a
# bracketed log timestamp (`[2024-05-01 12:00:00]`) does not count.
_JSON_START = re.compile(r'[\[{]\s*("|\{|\[|\]|\}|-?\d+(\.\d+)?([eE][-+]?\d+)?\s*[,\]]|true|false|null)')


@dataclass(frozen=True)
class Parsed:
    """A parsed document: its value, how it was encoded and how many comment lines were dropped."""

    value: Any
    form: str
    comment_lines: int = 0


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _FAILED


_FAILED = object()


def parse_document(text: str) -> Parsed | None:
    """Parse ``text`` as JSON, JSON Lines or JSONC; ``None`` when it is none of them."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    value = _loads(stripped)
    if value is not _FAILED:
        return Parsed(value, "json")
    lines = _parse_lines(stripped)
    if lines is not None:
        return Parsed(lines, "jsonl")
    if "//" in stripped or "/*" in stripped:
        return _parse_jsonc(stripped)
    return None


def _parse_lines(text: str) -> list[Any] | None:
    rows: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[0] not in "{[":
            return None
        value = _loads(line)
        if value is _FAILED:
            return None
        rows.append(value)
    return rows if len(rows) >= 2 else None


def _parse_jsonc(text: str) -> Parsed | None:
    comments = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal comments
        token = match.group(0)
        if token.startswith('"'):
            return token
        if token == ",":
            return ""
        comments += token.count("\n") + 1
        return ""

    value = _loads(_JSONC_TOKEN.sub(drop, text))
    if value is _FAILED or comments == 0:
        return None
    return Parsed(value, "jsonc", comments)


def decode_embedded(value: str) -> tuple[Any, str] | None:
    """A JSON container embedded in a string (plain or base64), with how it was encoded."""
    if len(value) < 40:
        return None
    stripped = value.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        parsed = _loads(stripped)
        if isinstance(parsed, dict | list) and parsed:
            return parsed, "JSON"
        return None
    if len(stripped) >= 64 and _BASE64.fullmatch(stripped):
        return _decode_base64(stripped)
    return None


def _decode_base64(value: str) -> tuple[Any, str] | None:
    try:
        raw = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    stripped = raw.strip()
    if stripped[:1] not in "{[":
        return None
    parsed = _loads(stripped)
    if isinstance(parsed, dict | list) and parsed:
        return parsed, "base64 JSON"
    return None


def detect_json(sample: str) -> float:
    """Confidence that ``sample`` (a prefix of the text) is JSON or JSON Lines."""
    stripped = sample.strip()
    if not stripped or stripped[0] not in "{[":
        return 0.0
    if _loads(stripped) is not _FAILED:
        return 0.95
    lines = [line.strip() for line in stripped.splitlines() if line.strip()][:_JSONL_SAMPLE_LINES]
    whole = [line for line in lines[:-1] if line[0] in "{[" and _loads(line) is not _FAILED]
    if len(lines) >= 3 and len(whole) >= len(lines) - 1:
        return 0.8
    head = stripped[:400]
    if _JSON_START.match(head) and re.search(r'"\s*:', head):
        return 0.85
    if _JSON_START.match(head) and head[0] == "[":
        return 0.6
    return 0.1
